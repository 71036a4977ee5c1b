"""GET /v1/audit: who asked, decided and changed what, and when; only admins and planners."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from tests.people.conftest import KeyFactory


def test_requests_and_decisions_are_audited(
    client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    agent, supervisor = auth("agent", agent_id="a1"), auth("supervisor", teams=["t1"])
    asked = client.post(
        "/v1/time-off-requests", json={"first_day": "2026-12-02"}, headers=agent
    ).json()
    client.post(
        f"/v1/time-off-requests/{asked['id']}/decision",
        json={"approve": False, "reason": "peak week"},
        headers=supervisor,
    )
    planner = auth("planner")
    page = client.get("/v1/audit", headers=planner).json()
    assert page["total"] == 2
    decided, requested = page["items"]
    assert (requested["action"], requested["role"], requested["agent_id"]) == (
        "time_off.request",
        "agent",
        "a1",
    )
    assert requested["actor_agent_id"] == "a1"
    assert requested["subject"] == f"time-off-request:{asked['id']}"
    assert requested["detail"]["first_day"] == "2026-12-02"
    assert (decided["action"], decided["role"]) == ("time_off.decide", "supervisor")
    assert decided["detail"] == {**decided["detail"], "state": "denied", "reason": "peak week"}
    assert decided["detail"]["was"] == "pending"
    assert dt.datetime.fromisoformat(decided["at"]) >= before
    only = client.get("/v1/audit", params={"action": "time_off.decide"}, headers=auth("admin"))
    assert [e["id"] for e in only.json()["items"]] == [decided["id"]]
    later = client.get(
        "/v1/audit",
        params={"since": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()},
        headers=planner,
    )
    assert later.json()["total"] == 0
    assert client.get("/v1/audit", headers=supervisor).status_code == 403
    assert client.get("/v1/audit", headers=agent).status_code == 403
    assert client.delete("/v1/audit", headers=planner).status_code == 405
