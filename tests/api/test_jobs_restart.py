"""A job running when the service is killed is failed ("service restarted") when it starts
again: `seatwise serve` in its own process group solves a roster, is killed with SIGKILL (every
worker with it), is started again over the same database, and the job and its roster read failed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import migrate_database
from api.security import make_key
from features.store.engine import shared_engine
from features.store.service_store import ServiceStore
from scheduling.roster.planted import planted_instance
from tests.api.serve_process import serve_process


def _wait_state(client: httpx.Client, url: str, headers: dict[str, str], states: set[str]) -> Any:
    deadline = time.monotonic() + 60
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["state"] in states:
            return job
        time.sleep(0.1)
    raise AssertionError(f"{url} never reached {states}: {job}")


@pytest.mark.timeout(300)
def test_a_job_running_when_the_service_is_killed_is_failed_at_the_next_start(
    database_url: str, tmp_path: Path
) -> None:
    store = ServiceStore(shared_engine(database_url))
    migrate_database(store.engine)
    new = make_key()
    store.add_key(new.key_id, new.key_hash, "planner", None, [])
    headers = {"Authorization": f"Bearer {new.key}"}
    scenario = planted_instance(40, 3, seed=1).scenario

    with serve_process(database_url, tmp_path) as (client, server):
        accepted = client.post("/v1/rosters?time_limit_s=120", json=scenario, headers=headers)
        assert accepted.status_code == 202, accepted.text
        url = accepted.json()["url"]
        roster_url = accepted.json()["result_url"]
        running = _wait_state(client, url, headers, {"running", "done", "failed"})
        assert running["state"] == "running", running
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)

    assert store.get_job(url.rsplit("/", 1)[1]).state == "running"
    with serve_process(database_url, tmp_path) as (client, _):
        job = client.get(url, headers=headers).json()
        assert job["state"] == "failed", job
        assert job["error"] == "service restarted"
        assert client.get(roster_url, headers=headers).json()["status"] == "failed"
