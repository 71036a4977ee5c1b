"""Tickets, knowledge-base events, quality and aliases through the API: JSON and CSV batches,
422s naming row and field with nothing stored, idempotent re-sends, the KPI and drill-down
views on the small centre, cluster alerts, and the scope of every new endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from features.store.sources_store import SourcesStore
from tests.api.small_centre import (
    LAST_WEEK,
    TICKETS,
    YESTERDAY,
    berlin_settings,
    fill,
    filled_client,
)

KeyFactory = Callable[..., dict[str, str]]
DAY = {"start": YESTERDAY[0], "end": YESTERDAY[1]}


api_settings = pytest.fixture(name="api_settings")(berlin_settings)
centre = pytest.fixture(name="centre")(filled_client)


def _sources(client: TestClient) -> SourcesStore:
    return SourcesStore(client.app.state.store)  # type: ignore[attr-defined]


def test_tickets_json_and_csv_with_idempotent_resends(client: TestClient, auth: KeyFactory) -> None:
    headers = auth("planner")
    first = client.post("/v1/tickets", json=TICKETS, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 5, "inserted": 5, "duplicates": 0, "updated": 0}
    again = client.post("/v1/tickets", json=TICKETS, headers=headers)
    assert again.json() == {"received": 5, "inserted": 0, "duplicates": 5, "updated": 0}
    changes = json.dumps([{"at": "2026-11-25T08:00:00+01:00", "status": "resolved"}])
    csv = (
        "ticket_id,queue,category,opened_at,status_changes\n"
        f'k4,sales,pricing,2026-11-24T09:26:00+01:00,"{changes.replace(chr(34), chr(34) * 2)}"\n'
        "k9,sales,pricing,2026-11-24T10:00:00+01:00,\n"
    )
    third = client.post("/v1/tickets", content=csv, headers={**headers, "Content-Type": "text/csv"})
    assert third.status_code == 200, third.text
    assert third.json() == {"received": 2, "inserted": 1, "duplicates": 1, "updated": 1}
    stored = _sources(client).read_tickets().set_index("ticket_id")
    assert stored.loc["k4", "status"] == "resolved" and stored.loc["k9", "status"] == "open"


def test_bad_batches_are_422_naming_row_and_field(client: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    tickets = [dict(TICKETS[0]), {**TICKETS[1], "status_changes": [{"at": "x", "status": "done"}]}]
    answer = client.post("/v1/tickets", json=tickets, headers=headers)
    assert answer.status_code == 422
    found = {(d["row"], d["field"]) for d in answer.json()["detail"]}
    assert found == {(1, "status_changes[0].at"), (1, "status_changes[0].status")}
    events = [{"event_id": "e1", "agent_id": "a1", "article_id": "x", "topic": "t",
               "viewed_at": "2026-11-24T09:00:00+01:00", "contact_id": 5.5}]  # fmt: skip
    answer = client.post("/v1/kb-events", json=events, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0] | {"value": None} == {
        "row": 0, "field": "contact_id", "rule": "must be text", "value": None,
    }  # fmt: skip
    segment = {"start_s": 0, "end_s": 5, "label": "angry", "score": 1.5}
    quality = [{"evaluation_id": "q1", "contact_id": "c1", "source": "speech",
                "evaluated_at": "2026-11-24T09:00:00+01:00", "emotion": [segment]}]  # fmt: skip
    answer = client.post("/v1/quality", json=quality, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "emotion[0].score"
    assert client.post("/v1/quality", json={"not": "a list"}, headers=headers).status_code == 422
    counts = _sources(client).counts()
    assert counts["tickets"] == counts["kb_events"] == counts["quality_evaluations"] == 0


def test_writes_are_for_admin_and_planner(client: TestClient, auth: KeyFactory) -> None:
    for role in ("supervisor", "agent", "routing", "data_scientist"):
        for path in ("/v1/tickets", "/v1/kb-events", "/v1/quality"):
            answer = client.post(path, json=[], headers=auth(role, agent_id="a1", teams=["t"]))
            assert answer.status_code == 403, (role, path)
        assert client.put("/v1/aliases", json=[], headers=auth(role)).status_code == 403


def test_ticket_kpis_drill_to_categories_tickets_and_contacts(
    centre: TestClient, auth: KeyFactory
) -> None:
    headers = auth("admin")
    root = centre.get("/v1/tickets/kpis", params=DAY, headers=headers).json()
    assert root["kpis"]["tickets"] == 4 and root["kpis"]["backlog"] == 2
    assert root["kpis"]["first_contact_resolution"] == pytest.approx(0.5)
    assert root["kpis"]["resolution_s"] == pytest.approx(10_800)
    assert root["kpis"]["reopen_rate"] == pytest.approx(1 / 3)
    children = {c["id"]: c for c in root["children"]}
    assert set(children) == {"billing", "sales"}
    sales = centre.get(children["sales"]["url"], headers=headers).json()
    assert sales["kpis"]["reopen_rate"] == 1.0
    assert [c["id"] for c in sales["children"]] == ["sales-1"]
    refund = next(c for c in root["categories"] if c["id"] == "refund")
    assert refund["kpis"]["tickets"] == 2
    rows = centre.get(refund["url"], headers=headers).json()["rows"]
    assert [r["ticket_id"] for r in rows] == ["k1", "k2"]
    assert rows[0]["first_contact_resolved"] and not rows[1]["first_contact_resolved"]
    assert rows[0]["contact"]["contact_id"] == "y1" and rows[0]["contact"]["handle_s"] == 300
    assert rows[1]["resolution_s"] == pytest.approx(21_260)
    assert rows[0]["opened_at"] == "2026-11-24T09:00:20+01:00"
    detail = centre.get("/v1/tickets/k1", headers=headers).json()
    assert [e["event_id"] for e in detail["kb_events"]] == ["kb1", "kb2"]
    assert [e["evaluation_id"] for e in detail["evaluations"]] == ["q1"]
    assert detail["status"] == "resolved" and detail["team"] == "billing-1"
    assert centre.get("/v1/tickets/nope", headers=headers).status_code == 404


def test_quality_kpis_and_knowledge_view(centre: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    quality = centre.get("/v1/quality/kpis", params=DAY, headers=headers).json()
    assert quality["kpis"]["evaluations"] == 4
    assert quality["kpis"]["script_compliance"] == pytest.approx((0.9 + 0.5 + 0.95 + 0.4) / 4)
    assert quality["kpis"]["negative_emotion_rate"] == pytest.approx(2 / 3)
    teams = centre.get(
        "/v1/quality/kpis", params={**DAY, "level": "queue", "id": "billing"}, headers=headers
    ).json()
    assert teams["children"][0]["id"] == "billing-1"
    assert teams["children"][0]["kpis"]["compliance_miss_rate"] == pytest.approx(0.5)
    knowledge = centre.get("/v1/knowledge", params=DAY, headers=headers).json()
    assert knowledge["interpretation"] == "association"
    topics = {r["topic"]: r for r in knowledge["by_topic"]}
    assert topics["refunds"]["views"] == 2 and topics["refunds"]["contacts"] == 1
    agents = {r["agent_id"]: r for r in knowledge["by_agent"]}
    assert agents["a1"]["views"] == 3 and agents["a1"]["share_with_article"] == pytest.approx(0.5)
    overall = [r for r in knowledge["comparisons"] if r["topic"] == "(all topics)"]
    assert {r["measure"] for r in overall} == {"handle_s", "transferred", "reopened"}
    assert all(r["ci_low"] is None and r["note"] for r in overall)  # far fewer than 10 each
    newbies = knowledge["new_agent_topics"]
    assert [r["topic"] for r in newbies] == ["refunds", "invoices"]  # a1 started in October


def test_quality_batch_raises_a_cluster_alert(client: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    fill(client.app.state.store, client.app.state.service_store)  # type: ignore[attr-defined]
    more = [
        {"evaluation_id": f"m{i}", "contact_id": cid, "evaluated_at": "2026-11-24T18:00:00+01:00",
         "source": "manual", "script_compliance": 0.3}
        for i, cid in enumerate(["y1", "y4", "y5"])
    ]  # fmt: skip
    # Latest per contact: billing y1 0.3, y2 0.5, y4 0.3 -> 3 of 3 miss the script (alert);
    # sales y5 0.3, y6 0.4 -> 2 misses, below the count of 3 (no alert).
    answer = client.post("/v1/quality", json=more, headers=headers)
    assert answer.json() == {"received": 3, "inserted": 3, "duplicates": 0, "updated": 0}
    alerts = client.get("/v1/alerts", params={"kind": "compliance_miss"}, headers=headers).json()
    keys = {a["key"]: a for a in alerts["alerts"]}
    assert set(keys) == {"billing|2026-11-24T08:00:00+00:00"}
    assert keys["billing|2026-11-24T08:00:00+00:00"]["value"] == pytest.approx(1.0)
    assert "3 of 3 evaluated contacts" in keys["billing|2026-11-24T08:00:00+00:00"]["message"]
    client.post("/v1/quality", json=more, headers=headers)
    again = client.get("/v1/alerts", params={"kind": "compliance_miss"}, headers=headers).json()
    assert len(again["alerts"]) == 1
    seen = client.get("/v1/alerts", params={"kind": "compliance_miss"},
                      headers=auth("supervisor", teams=["billing-1"]))  # fmt: skip
    assert [a["queue"] for a in seen.json()["alerts"]] == ["billing"]


def test_aliases_in_and_out(client: TestClient, auth: KeyFactory) -> None:
    rows = [{"kind": "queue", "name": "billing", "alias": "账单"}]
    put = client.put("/v1/aliases", json=rows, headers=auth("admin"))
    assert put.json() == {"received": 1, "inserted": 1, "duplicates": 0, "updated": 0}
    read = client.get("/v1/aliases", headers=auth("agent", agent_id="a1")).json()
    assert read == {"aliases": rows}
    bad = client.put("/v1/aliases", json=[{"kind": "site", "name": "x", "alias": "y"}],
                     headers=auth("admin"))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"


def _status(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> int:
    return client.get(path, params=params, headers=headers).status_code


def test_scope_of_every_read(centre: TestClient, auth: KeyFactory) -> None:
    agent = auth("agent", agent_id="a1")
    supervisor = auth("supervisor", teams=["billing-1"])
    assert _status(centre, agent, "/v1/tickets/kpis", **DAY) == 403
    assert _status(centre, agent, "/v1/tickets/kpis", level="agent", id="a2", **DAY) == 403
    own = centre.get("/v1/tickets/kpis", params={**DAY, "level": "agent", "id": "a1"},
                     headers=agent).json()  # fmt: skip
    assert own["kpis"]["tickets"] == 1
    listed = centre.get("/v1/tickets", params=DAY, headers=agent).json()["rows"]
    assert [r["ticket_id"] for r in listed] == ["k1"]
    assert _status(centre, agent, "/v1/tickets/k2") == 404
    assert _status(centre, agent, "/v1/tickets/k1") == 200
    assert _status(centre, agent, "/v1/quality/kpis", level="queue", id="billing", **DAY) == 403
    mine = centre.get("/v1/quality/kpis", params={**DAY, "level": "agent", "id": "a1"},
                      headers=agent).json()  # fmt: skip
    assert mine["kpis"]["evaluations"] == 1
    knowledge = centre.get("/v1/knowledge", params=DAY, headers=agent).json()
    assert {r["agent_id"] for r in knowledge["by_agent"]} == {"a1"}
    assert _status(centre, agent, "/v1/knowledge", agent_id="a3", **DAY) == 403
    assert _status(centre, supervisor, "/v1/tickets/kpis", **DAY) == 403
    assert _status(centre, supervisor, "/v1/tickets/kpis", level="team", id="sales-1", **DAY) == 403
    team = centre.get("/v1/tickets/kpis", params={**DAY, "level": "team", "id": "billing-1"},
                      headers=supervisor).json()  # fmt: skip
    assert team["kpis"]["tickets"] == 2 and {c["id"] for c in team["children"]} == {"a1", "a2"}
    queue = centre.get(
        "/v1/tickets/kpis", params={**DAY, "level": "queue", "id": "sales"}, headers=supervisor
    ).json()
    assert queue["kpis"]["tickets"] == 0 and queue["children"] == []
    rows = centre.get("/v1/tickets", params={"start": LAST_WEEK[0], "end": YESTERDAY[1]},
                      headers=supervisor).json()["rows"]  # fmt: skip
    assert {r["ticket_id"] for r in rows} == {"k1", "k2", "k5"}
    assert _status(centre, supervisor, "/v1/tickets/k3") == 404
    assert _status(centre, supervisor, "/v1/knowledge", team="sales-1", **DAY) == 403
    assert _status(centre, auth("routing"), "/v1/tickets", **DAY) == 403
