"""The JSON the dashboard reads beyond the other resources: /v1/me, /v1/realtime,
/v1/contacts, /v1/schedules — values and role scopes, against the live demo server."""

from __future__ import annotations

import httpx

from tests.dashboard.conftest import DemoStore


def _get(server: str, key: str, path: str, **params: object) -> httpx.Response:
    return httpx.get(
        f"{server}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


def test_scratch(server: str, demo_store: DemoStore) -> None:
    keys = demo_store.keys
    at = demo_store.at.isoformat()
    for role in ("admin", "supervisor", "agent"):
        print(role, _get(server, keys[role], "/v1/me").json())
    print(_get(server, keys["admin"], "/v1/realtime", at=at).json())
    print(_get(server, keys["supervisor"], "/v1/realtime", at=at).json())
    r = _get(server, keys["agent"], "/v1/contacts", start=demo_store.at.normalize().isoformat(), end=at)
    print(r.status_code, str(r.json())[:800])
    ws = demo_store.week_start.isoformat()
    r = _get(server, keys["supervisor"], "/v1/schedules", start=ws+"T00:00:00+01:00", end=(demo_store.at.normalize()+__import__('pandas').Timedelta(days=5)).isoformat())
    j = r.json(); print(r.status_code, len(j.get("rows", [])), len(j.get("coverage", [])), str(j)[:600])
    assert False
