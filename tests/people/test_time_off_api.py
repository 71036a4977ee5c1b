"""Time off: an agent's own requests, decisions by scope, allotments and the first-come-first-
served waitlist, the yearly balance, and approved days flowing into the next plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient

from api.services.plan_tasks import stored_agents
from api.settings import Settings
from scheduling.roster.builder import scenario_from_agents
from tests.people.conftest import KeyFactory

DAY = "2026-12-02"


def _ask(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = client.post("/v1/time-off-requests", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _decide(client: TestClient, headers: dict[str, str], request_id: int, approve: bool) -> Any:
    return client.post(
        f"/v1/time-off-requests/{request_id}/decision",
        json={"approve": approve, "reason": "team cover"},
        headers=headers,
    )


def _state(client: TestClient, headers: dict[str, str], request_id: int) -> tuple[str, Any]:
    row = client.get(f"/v1/time-off-requests/{request_id}", headers=headers).json()
    return row["state"], row["waitlist_position"]


def test_allotment_and_waitlist_order(
    client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    planner, supervisor = auth("planner"), auth("supervisor", teams=["t1"])
    agents = {a: auth("agent", agent_id=a) for a in ("a1", "a2", "a3")}
    put = client.put(
        "/v1/time-off-allotments", json={"team": "t1", "days": [DAY], "max_off": 1}, headers=planner
    )
    assert put.status_code == 200, put.text
    first = _ask(client, agents["a1"], first_day=DAY)
    second = _ask(client, agents["a2"], first_day=DAY, note="family")
    third = _ask(client, agents["a3"], first_day=DAY)
    assert first["state"] == "pending"
    assert (second["state"], second["waitlist_position"]) == ("waitlisted", 1)
    assert (third["state"], third["waitlist_position"]) == ("waitlisted", 2)
    allotment = client.get(
        "/v1/time-off-allotments",
        params={"first_day": DAY, "last_day": DAY},
        headers=supervisor,
    ).json()
    assert allotment == [{"team": "t1", "day": DAY, "max_off": 1, "taken": 1}]

    full = _decide(client, planner, third["id"], approve=True)
    assert full.status_code == 409
    assert DAY in full.json()["detail"] and "at most 1 off" in full.json()["detail"]

    denied = _decide(client, supervisor, first["id"], approve=False)
    assert denied.status_code == 200, denied.text
    assert denied.json()["state"] == "denied"
    assert denied.json()["decision_reason"] == "team cover"
    assert _state(client, planner, second["id"]) == ("approved", None)
    assert _state(client, planner, third["id"]) == ("waitlisted", 1)
    granted = client.get(f"/v1/time-off-requests/{second['id']}", headers=agents["a2"]).json()
    assert granted["decided_by"] == "waitlist"

    again = _decide(client, planner, first["id"], approve=True)
    assert again.status_code == 409 and "denied" in again.json()["detail"]

    cancelled = client.post(f"/v1/time-off-requests/{second['id']}/cancel", headers=agents["a2"])
    assert cancelled.json()["state"] == "cancelled"
    assert _state(client, planner, third["id"]) == ("approved", None)


def test_raising_the_allotment_grants_the_waitlist(
    client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    planner = auth("planner")
    body = {"team": "t1", "days": [DAY], "max_off": 0}
    assert client.put("/v1/time-off-allotments", json=body, headers=planner).status_code == 200
    waiting = _ask(client, auth("agent", agent_id="a1"), first_day=DAY)
    assert waiting["state"] == "waitlisted"
    body["max_off"] = 1
    granted = client.put("/v1/time-off-allotments", json=body, headers=planner).json()
    assert [(r["id"], r["state"]) for r in granted] == [(waiting["id"], "approved")]
    other_team = _ask(client, auth("agent", agent_id="b1"), first_day=DAY)
    assert other_team["state"] == "pending"


def test_an_agent_acts_only_on_their_own_requests(
    client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    a1, a2 = auth("agent", agent_id="a1"), auth("agent", agent_id="a2")
    mine = _ask(client, a1, first_day=DAY)
    assert mine["agent_id"] == "a1" and mine["minutes"] == 480
    other = client.post(
        "/v1/time-off-requests", json={"agent_id": "a1", "first_day": DAY}, headers=a2
    )
    assert other.status_code == 403
    assert client.get(f"/v1/time-off-requests/{mine['id']}", headers=a2).status_code == 403
    assert client.post(f"/v1/time-off-requests/{mine['id']}/cancel", headers=a2).status_code == 403
    refused = _decide(client, a1, mine["id"], approve=True)
    assert refused.status_code == 403 and "may not call" in refused.text
    listed = client.get("/v1/time-off-requests", headers=a2).json()
    assert listed["items"] == [] and listed["total"] == 0
    assert (
        client.get("/v1/time-off-requests", params={"agent_id": "a1"}, headers=a2).status_code
        == 403
    )
    other_team = auth("supervisor", teams=["t2"])
    assert _decide(client, other_team, mine["id"], approve=True).status_code == 403
    assert client.get("/v1/time-off-requests", headers=other_team).json()["total"] == 0
    own_team = auth("supervisor", teams=["t1"])
    assert client.get("/v1/time-off-requests", headers=own_team).json()["total"] == 1
    assert _decide(client, own_team, mine["id"], approve=True).json()["state"] == "approved"


def test_partial_days_shapes_and_balance(
    client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    b1 = auth("agent", agent_id="b1")
    partial = _ask(client, b1, first_day=DAY, start_time="13:00", end_time="17:00")
    assert (partial["minutes"], partial["start_time"]) == (240, "13:00")
    overlap = client.post("/v1/time-off-requests", json={"first_day": DAY}, headers=b1)
    assert overlap.status_code == 422
    assert f"request {partial['id']}" in overlap.json()["detail"][0]["rule"]
    backwards = client.post(
        "/v1/time-off-requests",
        json={"first_day": "2026-12-10", "start_time": "15:00", "end_time": "09:00"},
        headers=b1,
    )
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["field"] == "end_time"
    half = client.post(
        "/v1/time-off-requests", json={"first_day": "2026-12-10", "end_time": "09:00"}, headers=b1
    )
    assert half.json()["detail"][0]["field"] == "start_time"
    month = _ask(client, b1, first_day="2027-01-04", last_day="2027-01-31")
    assert month["minutes"] == 4 * 2400
    too_much = client.post(
        "/v1/time-off-requests",
        json={"first_day": "2027-02-01", "last_day": "2027-02-14"},
        headers=b1,
    )
    assert too_much.status_code == 422
    error = too_much.json()["detail"][0]
    assert error["field"] == "balance" and "2400 of 12000 remain in 2027" in error["rule"]
    balance = client.get("/v1/agents/b1/time-off-balance", params={"year": 2027}, headers=b1)
    assert balance.json() == {
        "agent_id": "b1",
        "year": 2027,
        "entitlement_minutes": 12000,
        "taken_minutes": 0,
        "pending_minutes": 9600,
        "remaining_minutes": 2400,
    }
    assert client.get("/v1/agents/a1/time-off-balance", headers=b1).status_code == 403


def test_approved_days_flow_into_the_next_plan(
    client: TestClient, auth: KeyFactory, centre: list[Any], api_settings: Settings
) -> None:
    planner = auth("planner")
    approved = _ask(client, auth("agent", agent_id="a1"), first_day=DAY, last_day="2026-12-03")
    assert _decide(client, planner, approved["id"], approve=True).status_code == 200
    denied = _ask(client, auth("agent", agent_id="a2"), first_day=DAY)
    assert _decide(client, planner, denied["id"], approve=False).status_code == 200
    _ask(client, auth("agent", agent_id="a3"), first_day=DAY)
    agents = {a["agent_id"]: a for a in stored_agents(api_settings.database_url, None)}
    assert agents["a1"]["time_off"] == ["2026-12-02", "2026-12-03"]
    assert not agents["a2"].get("time_off") and not agents["a3"].get("time_off")
    requirements = pd.DataFrame(
        {
            "queue": ["billing"],
            "interval_start": [pd.Timestamp("2026-11-30T09:00", tz="Europe/Berlin")],
            "agents_scheduled": [1.0],
        }
    )
    scenario = scenario_from_agents(
        list(agents.values()),
        requirements,
        week_start=dt.date(2026, 11, 30),
        timezone="Europe/Berlin",
    )
    by_id = {a["agent_id"]: a for a in scenario["agents"]}
    assert by_id["a1"]["time_off"] == ["2026-12-02", "2026-12-03"]
    assert by_id["a2"]["time_off"] == []
