"""Shift swaps: offers to a colleague or to anyone qualified, refusals naming the broken rule
(skill, rest, contract minutes), planner approval and automatic approval."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.people.conftest import KeyFactory
from tests.people.published import publish_week

WED = "2026-12-02"


def _offer(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(
        "/v1/swaps", json={"roster_id": "week1", "date": WED, **body}, headers=headers
    )


def _schedule(client: TestClient, agent_id: str, headers: dict[str, str]) -> list[str]:
    answer = client.get(
        f"/v1/agents/{agent_id}/schedule",
        params={"start": "2026-11-30T00:00:00+01:00", "end": "2026-12-07T00:00:00+01:00"},
        headers=headers,
    )
    return [r["date"] for r in answer.json()["rows"]]


def test_a_swap_that_breaks_a_rule_is_refused_naming_it(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    publish_week(app)
    a1 = auth("agent", agent_id="a1")
    for colleague, rule in (("c1", "skills"), ("a2", "rest"), ("b1", "contract minutes")):
        refused = _offer(client, a1, to_agent=colleague)
        assert refused.status_code == 422, (colleague, refused.text)
        errors = refused.json()["detail"]
        assert [e["field"] for e in errors] == [rule], (colleague, errors)
        assert errors[0]["value"] == colleague
    open_offer = _offer(client, a1)
    assert open_offer.status_code == 201, open_offer.text
    swap = open_offer.json()
    assert (swap["state"], swap["to_agent"]) == ("offered", None)
    a2 = auth("agent", agent_id="a2")
    assert [s["id"] for s in client.get("/v1/swaps", headers=a2).json()] == [swap["id"]]
    assert client.get("/v1/swaps", headers=auth("agent", agent_id="c1")).json() == []
    rest = client.post(f"/v1/swaps/{swap['id']}/accept", headers=a2)
    assert rest.status_code == 422 and rest.json()["detail"][0]["field"] == "rest"
    assert "a2: rest" in rest.json()["detail"][0]["rule"]
    assert client.post(f"/v1/swaps/{swap['id']}/accept", headers=a1).status_code == 403


def test_accept_then_planner_approval_republishes(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    publish_week(app)
    a1, a3, planner = auth("agent", agent_id="a1"), auth("agent", agent_id="a3"), auth("planner")
    swap = _offer(client, a1, to_agent="a3").json()
    assert (
        client.post(
            f"/v1/swaps/{swap['id']}/accept", headers=auth("agent", agent_id="a2")
        ).status_code
        == 403
    )
    accepted = client.post(f"/v1/swaps/{swap['id']}/accept", headers=a3)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["state"], body["taken_by"]) == ("accepted", "a3")
    assert body["coverage_change"] == []
    assert _schedule(client, "a1", planner) == [WED]
    decision = client.post(
        f"/v1/swaps/{swap['id']}/decision",
        json={"approve": True, "reason": "fine"},
        headers=auth("supervisor", teams=["t1"]),
    )
    assert decision.status_code == 200, decision.text
    assert decision.json()["state"] == "approved"
    assert _schedule(client, "a1", planner) == []
    assert _schedule(client, "a3", planner) == [WED]
    roster = client.get("/v1/rosters/week1", headers=planner).json()
    assert {r["agent_id"] for r in roster["rows"] if r["date"] == WED} == {"a3"}
    assert roster["rows"][0]["start"].endswith("+01:00")
    again = client.post(
        f"/v1/swaps/{swap['id']}/decision", json={"approve": False, "reason": "x"}, headers=planner
    )
    assert again.status_code == 409
    actions = [e["action"] for e in client.get("/v1/audit", headers=planner).json()["items"]]
    assert actions[:4] == ["swap.decide", "swap.decide", "swap.accept", "swap.offer"]


def test_automatic_approval_when_rules_and_coverage_hold(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"swap_auto_approve": True})
    publish_week(app)
    swap = _offer(client, auth("agent", agent_id="a1")).json()
    taken = client.post(f"/v1/swaps/{swap['id']}/accept", headers=auth("agent", agent_id="a3"))
    assert taken.json()["state"] == "approved"
    assert taken.json()["decision_reason"].startswith("automatic")
    assert _schedule(client, "a3", auth("planner")) == [WED]


def test_an_applied_swap_notifies_both_agents(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_urls": ["http://127.0.0.1:9/hook"], "webhook_tries": 1}
    )
    publish_week(app)
    swap = _offer(client, auth("agent", agent_id="a1"), to_agent="a3").json()
    a3 = auth("agent", agent_id="a3")
    client.post(f"/v1/swaps/{swap['id']}/accept", headers=a3)
    client.post(
        f"/v1/swaps/{swap['id']}/decision",
        json={"approve": True, "reason": "fine"},
        headers=auth("planner"),
    )
    alerts = client.get("/v1/alerts", headers=auth("supervisor", teams=["t1"])).json()["alerts"]
    changes = [a for a in alerts if a["kind"] == "schedule_change"]
    assert sorted(a["agent_id"] for a in changes) == ["a1", "a3"]
    assert all("a1 to a3" in a["message"] for a in changes)
    deliveries = client.get(
        f"/v1/alerts/{changes[0]['alert_id']}/deliveries", headers=auth("admin")
    ).json()["deliveries"]
    assert [d["url"] for d in deliveries] == ["http://127.0.0.1:9/hook"]
    mine = client.get("/v1/agents/a3/notifications", headers=a3).json()
    assert [n["action"] for n in mine] == ["swap.decide", "swap.accept"]
    assert mine[0]["detail"]["state"] == "approved"
    other = client.get("/v1/agents/a3/notifications", headers=auth("agent", agent_id="a2"))
    assert other.status_code == 403
