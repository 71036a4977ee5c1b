"""``GET /v1/exports/{kind}``: the exports hold the API's own numbers, page with headers and
links, read back as CSV and Parquet, and stay within each role's scope."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.api.small_centre import TZ, YESTERDAY, berlin_settings, filled_client

KeyFactory = Callable[..., dict[str, str]]
DAY = {"start": YESTERDAY[0], "end": YESTERDAY[1]}
KPI_FIELDS = ("offered", "handled", "abandoned", "aht_s", "asa_s", "service_level",
              "abandon_rate", "occupancy")  # fmt: skip


api_settings = pytest.fixture(name="api_settings")(berlin_settings)
centre = pytest.fixture(name="centre")(filled_client)


def _csv(client: TestClient, kind: str, headers: dict[str, str], **params: object) -> pd.DataFrame:
    answer = client.get(f"/v1/exports/{kind}", params={**DAY, **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return pd.read_csv(io.StringIO(answer.text), keep_default_na=True)


def _same(exported: object, api: object) -> bool:
    if api is None:
        return pd.isna(exported)  # type: ignore[call-overload, no-any-return]
    return bool(exported == pytest.approx(api))


def test_kpi_export_is_every_node_of_the_kpi_endpoint(centre: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    table = _csv(centre, "kpis", headers)
    assert table["level"].value_counts().to_dict() == {"agent": 4, "queue": 2, "team": 2,
                                                       "center": 1}  # fmt: skip
    mismatches = []
    for row in table.to_dict("records"):
        params = {**DAY, "level": row["level"]}
        if row["level"] != "center":
            params["id"] = row["id"]
        api = centre.get("/v1/kpis", params=params, headers=headers).json()["kpis"]
        mismatches += [
            (row["level"], row["id"], f) for f in KPI_FIELDS if not _same(row[f], api[f])
        ]
    assert mismatches == []
    billing = table[(table["level"] == "queue") & (table["id"] == "billing")].iloc[0]
    assert billing["service_level"] == pytest.approx(0.5) and billing["offered"] == 4


def test_interval_and_ticket_exports_match(centre: TestClient, auth: KeyFactory) -> None:
    headers = auth("planner")
    exported = _csv(centre, "intervals", headers)
    api = centre.get("/v1/intervals", params=DAY, headers=headers).json()["rows"]
    assert exported["interval_start"].tolist() == [r["interval_start"] for r in api]
    assert exported["service_level"].tolist() == pytest.approx([r["service_level"] for r in api])
    assert exported["interval_start"].iloc[0] == "2026-11-24T09:00:00+01:00"
    tickets = _csv(centre, "ticket-kpis", headers)
    for row in tickets.to_dict("records"):
        params = {**DAY, "level": row["level"]}
        if row["level"] != "center":
            params["id"] = row["id"]
        api_kpis = centre.get("/v1/tickets/kpis", params=params, headers=headers).json()["kpis"]
        assert all(_same(row[k], v) for k, v in api_kpis.items()), row
    listed = _csv(centre, "tickets", headers).set_index("ticket_id")
    assert listed.index.tolist() == ["k1", "k2", "k3", "k4"]
    assert listed.loc["k3", "status"] == "reopened" and listed.loc["k1", "team"] == "billing-1"
    assert '"status": "pending"' in listed.loc["k2", "status_changes"]
    quality = _csv(centre, "quality", headers)
    assert quality["evaluation_id"].tolist() == ["q1", "q2", "q4", "q3"]
    assert quality.loc[1, "negative_emotion"]
    assert len(_csv(centre, "kb", headers)) == 4
    performance = _csv(centre, "performance", headers).set_index("agent_id")
    assert performance.loc["a1", "aht_s"] == pytest.approx(200.0)
    assert performance.loc["a4", "script_compliance"] == pytest.approx(0.4)
    assert len(_csv(centre, "contacts", headers)) == 8
    agents = _csv(centre, "agents", headers)
    assert agents.loc[0, "skills"] == '{"billing": 5}'


def test_pages_and_parquet(centre: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    first = centre.get("/v1/exports/contacts", params={**DAY, "page_size": 3}, headers=headers)
    assert first.headers["x-total-count"] == "8" and first.headers["x-page-count"] == "3"
    link = first.headers["link"]
    assert link.startswith("</v1/exports/contacts?") and link.endswith('>; rel="next"')
    rows = pd.read_csv(io.StringIO(first.text))["contact_id"].tolist()
    following = centre.get(link[1 : link.index(">")], headers=headers)
    rows += pd.read_csv(io.StringIO(following.text))["contact_id"].tolist()
    last = centre.get("/v1/exports/contacts", params={**DAY, "page_size": 3, "page": 3},
                      headers=headers)  # fmt: skip
    assert "link" not in last.headers
    rows += pd.read_csv(io.StringIO(last.text))["contact_id"].tolist()
    assert rows == [f"y{i}" for i in range(1, 9)]
    parquet = centre.get("/v1/exports/kpis", params={**DAY, "format": "parquet"}, headers=headers)
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    table = pd.read_parquet(io.BytesIO(parquet.content))
    csv = _csv(centre, "kpis", headers)
    assert table["id"].fillna("").tolist() == csv["id"].fillna("").tolist()
    for column in ("offered", "service_level", "aht_s", "occupancy"):
        assert table[column].tolist() == pytest.approx(csv[column].tolist(), nan_ok=True)
    instants = pd.read_parquet(
        io.BytesIO(
            centre.get(
                "/v1/exports/tickets", params={**DAY, "format": "parquet"}, headers=headers
            ).content
        )  # fmt: skip
    )
    assert str(instants["opened_at"].dt.tz) == TZ


def test_exports_stay_in_scope(centre: TestClient, auth: KeyFactory) -> None:
    agent = auth("agent", agent_id="a1")
    for kind in ("intervals", "contacts"):
        refused = centre.get(f"/v1/exports/{kind}", params=DAY, headers=agent)
        assert refused.status_code == 403, kind
    assert _csv(centre, "kpis", agent)[["level", "id"]].values.tolist() == [["agent", "a1"]]
    assert _csv(centre, "tickets", agent)["ticket_id"].tolist() == ["k1"]
    assert _csv(centre, "performance", agent)["agent_id"].tolist() == ["a1"]
    assert set(_csv(centre, "kb", agent)["agent_id"]) == {"a1"}
    supervisor = auth("supervisor", teams=["sales-1"])
    nodes = _csv(centre, "kpis", supervisor)
    assert "center" not in set(nodes["level"])
    assert set(nodes.loc[nodes["level"] == "team", "id"]) == {"sales-1"}
    assert set(nodes.loc[nodes["level"] == "agent", "id"]) == {"a3", "a4"}
    assert set(_csv(centre, "quality", supervisor)["agent_id"]) == {"a3", "a4"}
    bad = centre.get("/v1/exports/everything", params=DAY, headers=auth("admin"))
    assert bad.status_code == 422
    assert centre.get("/v1/exports/kpis", params=DAY, headers=auth("routing")).status_code == 403
