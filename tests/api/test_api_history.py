"""Interval histories and the KPI drill-down, with supervisor and agent scopes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

KeyFactory = Callable[..., dict[str, str]]

AGENTS = [
    {"agent_id": "a1", "team": "t1", "skills": {"billing": 5}},
    {"agent_id": "a2", "team": "t1", "skills": {"billing": 4}},
    {"agent_id": "b1", "team": "t2", "skills": {"sales": 5}},
]


def _contact(
    cid: str, queue: str, minute: int, wait_s: int | None, agent: str | None, handle_s: int = 300
) -> dict[str, object]:
    arrived = f"2026-11-30T08:{minute:02d}:00+00:00"
    row: dict[str, object] = {"contact_id": cid, "queue": queue, "arrived_at": arrived}
    if wait_s is None:
        row["ended_at"] = f"2026-11-30T08:{minute:02d}:40+00:00"
        return row
    row["answered_at"] = f"2026-11-30T08:{minute:02d}:{wait_s:02d}+00:00"
    row["ended_at"] = f"2026-11-30T09:{minute:02d}:00+00:00"
    row["handle_s"] = handle_s
    row["agent_id"] = agent
    return row


CONTACTS = [
    _contact("c1", "billing", 1, 10, "a1", 200),
    _contact("c2", "billing", 2, 30, "a2", 400),
    _contact("c3", "billing", 20, None, None),
    _contact("c4", "sales", 5, 5, "b1", 100),
]
RANGE = {"start": "2026-11-30T00:00:00Z", "end": "2026-12-01T00:00:00Z"}


@pytest.fixture
def loaded(client: TestClient, auth: KeyFactory) -> TestClient:
    admin = auth("admin")
    assert client.put("/v1/agents", json=AGENTS, headers=admin).status_code == 200
    assert client.post("/v1/contacts", json=CONTACTS, headers=admin).status_code == 200
    return client


def test_intervals_per_queue(loaded: TestClient, auth: KeyFactory) -> None:
    rows = loaded.get(
        "/v1/intervals", params={**RANGE, "queue": "billing"}, headers=auth("planner")
    ).json()["rows"]
    by_start = {r["interval_start"]: r for r in rows}
    first = by_start["2026-11-30T08:00:00+00:00"]
    assert (first["offered"], first["handled"], first["aht_s"]) == (2, 2, 300.0)
    assert first["asa_s"] == 20.0
    assert first["service_level"] == 0.5
    assert by_start["2026-11-30T08:15:00+00:00"]["abandoned"] == 1
    sup = loaded.get("/v1/intervals", params=RANGE, headers=auth("supervisor", teams=["t2"]))
    assert {r["queue"] for r in sup.json()["rows"]} == {"sales"}


def test_kpi_drill_down_center_queue_team_agent(loaded: TestClient, auth: KeyFactory) -> None:
    planner = auth("planner")
    center = loaded.get("/v1/kpis", params=RANGE, headers=planner).json()
    assert center["kpis"]["offered"] == 4
    assert center["kpis"]["abandoned"] == 1
    assert [c["id"] for c in center["children"]] == ["billing", "sales"]
    billing = loaded.get(center["children"][0]["url"], headers=planner).json()
    assert billing["level"] == "queue"
    assert billing["kpis"]["offered"] == 3
    assert billing["kpis"]["abandon_rate"] == pytest.approx(1 / 3)
    assert [c["id"] for c in billing["children"]] == ["t1"]
    team = loaded.get(billing["children"][0]["url"], headers=planner).json()
    assert team["kpis"]["handled"] == 2
    assert team["kpis"]["aht_s"] == 300.0
    assert {c["id"]: c["kpis"]["aht_s"] for c in team["children"]} == {"a1": 200.0, "a2": 400.0}
    agent = loaded.get(team["children"][1]["url"], headers=planner).json()
    assert agent["level"] == "agent"
    assert agent["kpis"]["asa_s"] == 30.0
    assert agent["children"] == []


def test_kpi_scopes(loaded: TestClient, auth: KeyFactory) -> None:
    sup = auth("supervisor", teams=["t1"])
    assert loaded.get("/v1/kpis", params=RANGE, headers=sup).status_code == 403
    assert (
        loaded.get(
            "/v1/kpis", params={**RANGE, "level": "team", "id": "t2"}, headers=sup
        ).status_code
        == 403
    )
    assert (
        loaded.get(
            "/v1/kpis", params={**RANGE, "level": "queue", "id": "billing"}, headers=sup
        ).status_code
        == 200
    )
    me = auth("agent", agent_id="a1")
    own = loaded.get("/v1/kpis", params={**RANGE, "level": "agent", "id": "a1"}, headers=me)
    assert own.json()["kpis"]["handled"] == 1
    assert (
        loaded.get(
            "/v1/kpis", params={**RANGE, "level": "agent", "id": "a2"}, headers=me
        ).status_code
        == 403
    )
