"""The planner's loop over the API: a day off approved, the published week re-planned keeping
what it can, the changes listed per agent, the new week published, the audit kept."""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.people.conftest import KeyFactory
from tests.people.published import publish_week

WED = "2026-12-02"
WEEK = {"start": "2026-11-30T00:00:00+01:00", "end": "2026-12-07T00:00:00+01:00"}


def wait_for_job(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll a job until it is done or failed (60 s at most)."""
    deadline = time.monotonic() + 60
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {url} did not finish: {job}")


def _days(client: TestClient, agent_id: str, headers: dict[str, str]) -> list[str]:
    rows = client.get(f"/v1/agents/{agent_id}/schedule", params=WEEK, headers=headers).json()
    return sorted({r["date"] for r in rows["rows"]})


def test_time_off_replan_publish(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    publish_week(app)
    a1, planner = auth("agent", agent_id="a1"), auth("planner")
    asked = client.post("/v1/time-off-requests", json={"first_day": WED}, headers=a1).json()
    approved = client.post(
        f"/v1/time-off-requests/{asked['id']}/decision",
        json={"approve": True, "reason": "ok"},
        headers=auth("supervisor", teams=["t1"]),
    )
    assert approved.json()["state"] == "approved"
    assert client.post("/v1/rosters/week1/replan", headers=a1).status_code == 403
    accepted = client.post(
        "/v1/rosters/week1/replan",
        json={"time_limit_s": 20, "work_limit": 2, "locked": []},
        headers=planner,
    )
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["time_off_added"] == {"a1": [WED]}
    job = wait_for_job(client, body["url"], planner)
    assert job["state"] == "done", job
    roster = client.get(body["result_url"], headers=planner).json()
    assert roster["status"] == "solved"
    assert roster["objective_terms"]["under_coverage"] == 0
    changes = {c["agent_id"]: c for c in client.get(body["changes_url"], headers=planner).json()}
    assert set(changes) == {"a1", "a3"}
    assert [s["start"][:10] for s in changes["a1"]["removed"]] == [WED]
    assert changes["a1"]["added"] == [], changes
    assert changes["a1"]["changed_intervals"] == 8
    assert [s["start"][:10] for s in changes["a3"]["added"]] == [WED]
    assert roster["objective_terms"]["changes"] == sum(
        c["changed_intervals"] for c in changes.values()
    )
    supervisor_t2 = auth("supervisor", teams=["t2"])
    assert client.get(body["changes_url"], headers=supervisor_t2).json() == []
    published = client.post(f"/v1/rosters/{body['roster_id']}/publish", headers=planner)
    assert published.status_code == 200, published.text
    assert _days(client, "a1", a1) == []
    assert _days(client, "a3", planner) == [WED]
    assert _days(client, "a2", planner) == ["2026-12-01"]
    assert _days(client, "b1", planner) == ["2026-11-30", "2026-12-03"]
    actions = [e["action"] for e in client.get("/v1/audit", headers=planner).json()["items"]]
    assert actions == ["roster.replan", "time_off.decide", "time_off.request"]


def test_replan_needs_a_published_roster(
    app: FastAPI, client: TestClient, auth: KeyFactory
) -> None:
    planner = auth("planner")
    assert client.post("/v1/rosters/nope/replan", headers=planner).status_code == 404
    app.state.service_store.create_roster("draft", {"timezone": "UTC"}, None)
    refused = client.post("/v1/rosters/draft/replan", headers=planner)
    assert refused.status_code == 409 and "not published" in refused.json()["detail"]
