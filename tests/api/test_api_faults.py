"""Faults: jobs of a stopped service end failed, and a lost database gives 503 then recovers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import make_key
from api.settings import Settings
from features.store.engine import shared_engine
from features.store.migrations import upgrade
from features.store.service_store import ServiceStore


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_jobs_of_a_dead_service_are_failed_at_start(database_url: str) -> None:
    engine = shared_engine(database_url)
    upgrade(engine)
    store = ServiceStore(engine)
    host = socket.gethostname()

    def job(kind: str, owner: str) -> str:
        return store.create_job(uuid.uuid4().hex, kind, {}, owner, None).job_id

    dead = store.get_job(job("roster", f"{host}:{_dead_pid()}:a1b2c3"))
    store.update_job(dead.job_id, state="running", percent=40.0)
    queued = store.create_job(
        uuid.uuid4().hex, "forecast", {}, f"{host}:{_dead_pid()}:d4e5f6", None
    )
    elsewhere = store.create_job(uuid.uuid4().hex, "roster", {}, "other-host:1:abcdef", None)
    finished = store.create_job(uuid.uuid4().hex, "roster", {}, f"{host}:{_dead_pid()}:x", None)
    store.update_job(finished.job_id, state="done", percent=100.0)
    engine.dispose()

    app = create_app(Settings(database_url=database_url))
    new = make_key()
    with TestClient(app) as client:
        app.state.service_store.add_key(new.key_id, new.key_hash, "admin", None, [])
        headers = {"Authorization": f"Bearer {new.key}"}
        states = {
            job.job_id: client.get(f"/v1/jobs/{job.job_id}", headers=headers).json()
            for job in (dead, queued, elsewhere, finished)
        }
    assert states[dead.job_id]["state"] == "failed"
    assert states[dead.job_id]["error"] == "service restarted"
    assert states[dead.job_id]["percent"] == 40.0
    assert states[queued.job_id]["state"] == "failed"
    assert states[elsewhere.job_id]["state"] == "queued"
    assert states[finished.job_id]["state"] == "done"


def test_job_of_a_stopped_app_in_this_process_is_failed(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    first = create_app(settings)
    with TestClient(first):
        runner = first.state.jobs
        job = first.state.service_store.create_job(
            uuid.uuid4().hex, "roster", {}, runner.owner, None
        )
        first.state.service_store.update_job(job.job_id, state="running")
        again = create_app(settings)
        with TestClient(again):
            assert again.state.service_store.get_job(job.job_id).state == "running"
    second = create_app(settings)
    with TestClient(second):
        row = second.state.service_store.get_job(job.job_id)
    assert (row.state, row.error) == ("failed", "service restarted")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _admin_execute(database_url: str, statement: str) -> None:
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(_libpq(admin), autocommit=True) as connection:
        connection.execute(statement)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_database_outage_gives_503_then_recovers(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    app = create_app(Settings(database_url=database_url, retry_after_s=7))
    new = make_key()
    with TestClient(app) as client:
        app.state.service_store.add_key(new.key_id, new.key_hash, "planner", None, [])
        headers = {"Authorization": f"Bearer {new.key}"}
        contact = [{"contact_id": "c1", "queue": "q", "arrived_at": "2026-11-30T08:00:00Z"}]
        assert client.post("/v1/contacts", json=contact, headers=headers).status_code == 200

        _admin_execute(
            database_url,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
        _admin_execute(database_url, f'ALTER DATABASE "{name}" RENAME TO "{name}_off"')
        try:
            down = client.post("/v1/contacts", json=contact, headers=headers)
            assert down.status_code == 503
            assert down.headers["Retry-After"] == "7"
            assert client.get("/readyz").status_code == 503
            assert client.get("/healthz").status_code == 200
        finally:
            _admin_execute(database_url, f'ALTER DATABASE "{name}_off" RENAME TO "{name}"')
        deadline = time.monotonic() + 10
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        again = client.post("/v1/contacts", json=contact, headers=headers)
        assert again.status_code == 200
        assert again.json() == {"received": 1, "inserted": 0, "duplicates": 1}
