"""Expensive reads from the read cache: same answers, invalidated by every write to the store,
in this app and in another app (another worker process or machine) over the same database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.read_cache import ReadCache, read_cache
from api.settings import Settings
from features.store.cache_versions import RECORDS, SCHEDULES, read_versions
from tests.api.conftest import add_key

KeyFactory = Callable[..., dict[str, str]]

AGENTS = [
    {"agent_id": "a1", "team": "t1", "skills": {"billing": 5}},
    {"agent_id": "b1", "team": "t2", "skills": {"sales": 5}},
]
RANGE = {"start": "2026-11-30T00:00:00Z", "end": "2026-12-01T00:00:00Z"}


def _contact(cid: str, queue: str, minute: int, agent: str) -> dict[str, object]:
    return {
        "contact_id": cid,
        "queue": queue,
        "arrived_at": f"2026-11-30T08:{minute:02d}:00+00:00",
        "answered_at": f"2026-11-30T08:{minute:02d}:10+00:00",
        "ended_at": f"2026-11-30T08:{minute:02d}:50+00:00",
        "handle_s": 40,
        "agent_id": agent,
    }


@pytest.fixture
def loaded(client: TestClient, auth: KeyFactory) -> TestClient:
    admin = auth("admin")
    assert client.put("/v1/agents", json=AGENTS, headers=admin).status_code == 200
    contacts = [_contact("c1", "billing", 1, "a1"), _contact("c2", "sales", 2, "b1")]
    assert client.post("/v1/contacts", json=contacts, headers=admin).status_code == 200
    return client


def test_cached_answers_equal_fresh_ones_and_are_hits(
    app: FastAPI, loaded: TestClient, auth: KeyFactory
) -> None:
    planner = auth("planner")
    cache = read_cache(app)
    reads = [
        ("/v1/intervals", {**RANGE, "queue": "billing"}),
        ("/v1/kpis", RANGE),
        ("/v1/kpis", {**RANGE, "level": "queue", "id": "billing"}),
        ("/v1/schedules", RANGE),
    ]
    first = [loaded.get(path, params=params, headers=planner) for path, params in reads]
    assert [r.status_code for r in first] == [200] * len(reads)
    misses, hits = cache.misses, cache.hits
    again = [loaded.get(path, params=params, headers=planner) for path, params in reads]
    assert [r.json() for r in again] == [r.json() for r in first]
    assert [r.headers["content-type"] for r in again] == ["application/json"] * len(reads)
    assert (cache.misses, cache.hits) == (misses, hits + len(reads))
    assert first[1].json()["kpis"]["offered"] == 2


def test_scopes_never_share_answers(loaded: TestClient, auth: KeyFactory) -> None:
    planner = loaded.get("/v1/intervals", params=RANGE, headers=auth("planner")).json()
    assert {r["queue"] for r in planner["rows"]} == {"billing", "sales"}
    sup = loaded.get("/v1/intervals", params=RANGE, headers=auth("supervisor", teams=["t2"]))
    assert {r["queue"] for r in sup.json()["rows"]} == {"sales"}


def test_a_write_invalidates_at_once(app: FastAPI, loaded: TestClient, auth: KeyFactory) -> None:
    admin = auth("admin")
    before = read_versions(app.state.engine)
    kpis = loaded.get("/v1/kpis", params=RANGE, headers=admin).json()
    assert kpis["kpis"]["offered"] == 2
    answer = loaded.post("/v1/contacts", json=[_contact("c3", "billing", 3, "a1")], headers=admin)
    assert answer.status_code == 200
    assert read_versions(app.state.engine)[RECORDS] == before[RECORDS] + 1
    assert loaded.get("/v1/kpis", params=RANGE, headers=admin).json()["kpis"]["offered"] == 3
    # A re-sent contact stores nothing and moves no version.
    assert loaded.post("/v1/contacts", json=[_contact("c3", "billing", 3, "a1")], headers=admin)
    assert read_versions(app.state.engine)[RECORDS] == before[RECORDS] + 1
    assert read_versions(app.state.engine)[SCHEDULES] == before[SCHEDULES]


def test_another_process_sees_the_write_on_its_next_request(
    app: FastAPI, api_settings: Settings, loaded: TestClient, auth: KeyFactory
) -> None:
    other = create_app(api_settings)
    with TestClient(other) as second:
        key = {"Authorization": f"Bearer {add_key(other, 'admin')}"}
        assert second.get("/v1/kpis", params=RANGE, headers=key).json()["kpis"]["offered"] == 2
        assert second.get("/v1/kpis", params=RANGE, headers=key).json()["kpis"]["offered"] == 2
        assert read_cache(other).hits >= 1
        more = [_contact("c3", "billing", 3, "a1"), _contact("c4", "sales", 4, "b1")]
        assert loaded.post("/v1/contacts", json=more, headers=auth("admin")).status_code == 200
        assert second.get("/v1/kpis", params=RANGE, headers=key).json()["kpis"]["offered"] == 4
        renamed = [{**AGENTS[1], "team": "t3"}]
        assert loaded.put("/v1/agents", json=renamed, headers=auth("admin")).status_code == 200
        teams = second.get(
            "/v1/kpis", params={**RANGE, "level": "queue", "id": "sales"}, headers=key
        ).json()
        assert [c["id"] for c in teams["children"]] == ["t3"]


def test_concurrent_misses_compute_once_and_old_versions_are_dropped() -> None:
    cache = ReadCache(max_entries=2)
    calls: list[int] = []

    def compute() -> bytes:
        calls.append(1)
        return b"{}"

    assert cache.get_or_compute(("k",), (1,), compute) == b"{}"
    assert cache.get_or_compute(("k",), (1,), compute) == b"{}"
    assert len(calls) == 1
    cache.get_or_compute(("k",), (2,), compute)
    assert len(calls) == 2
    cache.get_or_compute(("a",), (2,), compute)
    cache.get_or_compute(("b",), (2,), compute)
    cache.get_or_compute(("k",), (2,), compute)
    assert len(calls) == 5


def test_routing_skills_follow_the_agents_version_of_the_store(database_url: str) -> None:
    from api.services.routing_cache import RoutingCache
    from features.store.engine import shared_engine
    from features.store.records_store import Store
    from features.store.service_store import ServiceStore

    now = [0.0]
    store = Store(database_url)
    store.migrate()
    store.upsert_agents(AGENTS)
    cache = RoutingCache(
        ServiceStore(shared_engine(database_url)), store, agents_every_s=3600, clock=lambda: now[0]
    )
    assert cache.refresh().skills["a1"] == {"billing": 5}
    # Another process (here: another store over the same database) changes a1's skills.
    Store(database_url).upsert_agents([{**AGENTS[0], "skills": {"billing": 2, "sales": 4}}])
    assert cache.refresh().skills["a1"] == {"billing": 5}  # the version check is not yet due
    now[0] += cache.check_every_s
    assert cache.refresh().skills["a1"] == {"billing": 2, "sales": 4}
    now[0] += cache.check_every_s
    read_at = cache.refresh().agents_read_at
    now[0] += cache.check_every_s
    assert cache.refresh().agents_read_at == read_at  # unchanged agents are not re-read
