"""Roster jobs end to end: submit a scenario, poll the job, publish, read schedules by role."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient

from api.schemas.rosters import SCENARIO_EXAMPLE

KeyFactory = Callable[..., dict[str, str]]


def wait_for_job(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll a job until it is done or failed (20 s at most)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {url} did not finish: {job}")


def _scenario() -> dict[str, Any]:
    scenario = copy.deepcopy(SCENARIO_EXAMPLE)
    scenario["agents"].append(
        {
            "agent_id": "b002",
            "team": "t2",
            "skills": {"billing": 3},
            "contract": {
                "min_minutes": 0,
                "max_minutes": 2400,
                "max_days": 5,
                "templates": ["day8"],
            },
        }
    )
    scenario["requirements"].append(
        {"queue": "billing", "interval_start": "2026-11-30T09:00:00+01:00", "agents": 1}
    )
    scenario["requirements"] = [
        {"queue": "billing", "interval_start": "2026-11-30T09:00:00+01:00", "agents": 2}
    ]
    return scenario


def test_roster_job_publish_and_scoped_schedules(client: TestClient, auth: KeyFactory) -> None:
    planner = auth("planner")
    accepted = client.post(
        "/v1/rosters",
        json=_scenario(),
        headers=planner,
        params={"time_limit_s": 3, "seed": 3, "work_limit": 0.5},
    )
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    job = wait_for_job(client, body["url"], planner)
    assert job["state"] == "done", job
    assert job["percent"] == 100.0
    assert job["result_url"] == f"/v1/rosters/{body['roster_id']}"

    roster = client.get(body["result_url"], headers=planner).json()
    assert roster["status"] == "solved"
    assert roster["objective_terms"]["under_coverage"] == 0.0
    monday = [r for r in roster["rows"] if r["date"] == "2026-11-30"]
    assert {r["agent_id"] for r in monday} == {"a001", "b002"}
    assert all(r["start"] <= "2026-11-30T09:00:00+01:00" < r["end"] for r in monday)
    report = roster["report"]
    assert report["seed"] == 3 and report["work_limit"] == 0.5
    assert isinstance(report["reproducible"], bool)
    assert report["summary"] and report["summary"] == job["result"]["summary"]
    assert {a["agent_id"] for a in report["fairness"]} == {"a001", "b002"}
    assert {q["queue"] for q in report["queues"]} == {"billing"}

    supervisor = auth("supervisor", teams=["t1"])
    seen = client.get(body["result_url"], headers=supervisor).json()
    assert {r["agent_id"] for r in seen["rows"]} == {"a001"}
    assert {a["agent_id"] for a in seen["report"]["fairness"]} == {"a001"}

    week = {"start": "2026-11-30T00:00:00+01:00", "end": "2026-12-07T00:00:00+01:00"}
    before = client.get(
        "/v1/agents/a001/schedule", params=week, headers=auth("agent", agent_id="a001")
    )
    assert before.status_code == 200 and before.json()["rows"] == []
    published = client.post(f"/v1/rosters/{body['roster_id']}/publish", headers=planner)
    assert published.status_code == 200
    assert published.json()["rows"] == len(roster["rows"])

    agents = [
        {"agent_id": "a001", "team": "t1", "skills": {"billing": 5}},
        {"agent_id": "b002", "team": "t2", "skills": {"billing": 3}},
    ]
    assert client.put("/v1/agents", json=agents, headers=planner).status_code == 200
    own = client.get(
        "/v1/agents/a001/schedule", params=week, headers=auth("agent", agent_id="a001")
    )
    assert own.status_code == 200
    rows = own.json()["rows"]
    # The answer kept before publishing is not served: publishing changed the schedules.
    assert rows and all(r["agent_id"] == "a001" for r in rows)
    assert sorted(pd.Timestamp(r["start"]) for r in rows) == sorted(
        pd.Timestamp(r["start"]) for r in roster["rows"] if r["agent_id"] == "a001"
    )
    in_berlin = client.get(
        "/v1/agents/a001/schedule",
        params={**week, "timezone": "Europe/Berlin"},
        headers=auth("supervisor", teams=["t1"]),
    ).json()["rows"]
    assert in_berlin[0]["start"] == "2026-11-30T09:00:00+01:00"
    not_mine = client.get(
        "/v1/agents/b002/schedule", params=week, headers=auth("supervisor", teams=["t1"])
    )
    assert not_mine.status_code == 403
    other = client.get(
        "/v1/agents/b002/schedule", params=week, headers=auth("agent", agent_id="a001")
    )
    assert other.status_code == 403


def test_bad_scenario_is_422_and_unsolved_publish_is_409(
    client: TestClient, auth: KeyFactory
) -> None:
    planner = auth("planner")
    broken = _scenario()
    broken["agents"][0]["contract"]["templates"] = ["night12"]
    answer = client.post("/v1/rosters", json=broken, headers=planner)
    assert answer.status_code == 422
    assert any("agents[0]" in d["field"] for d in answer.json()["detail"])
    assert client.post("/v1/rosters/nope/publish", headers=planner).status_code == 404


def test_infeasible_roster_reports_conflicts(client: TestClient, auth: KeyFactory) -> None:
    planner = auth("planner")
    scenario = _scenario()
    scenario["agents"][0]["contract"]["min_minutes"] = 2400
    scenario["agents"][0]["contract"]["max_days"] = 1
    body = client.post(
        "/v1/rosters", json=scenario, headers=planner, params={"time_limit_s": 3}
    ).json()
    job = wait_for_job(client, body["url"], planner)
    assert job["state"] == "failed"
    roster = client.get(body["result_url"], headers=planner).json()
    assert roster["status"] == "infeasible"
    assert roster["conflicts"]
    publish = client.post(f"/v1/rosters/{body['roster_id']}/publish", headers=planner)
    assert publish.status_code == 409
    assert publish.json()["conflicts"][0]["agents"] == ["a001"]
