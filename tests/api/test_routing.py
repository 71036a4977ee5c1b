"""Routing endpoints over SQLite and PostgreSQL: plan at a moment, assignments, roles, cache."""

from __future__ import annotations

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.services.routing_cache import invalidate_routing_cache, routing_cache
from scheduling.routing.assign import REASON_AGENTS_BUSY

SCENARIO = {
    "timezone": "UTC",
    "queues": [{"name": "billing", "priority": 1.0}, {"name": "sales", "priority": 3.0}],
}
AGENTS = [
    {"agent_id": "a1", "name": "Ann", "team": "t1", "skills": {"billing": 5, "sales": 2}},
    {"agent_id": "a2", "name": "Bo", "team": "t1", "skills": {"billing": 3}},
    {"agent_id": "a3", "name": "Cy", "team": "t2", "skills": {"sales": 4}},
    {"agent_id": "a4", "name": "Di", "team": "t2", "skills": {"billing": 4}},
]


def now_floor() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("h")


def roster_rows(start: pd.Timestamp, a1_queue: str) -> pd.DataFrame:
    hour = pd.Timedelta(hours=1)
    rows = [
        ("a1", "work", a1_queue, start - 2 * hour, start + 2 * hour),
        ("a2", "work", "billing", start - 2 * hour, start - hour),
        ("a2", "lunch", None, start - hour, start + 2 * hour),
        ("a3", "work", "sales", start - 2 * hour, start + 2 * hour),
    ]
    frame = pd.DataFrame(rows, columns=["agent_id", "activity", "queue", "start", "end"])
    frame.insert(1, "date", str(start.date()))
    return frame


def publish(app: FastAPI, roster_id: str, rows: pd.DataFrame) -> None:
    store = app.state.service_store
    store.create_roster(roster_id, SCENARIO, None)
    store.publish_roster(roster_id, rows)


def seed(app: FastAPI) -> pd.Timestamp:
    app.state.store.upsert_agents(AGENTS)
    start = now_floor()
    publish(app, "r1", roster_rows(start, "billing"))
    return start


def test_plan_at_now_and_outside_the_cached_window(client: TestClient, app: FastAPI, auth) -> None:
    start = seed(app)
    headers = auth("routing")
    at = (start + pd.Timedelta(minutes=10)).isoformat()
    response = client.get("/v1/routing/plan", params={"at": at}, headers=headers)
    assert response.status_code == 200, response.text
    plan = {e["agent_id"]: (e["activity"], e["queue"]) for e in response.json()["agents"]}
    assert plan == {"a1": ("work", "billing"), "a2": ("lunch", None), "a3": ("work", "sales")}
    # A moment before the roster (and before the cached window) is read from the database.
    old = (start - pd.Timedelta(days=30)).isoformat()
    response = client.get("/v1/routing/plan", params={"at": old}, headers=headers)
    assert response.status_code == 200
    assert response.json()["agents"] == []
    early = (start - pd.Timedelta(minutes=90)).isoformat()
    response = client.get("/v1/routing/plan", params={"at": early}, headers=headers)
    plan = {e["agent_id"]: e["queue"] for e in response.json()["agents"]}
    assert plan == {"a1": "billing", "a2": "billing", "a3": "sales"}


def test_assign_follows_priority_wait_plan_and_proficiency(
    client: TestClient, app: FastAPI, auth
) -> None:
    start = seed(app)
    body = {
        "at": (start + pd.Timedelta(minutes=10)).isoformat(),
        "contacts": [
            {"contact_id": "c1", "queue": "billing", "wait_s": 10},
            {"contact_id": "c2", "queue": "sales", "wait_s": 5},
            {"contact_id": "c3", "queue": "billing", "wait_s": 100},
            {"contact_id": "c4", "queue": "billing", "wait_s": 1},
        ],
        "agents": [
            {"agent_id": "a1", "idle_s": 1},
            {"agent_id": "a2", "idle_s": 300},
            {"agent_id": "a3"},
            {"agent_id": "a4", "idle_s": 2},
        ],
    }
    response = client.post("/v1/routing/assign", json=body, headers=auth("routing"))
    assert response.status_code == 200, response.text
    answer = response.json()
    got = [(a["contact_id"], a["agent_id"], a["proficiency"]) for a in answer["assignments"]]
    # sales has priority 3 in the published scenario: c2 first, to a3 (a1 is planned on billing).
    # c3 waited longest: a1 (5); then c1: a4 (4, not rostered: any skill) before a2 (3, lunch).
    assert got == [("c2", "a3", 4), ("c3", "a1", 5), ("c1", "a4", 4), ("c4", "a2", 3)]
    assert answer["unassigned"] == []

    body["contacts"].append({"contact_id": "c5", "queue": "billing", "wait_s": 0})
    answer = client.post("/v1/routing/assign", json=body, headers=auth("admin")).json()
    assert answer["unassigned"] == [
        {"contact_id": "c5", "queue": "billing", "reason": REASON_AGENTS_BUSY}
    ]


def test_roles_and_bad_input(client: TestClient, app: FastAPI, auth) -> None:
    seed(app)
    body = {"contacts": [], "agents": []}
    assert client.post("/v1/routing/assign", json=body).status_code == 401
    bad_key = {"Authorization": "Bearer sw_000000000000_nope"}
    assert client.post("/v1/routing/assign", json=body, headers=bad_key).status_code == 401
    for role in ("planner", "supervisor", "agent", "data_scientist"):
        assert client.post("/v1/routing/assign", json=body, headers=auth(role)).status_code == 403
        assert client.get("/v1/routing/plan", headers=auth(role)).status_code == 403
    routing = auth("routing")
    assert client.get("/v1/routing/plan", headers=routing).status_code == 200
    answer = client.post("/v1/routing/assign", json=body, headers=routing).json()
    assert answer["assignments"] == [] and answer["unassigned"] == []
    naive = client.get("/v1/routing/plan", params={"at": "2026-11-30T10:00:00"}, headers=routing)
    assert naive.status_code == 422
    duplicate = {
        "contacts": [
            {"contact_id": "c1", "queue": "billing", "wait_s": 1},
            {"contact_id": "c1", "queue": "billing", "wait_s": 2},
        ],
        "agents": [{"agent_id": "a1", "idle_s": -5}],
    }
    response = client.post("/v1/routing/assign", json=duplicate, headers=routing)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert "idle_s" in " ".join(fields)
    duplicate["agents"] = [{"agent_id": "a1"}]
    response = client.post("/v1/routing/assign", json=duplicate, headers=routing)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "contact_id"
    assert response.json()["detail"][0]["row"] == 1


def test_cache_sees_a_new_publish_and_new_skills(client: TestClient, app: FastAPI, auth) -> None:
    start = seed(app)
    headers = auth("routing")
    at = (start + pd.Timedelta(minutes=10)).isoformat()
    body = {
        "at": at,
        "contacts": [{"contact_id": "c1", "queue": "sales", "wait_s": 3}],
        "agents": [{"agent_id": "a1"}],
    }
    first = client.post("/v1/routing/assign", json=body, headers=headers).json()
    assert first["assignments"] == []  # a1 is planned on billing
    publish(app, "r2", roster_rows(start, "sales"))
    cache = routing_cache(app)
    cache.check_every_s = 0.0  # the next request checks the plan version
    second = client.post("/v1/routing/assign", json=body, headers=headers).json()
    assert [(a["agent_id"], a["proficiency"]) for a in second["assignments"]] == [("a1", 2)]
    app.state.store.upsert_agents([{**AGENTS[0], "skills": {"billing": 5}}])
    invalidate_routing_cache(app)
    third = client.post("/v1/routing/assign", json=body, headers=headers).json()
    assert third["assignments"] == []
    assert third["unassigned"][0]["contact_id"] == "c1"


def test_instants_out_of_range_are_422(client: TestClient, app: FastAPI, auth) -> None:
    headers = auth("admin")
    for at in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        response = client.get("/v1/routing/plan", params={"at": at}, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["field"] == "at"
        body = {"at": at, "contacts": [], "agents": []}
        assert client.post("/v1/routing/assign", json=body, headers=headers).status_code == 422
        since = client.get("/v1/alerts", params={"since": at}, headers=headers)
        assert since.status_code == 422


def test_a_revoked_key_is_refused_at_once_despite_the_key_cache(
    client: TestClient, app: FastAPI, auth
) -> None:
    seed(app)
    headers = auth("routing")
    key_id = headers["Authorization"].split("_")[1]
    assert client.get("/v1/routing/plan", headers=headers).status_code == 200
    keys = app.state.seatwise_key_cache
    assert keys.get(headers["Authorization"].removeprefix("Bearer "))[0]
    app.state.service_store.revoke_key(key_id)
    # The cached key is still checked for revocation on every request.
    assert client.get("/v1/routing/plan", headers=headers).status_code == 401
