"""`POST /v1/plans`: a week planned from the stored agents and contacts as a job; its roster is
stored with the plan's report and published like any roster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_api_forecasts import _contacts, wait_for_job

KeyFactory = Callable[..., dict[str, str]]


def _agent(agent_id: str, team: str) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "name": agent_id.upper(),
        "team": team,
        "timezone": "UTC",
        "skills": {"billing": 4},
        "contract": {"min_hours": 8, "max_hours": 40, "shift_lengths_minutes": [240, 480]},
        "availability": {d: [["07:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    }


def test_plan_job_builds_the_roster_from_stored_agents_and_contacts(
    client: TestClient, auth: KeyFactory
) -> None:
    planner = auth("planner")
    stored = client.post("/v1/contacts", json=_contacts(28), headers=planner)
    assert stored.status_code == 200, stored.text
    agents = [_agent("a1", "t1"), _agent("a2", "t1"), _agent("b1", "t2")]
    assert client.put("/v1/agents", json=agents, headers=planner).status_code == 200
    body = {"week_start": "2026-11-30", "model": "seasonal_average", "time_limit_s": 10}
    accepted = client.post("/v1/plans", json=body, headers=planner)
    assert accepted.status_code == 202, accepted.text
    job = wait_for_job(client, accepted.json()["url"], planner)
    assert job["state"] == "done", job
    report = job["result"]
    assert report["week_start"] == "2026-11-30"
    assert report["model"] == "seasonal_average"
    assert 0 <= report["expected"]["intervals_meeting_target"] <= 1
    [billing] = report["queues"]
    # One contact of 240 s per 15 minutes from 08:00 to 12:00 every day, one more on Monday.
    assert billing["forecast_contacts"] == pytest.approx(7 * 16 + 1, abs=1)
    assert billing["rostered_agent_hours"] >= billing["required_agent_hours"] > 0
    assert report["agent_hours"] > 0 and report["summary"]

    roster = client.get(accepted.json()["result_url"], headers=planner).json()
    assert roster["status"] == "solved"
    assert roster["report"]["plan"]["week_start"] == "2026-11-30"
    assert roster["rows"] and {r["agent_id"] for r in roster["rows"]} <= {"a1", "a2", "b1"}
    published = client.post(f"/v1/rosters/{roster['roster_id']}/publish", headers=planner)
    assert published.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"week_start": "2026-13-01"}, "week_start"),
        ({"week_start": "2026-11-30", "confidence": 1.5}, "confidence"),
        ({"week_start": "2026-11-30", "country": "Atlantis"}, "country"),
        ({"week_start": "2026-11-30", "interval_minutes": 7}, "interval_minutes"),
        ({"week_start": "2026-11-30", "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_plan_requests_are_422_naming_the_field(
    client: TestClient, auth: KeyFactory, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/v1/plans", json=body, headers=auth("planner"))
    assert answer.status_code == 422, answer.text
    assert field in answer.text


def test_plan_without_stored_agents_fails_the_job_saying_so(
    client: TestClient, auth: KeyFactory
) -> None:
    planner = auth("planner")
    assert client.post("/v1/contacts", json=_contacts(14), headers=planner).status_code == 200
    accepted = client.post("/v1/plans", json={"week_start": "2026-11-16"}, headers=planner)
    job = wait_for_job(client, accepted.json()["url"], planner)
    assert job["state"] == "failed"
    assert "no stored agent" in job["error"]


def test_supervisors_and_agents_may_not_plan(client: TestClient, auth: KeyFactory) -> None:
    body = {"week_start": "2026-11-30"}
    for role in ("supervisor", "agent"):
        scope = {"teams": ["t1"]} if role == "supervisor" else {"agent_id": "a1"}
        answer = client.post("/v1/plans", json=body, headers=auth(role, **scope))
        assert answer.status_code == 403
