"""Jobs belong to the key that made them (others get 404, admins see all), can be cancelled
(a queued job never starts, a running one stops at its next progress report), and fail with a
clear error past their kind's maximum run time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.services import job_tasks
from api.services.job_tasks import TaskContext, TaskOutcome, run_job
from features.schema import ProgressCallback

KeyFactory = Callable[..., dict[str, str]]
FORECAST = {"start": "2026-11-23", "days": 1}


class SlowTask:
    """A stand-in for the forecast task: reports progress every 20 ms for up to `seconds`
    (or, `silent`, sleeps without reporting) until released, and records whether it ran and
    how it ended."""

    def __init__(self, seconds: float = 20.0, silent: bool = False) -> None:
        self.seconds, self.silent = seconds, silent
        self.started = threading.Event()
        self.ended = threading.Event()
        self.release = threading.Event()
        self.stopped_by: str | None = None

    def __call__(
        self, job_id: str, params: dict[str, Any], context: TaskContext, progress: ProgressCallback
    ) -> TaskOutcome:
        self.started.set()
        try:
            if self.silent:
                self.release.wait(self.seconds)
            else:
                deadline = time.monotonic() + self.seconds
                while time.monotonic() < deadline and not self.release.is_set():
                    progress(0.5, "working")
                    time.sleep(0.02)
        except job_tasks.JobStopped as exc:
            self.stopped_by = type(exc).__name__
            raise
        finally:
            self.ended.set()
        return TaskOutcome(result={"finished": True}, result_url=None)


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowTask]:
    task = SlowTask()
    monkeypatch.setitem(job_tasks.JOB_KINDS, "forecast", task)
    yield task
    task.release.set()
    if task.started.is_set():
        task.ended.wait(5)


def _state(client: TestClient, url: str, headers: dict[str, str], states: set[str]) -> Any:
    deadline = time.monotonic() + 30
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"{url} never reached {states}: {job}")


def test_only_the_owner_and_admins_see_a_job(
    client: TestClient, auth: KeyFactory, slow: SlowTask
) -> None:
    owner, other, admin = auth("planner"), auth("planner"), auth("admin")
    scientist = auth("data_scientist")
    url = client.post("/v1/forecasts", json=FORECAST, headers=owner).json()["url"]
    job_id = url.rsplit("/", 1)[1]

    assert client.get(url, headers=owner).status_code == 200
    assert client.get(url, headers=admin).json()["job_id"] == job_id
    for stranger in (other, scientist):
        refused = client.get(url, headers=stranger)
        assert refused.status_code == 404
        unknown = client.get("/v1/jobs/" + "0" * 32, headers=stranger)
        assert refused.json()["detail"] == f"job '{job_id}' does not exist"
        assert unknown.status_code == 404
        assert client.post(f"{url}/cancel", headers=stranger).status_code == 404
        assert client.get("/v1/jobs", headers=stranger).json()["jobs"] == []

    mine = client.get("/v1/jobs", headers=owner).json()["jobs"]
    assert [j["job_id"] for j in mine] == [job_id]
    assert mine[0]["result"] is None
    scientist_job = client.post("/v1/forecasts", json=FORECAST, headers=scientist).json()
    every = client.get("/v1/jobs", headers=admin).json()["jobs"]
    assert {j["job_id"] for j in every} == {job_id, scientist_job["job_id"]}
    only = client.get("/v1/jobs?kind=roster", headers=admin).json()["jobs"]
    assert only == []
    assert client.get("/v1/jobs?kind=bogus", headers=admin).status_code == 422
    assert client.get(url, headers=owner).json()["state"] == "running"


def test_a_running_job_is_cancelled_and_stops(
    client: TestClient, auth: KeyFactory, slow: SlowTask
) -> None:
    owner = auth("planner")
    url = client.post("/v1/forecasts", json=FORECAST, headers=owner).json()["url"]
    _state(client, url, owner, {"running"})
    assert slow.started.wait(10)

    cancelled = client.post(f"{url}/cancel", headers=owner)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert slow.ended.wait(5), "the task did not stop after its job was cancelled"
    assert slow.stopped_by == "JobCancelled"
    time.sleep(0.3)
    job = client.get(url, headers=owner).json()
    assert job["state"] == "cancelled"
    assert job["result"] is None
    again = client.post(f"{url}/cancel", headers=auth("admin"))
    assert again.status_code == 200
    assert again.json()["state"] == "cancelled"


def test_a_queued_job_cancelled_never_starts(
    app: FastAPI, client: TestClient, auth: KeyFactory, slow: SlowTask
) -> None:
    owner = auth("data_scientist")
    key_id = client.get("/v1/me", headers=owner).json()["key_id"]
    store = app.state.service_store
    store.create_job("q" * 32, "forecast", dict(FORECAST), "elsewhere:1:x", key_id)
    cancelled = client.post(f"/v1/jobs/{'q' * 32}/cancel", headers=owner)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"

    run_job("forecast", "q" * 32, dict(FORECAST), TaskContext(app.state.settings.database_url))
    assert not slow.started.is_set()
    assert store.get_job("q" * 32).state == "cancelled"


def test_a_finished_job_is_not_cancelled(
    client: TestClient, auth: KeyFactory, slow: SlowTask
) -> None:
    slow.seconds = 0.0
    owner = auth("planner")
    url = client.post("/v1/forecasts", json=FORECAST, headers=owner).json()["url"]
    done = _state(client, url, owner, {"done"})
    assert done["result"] == {"finished": True}
    refused = client.post(f"{url}/cancel", headers=owner)
    assert refused.status_code == 409
    assert "done" in refused.json()["detail"]
    assert client.get(url, headers=owner).json()["state"] == "done"


def test_a_job_past_its_maximum_run_time_fails(
    client: TestClient, auth: KeyFactory, slow: SlowTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(job_tasks.MAX_RUN_S, "forecast", 1.0)
    owner = auth("planner")
    url = client.post("/v1/forecasts", json=FORECAST, headers=owner).json()["url"]
    failed = _state(client, url, owner, {"failed", "done"})
    assert failed["state"] == "failed"
    assert failed["error"] == "exceeded the maximum run time of 1 s for a forecast job"
    assert slow.ended.wait(5)
    assert slow.stopped_by == "JobTimedOut"


def test_a_stuck_job_past_its_deadline_is_failed_when_read(
    client: TestClient, auth: KeyFactory, slow: SlowTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow.silent, slow.seconds = True, 3.0
    monkeypatch.setitem(job_tasks.MAX_RUN_S, "forecast", 1.0)
    owner = auth("planner")
    url = client.post("/v1/forecasts", json=FORECAST, headers=owner).json()["url"]
    running = _state(client, url, owner, {"running"})
    assert running["deadline_at"] is not None
    failed = _state(client, url, owner, {"failed", "done"})
    assert failed["state"] == "failed"
    assert "maximum run time" in failed["error"]
    assert slow.ended.wait(5)
    time.sleep(0.3)
    assert client.get(url, headers=owner).json()["state"] == "failed"
