"""Health probes, authentication (401), roles (403) and key revocation."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

KeyFactory = Callable[..., dict[str, str]]


def test_healthz_and_readyz_answer_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


def test_missing_bad_and_wrong_role_keys(client: TestClient, auth: KeyFactory) -> None:
    assert client.get("/v1/jobs/nope").status_code == 401
    bad = {"Authorization": "Bearer sw_000000000000_not-a-key"}
    assert client.get("/v1/jobs/nope", headers=bad).status_code == 401
    assert client.get("/v1/jobs/nope", headers={"Authorization": "Bearer junk"}).status_code == 401
    forbidden = client.get("/v1/jobs/nope", headers=auth("agent", agent_id="a1"))
    assert forbidden.status_code == 403
    assert "agent" in forbidden.json()["detail"]
    missing = client.get("/v1/jobs/nope", headers=auth("planner"))
    assert missing.status_code == 404
    assert missing.json() == {"detail": "job 'nope' does not exist"}


def test_revoked_key_stops_working(client: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    assert client.get("/v1/jobs/x", headers=headers).status_code == 404
    key_id = headers["Authorization"].split("_")[1]
    client.app.state.service_store.revoke_key(key_id)  # type: ignore[attr-defined]
    assert client.get("/v1/jobs/x", headers=headers).status_code == 401
