"""A supervisor reads a roster's rows, conflicts, coverage and report only for their teams'
agents and the queues those agents hold skills for; planners read all of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

KeyFactory = Callable[..., dict[str, str]]

SCENARIO: dict[str, Any] = {
    "agents": [
        {"agent_id": "a1", "team": "t1", "skills": {"billing": 5}},
        {"agent_id": "a2", "team": "t1", "skills": {"billing": 3, "chat": 2}},
        {"agent_id": "b1", "team": "t2", "skills": {"sales": 5}},
    ]
}


def _row(agent: str, queue: str) -> dict[str, Any]:
    return {
        "agent_id": agent,
        "date": "2026-12-07",
        "activity": "work",
        "queue": queue,
        "start": "2026-12-07T08:00:00+00:00",
        "end": "2026-12-07T16:00:00+00:00",
    }


def _coverage(queue: str) -> dict[str, Any]:
    return {
        "queue": queue,
        "interval_start": "2026-12-07T08:00:00+00:00",
        "required": 2,
        "scheduled": 1,
        "gap": 1,
    }


def _store_roster(app: FastAPI) -> str:
    store = app.state.service_store
    store.create_roster("r" * 32, SCENARIO, None)
    store.update_roster(
        "r" * 32,
        status="infeasible",
        rows=[_row("a1", "billing"), _row("a2", "chat"), _row("b1", "sales")],
        coverage=[_coverage("billing"), _coverage("chat"), _coverage("sales")],
        conflicts=[
            {"rule": "max_days", "detail": "a1 cannot work 6 days", "agents": ["a1"]},
            {"rule": "min_rest", "detail": "b1 rests too little", "agents": ["b1"]},
            {"rule": "skills", "detail": "a2 and b1 overlap", "agents": ["a2", "b1"]},
            {"rule": "requirements", "detail": "no agent for email", "agents": []},
        ],
        report={
            "summary": "two queues short",
            "queues": [{"queue": "billing", "hours_short": 1.0}, {"queue": "sales", "x": 2}],
            "gaps": [{"queue": "sales", "agents": 1}, {"queue": "chat", "agents": 2}],
            "hours_short_by_skill": {"billing": 1.0, "sales": 3.0},
            "fairness": [{"agent_id": "a1"}, {"agent_id": "b1"}],
            "preferences": [{"agent_id": "b1", "preference": "days_off"}],
        },
    )
    return "r" * 32


def test_a_supervisor_reads_only_their_agents_and_queues(
    app: FastAPI, client: TestClient, auth: KeyFactory
) -> None:
    roster_id = _store_roster(app)
    answer = client.get(f"/v1/rosters/{roster_id}", headers=auth("supervisor", teams=["t1"]))
    assert answer.status_code == 200, answer.text
    roster = answer.json()
    assert {r["agent_id"] for r in roster["rows"]} == {"a1", "a2"}
    assert {c["queue"] for c in roster["coverage"]} == {"billing", "chat"}
    assert [c["rule"] for c in roster["conflicts"]] == ["max_days", "skills"]
    report = roster["report"]
    assert [q["queue"] for q in report["queues"]] == ["billing"]
    assert [g["queue"] for g in report["gaps"]] == ["chat"]
    assert report["hours_short_by_skill"] == {"billing": 1.0}
    assert [f["agent_id"] for f in report["fairness"]] == ["a1"]
    assert report["preferences"] == []


def test_a_supervisor_of_no_rostered_team_reads_nothing_of_it(
    app: FastAPI, client: TestClient, auth: KeyFactory
) -> None:
    roster_id = _store_roster(app)
    roster = client.get(f"/v1/rosters/{roster_id}", headers=auth("supervisor", teams=["t9"]))
    body = roster.json()
    assert (body["rows"], body["coverage"], body["conflicts"]) == ([], [], [])
    assert body["report"]["hours_short_by_skill"] == {}


def test_a_planner_reads_the_whole_roster(
    app: FastAPI, client: TestClient, auth: KeyFactory
) -> None:
    roster_id = _store_roster(app)
    roster = client.get(f"/v1/rosters/{roster_id}", headers=auth("planner")).json()
    assert len(roster["rows"]) == 3
    assert {c["queue"] for c in roster["coverage"]} == {"billing", "chat", "sales"}
    assert len(roster["conflicts"]) == 4
    assert roster["report"]["hours_short_by_skill"] == {"billing": 1.0, "sales": 3.0}
