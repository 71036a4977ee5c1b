"""A roster solve is cancelled while CP-SAT searches: the job and the roster read cancelled,
the search stops at its next progress report (well before its time limit), and no result is
stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from scheduling.roster.planted import planted_instance

KeyFactory = Callable[..., dict[str, str]]
TIME_LIMIT_S = 120


def _wait(
    client: TestClient, url: str, headers: dict[str, str], done: Callable[[Any], bool]
) -> Any:
    deadline = time.monotonic() + 60
    body: Any = None
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json()
        if done(body):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{url}: {body}")


def _worker(job_id: str) -> threading.Thread | None:
    """The job runner's thread for `job_id` while it lives."""
    name = f"seatwise-job-{job_id[:8]}"
    return next((t for t in threading.enumerate() if t.name == name), None)


def test_a_solving_roster_is_cancelled_and_the_search_stops(
    app: FastAPI, client: TestClient, auth: KeyFactory
) -> None:
    planner = auth("planner")
    scenario = planted_instance(40, 3, seed=1).scenario
    accepted = client.post(
        f"/v1/rosters?time_limit_s={TIME_LIMIT_S}", json=scenario, headers=planner
    ).json()
    url, roster_url = accepted["url"], accepted["result_url"]
    _wait(client, url, planner, lambda job: job["state"] == "running" and job["percent"] >= 10)
    assert _worker(accepted["job_id"]) is not None

    started = time.monotonic()
    cancelled = client.post(f"{url}/cancel", headers=planner)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert client.get(roster_url, headers=planner).json()["status"] == "cancelled"

    job_id = accepted["job_id"]
    while (worker := _worker(job_id)) is not None and time.monotonic() - started < 30:
        worker.join(0.1)
    assert worker is None, "the search kept running after its job was cancelled"
    store = app.state.service_store
    assert store.get_job(job_id).state == "cancelled"
    roster = store.get_roster(accepted["roster_id"])
    assert roster.status == "cancelled"
    assert roster.rows is None
    assert time.monotonic() - started < TIME_LIMIT_S / 4
