"""GET /v1/agents and /v1/agents/{id}: filters, paging and each role's scope."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.people.conftest import KeyFactory


def _ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [a["agent_id"] for a in answer.json()["items"]]


def test_filters_and_paging(client: TestClient, auth: KeyFactory, centre: list[Any]) -> None:
    planner = auth("planner")
    assert _ids(client.get("/v1/agents", headers=planner)) == ["a1", "a2", "a3", "b1"]
    assert _ids(client.get("/v1/agents", params={"team": "t1"}, headers=planner)) == [
        "a1",
        "a2",
        "a3",
    ]
    assert _ids(client.get("/v1/agents", params={"skill": "sales"}, headers=planner)) == [
        "a2",
        "a3",
    ]
    assert _ids(client.get("/v1/agents", params={"site": "hamburg"}, headers=planner)) == ["a3"]
    both = client.get("/v1/agents", params={"skill": "billing", "team": "t2"}, headers=planner)
    assert _ids(both) == ["b1"]
    first = client.get("/v1/agents", params={"limit": 3}, headers=planner).json()
    assert [a["agent_id"] for a in first["items"]] == ["a1", "a2", "a3"]
    assert (first["total"], first["next_offset"]) == (4, 3)
    last = client.get("/v1/agents", params={"limit": 3, "offset": 3}, headers=planner).json()
    assert [a["agent_id"] for a in last["items"]] == ["b1"]
    assert last["next_offset"] is None
    one = client.get("/v1/agents/a2", headers=planner).json()
    assert one["skills"] == {"billing": 3, "sales": 2}
    assert one["contract"]["max_hours"] == 40
    assert client.get("/v1/agents/zz", headers=planner).status_code == 404
    bad = client.get("/v1/agents", params={"limit": 0}, headers=planner)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "limit"


def test_scope_by_role(client: TestClient, auth: KeyFactory, centre: list[Any]) -> None:
    agent = auth("agent", agent_id="a2")
    assert _ids(client.get("/v1/agents", headers=agent)) == ["a2"]
    assert client.get("/v1/agents/a2", headers=agent).status_code == 200
    assert client.get("/v1/agents/a1", headers=agent).status_code == 403
    supervisor = auth("supervisor", teams=["t2"])
    assert _ids(client.get("/v1/agents", headers=supervisor)) == ["b1"]
    assert _ids(client.get("/v1/agents", params={"team": "t1"}, headers=supervisor)) == []
    assert client.get("/v1/agents/a1", headers=supervisor).status_code == 403
    assert client.get("/v1/agents", headers=auth("routing")).status_code == 403
    assert client.get("/v1/agents").status_code == 401
