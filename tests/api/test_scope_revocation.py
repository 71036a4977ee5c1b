"""Revocation holds from the next request, in every process: two apps over one database (two
processes' view of it) — a key revoked through one is refused at once by the other, on the
key-cached routing and alerts endpoints as on every other — and a running `seatwise serve`
refuses a key the moment another process revokes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app, migrate_database
from api.auth import KEY_CACHE_STATE, KeyCache
from api.security import make_key
from api.settings import Settings
from features.store.engine import shared_engine
from features.store.service_store import ServiceStore
from tests.api.serve_process import serve_process

ASSIGN = {"contacts": [{"contact_id": "c1", "queue": "billing", "wait_s": 5}], "agents": []}


@pytest.fixture
def two_apps(api_settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    first, second = create_app(api_settings), create_app(api_settings)
    with TestClient(first) as one, TestClient(second) as other:
        yield one, other


def _key(client: TestClient, role: str) -> tuple[str, dict[str, str]]:
    new = make_key()
    client.app.state.service_store.add_key(new.key_id, new.key_hash, role, None, [])  # type: ignore[attr-defined]
    return new.key_id, {"Authorization": f"Bearer {new.key}"}


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("routing", "GET", "/v1/routing/plan", None),
        ("routing", "POST", "/v1/routing/assign", ASSIGN),
        ("supervisor", "GET", "/v1/alerts", None),
        ("admin", "GET", "/v1/alerts/x1/deliveries", None),
        ("planner", "GET", "/v1/jobs", None),
    ],
)
def test_a_key_revoked_in_one_process_is_refused_at_once_in_another(
    two_apps: tuple[TestClient, TestClient],
    role: str,
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    one, other = two_apps
    key_id, headers = _key(one, role)
    before = [other.request(method, path, headers=headers, json=body) for _ in range(3)]
    assert all(a.status_code not in (401, 403, 500) for a in before), [a.text for a in before]

    one.app.state.service_store.revoke_key(key_id)  # type: ignore[attr-defined]

    refused = other.request(method, path, headers=headers, json=body)
    assert refused.status_code == 401, refused.text
    assert refused.json()["detail"] == "invalid or revoked API key"
    assert one.request(method, path, headers=headers, json=body).status_code == 401


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_key_cache_still_spares_the_key_lookup(
    two_apps: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, _ = two_apps
    _, headers = _key(one, "routing")
    cache: KeyCache = getattr(one.app.state, KEY_CACHE_STATE)  # type: ignore[attr-defined]
    assert one.get("/v1/routing/plan", headers=headers).status_code == 200
    store = one.app.state.service_store  # type: ignore[attr-defined]
    lookups: list[str] = []
    monkeypatch.setattr(store, "get_key", lambda key_id: lookups.append(key_id))
    assert one.get("/v1/routing/plan", headers=headers).status_code == 200
    assert lookups == []
    assert cache.get(headers["Authorization"].removeprefix("Bearer "))[0]


@pytest.mark.timeout(180)
def test_a_key_revoked_by_another_process_is_refused_by_seatwise_serve(
    database_url: str, tmp_path: Path
) -> None:
    store = ServiceStore(shared_engine(database_url))
    migrate_database(store.engine)
    new = make_key()
    store.add_key(new.key_id, new.key_hash, "routing", None, [])
    headers = {"Authorization": f"Bearer {new.key}"}
    with serve_process(database_url, tmp_path) as (client, _):
        for _ in range(3):
            assert client.get("/v1/routing/plan", headers=headers).status_code == 200
        store.revoke_key(new.key_id)
        assert client.get("/v1/routing/plan", headers=headers).status_code == 401
        assert client.post("/v1/routing/assign", json=ASSIGN, headers=headers).status_code == 401
