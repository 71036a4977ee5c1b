"""POST /v1/simulations: inline and stored contacts, inline and stored rosters, supervisors'
scope, and every broken input a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

KeyFactory = Callable[..., dict[str, str]]

T0 = pd.Timestamp("2026-11-30T08:00:00", tz="UTC")
AGENTS = [
    {"agent_id": "a1", "name": "Anna", "team": "t1", "skills": {"billing": 5}},
    {"agent_id": "b1", "name": "Ben", "team": "t2", "skills": {"sales": 5}},
]


def iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


def contacts() -> list[dict[str, Any]]:
    """Billing: eight 120 s calls a minute apart, answered at once; sales: one call abandoned
    after 30 s."""
    rows = []
    for i in range(8):
        arrived = T0 + pd.Timedelta(minutes=i)
        rows.append(
            {
                "contact_id": f"b{i}",
                "queue": "billing",
                "arrived_at": iso(arrived),
                "answered_at": iso(arrived),
                "ended_at": iso(arrived + pd.Timedelta(seconds=120)),
                "handle_s": 120.0,
                "abandoned": False,
            }
        )
    rows.append(
        {
            "contact_id": "s0",
            "queue": "sales",
            "arrived_at": iso(T0),
            "ended_at": iso(T0 + pd.Timedelta(seconds=30)),
            "abandoned": True,
        }
    )
    return rows


def roster(billing: int = 1) -> list[dict[str, Any]]:
    rows = [
        {"agent_id": f"a{i}", "activity": "work", "queue": "billing", "start": iso(T0),
         "end": iso(T0 + pd.Timedelta(hours=1))}
        for i in range(billing)
    ]  # fmt: skip
    rows.append(
        {"agent_id": "b1", "activity": "work", "queue": "sales", "start": iso(T0),
         "end": iso(T0 + pd.Timedelta(hours=1))}
    )  # fmt: skip
    return rows


def totals(body: dict[str, Any], key: str = "totals") -> dict[str, dict[str, Any]]:
    return {row["queue"]: row for row in body[key]}


def test_inline_contacts_on_an_inline_roster(client: TestClient, auth: KeyFactory) -> None:
    body = {"roster": roster(1), "contacts": contacts(), "replications": 2}
    answer = client.post("/v1/simulations", json=body, headers=auth("planner"))
    assert answer.status_code == 200, answer.text
    result = answer.json()
    replay, real = totals(result), totals(result, "observed")
    assert replay["billing"]["asa_s"] == 210.0 and replay["billing"]["service_level"] == 0.125
    assert real["billing"]["service_level"] == 1.0
    # Sales: an agent is free at once, so the caller who gave up is answered in the replay.
    assert replay["sales"]["abandoned"] == 0.0 and real["sales"]["abandoned"] == 1.0
    assert replay["*"]["offered"] == 9.0
    assert {p["queue"] for p in result["patience"]} == {"billing", "sales"}
    billing = [r for r in result["intervals"] if r["queue"] == "billing"]
    assert [r["interval_start"] for r in billing] == ["2026-11-30T08:00:00+00:00"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stored_contacts_stored_roster_and_scope(
    app: FastAPI, client: TestClient, auth: KeyFactory
) -> None:
    store, service = app.state.store, app.state.service_store
    store.upsert_agents(AGENTS)
    admin = auth("admin")
    assert client.post("/v1/contacts", json=contacts(), headers=admin).status_code == 200
    service.create_roster("r1", {"timezone": "UTC"}, None)
    service.update_roster("r1", rows=roster(2), status="solved")
    body = {"roster_id": "r1", "start": iso(T0), "end": iso(T0 + pd.Timedelta(hours=2))}
    everything = client.post("/v1/simulations", json=body, headers=admin)
    assert everything.status_code == 200, everything.text
    assert totals(everything.json())["billing"]["asa_s"] == 0.0  # two agents: nobody waits
    assert len(everything.json()["intervals"]) == 2 * 8  # two queues x 8 quarter-hours
    boss = client.post("/v1/simulations", json=body, headers=auth("supervisor", teams=["t2"]))
    assert boss.status_code == 200, boss.text
    seen = boss.json()
    assert {r["queue"] for r in seen["intervals"]} == {"sales"}
    assert set(totals(seen)) == {"sales", "*"} and totals(seen)["*"]["offered"] == 1.0
    missing = client.post("/v1/simulations", json={**body, "roster_id": "nope"}, headers=admin)
    assert missing.status_code == 404
    for role in ("agent", "routing", "data_scientist"):
        refused = client.post("/v1/simulations", json=body, headers=auth(role, agent_id="a1"))
        assert refused.status_code == 403


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_requests_are_422_naming_the_field(client: TestClient, auth: KeyFactory) -> None:
    key = auth("planner")
    both = client.post(
        "/v1/simulations", json={"roster_id": "r", "roster": roster(), "contacts": contacts()},
        headers=key,
    )  # fmt: skip
    assert both.status_code == 422 and "exactly one" in both.text
    no_window = client.post("/v1/simulations", json={"roster": roster()}, headers=key)
    assert no_window.status_code == 422 and "start and end" in no_window.text
    bad_contact = contacts()
    bad_contact[2]["answered_at"] = "2026-11-30T07:00:00+00:00"  # before its arrival
    answer = client.post(
        "/v1/simulations", json={"roster": roster(), "contacts": bad_contact}, headers=key
    )
    assert answer.status_code == 422
    assert any(e["row"] == 2 and e["field"] == "answered_at" for e in answer.json()["detail"])
    shift = roster()
    shift[0]["end"] = "tomorrow"
    answer = client.post(
        "/v1/simulations", json={"roster": shift, "contacts": contacts()}, headers=key
    )
    assert answer.status_code == 422 and "end" in answer.text
    backwards = roster()
    backwards[0]["end"] = backwards[0]["start"]
    answer = client.post(
        "/v1/simulations", json={"roster": backwards, "contacts": contacts()}, headers=key
    )
    assert answer.status_code == 422 and "after start" in answer.text
    wide = {"roster": roster(), "start": iso(T0), "end": iso(T0 + pd.Timedelta(days=40))}
    answer = client.post("/v1/simulations", json=wide, headers=key)
    assert answer.status_code == 422 and "31 days" in answer.text
    chat = {
        "roster": roster(),
        "contacts": contacts(),
        "queue_targets": {"billing": {"concurrency": 2}},
    }
    answer = client.post("/v1/simulations", json=chat, headers=key)
    assert answer.status_code == 422 and "concurrency" in answer.text
    mars = {"roster": roster(), "contacts": contacts(), "timezone": "Mars/Base"}
    zone = client.post("/v1/simulations", json=mars, headers=key)
    assert zone.status_code == 422
