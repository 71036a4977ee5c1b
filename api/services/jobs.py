"""Background jobs: in-process worker threads, or a Dask cluster when SEATWISE_DASK_ADDRESS is set.

A job is a row of the ``jobs`` table (queued → running → done | failed) with a percent and a
result link; the work itself is :func:`api.services.job_tasks.run_job`, which writes its own
progress to the database, so it reports the same way from a thread here or from a Dask worker.

A job is never lost: at start-up, queued or running jobs whose owning service instance is gone
are marked failed with the reason "service restarted". A job belongs to the key that asked for
it: :func:`visible_job` shows it to that key and to admins only (404 for everyone else, as if it
did not exist), and :func:`cancel_job` ends it. Reading a job fails it when it ran past its
deadline (:data:`api.services.job_tasks.MAX_RUN_S`), whichever process runs it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, status

from api.auth import Principal
from api.roles import ADMIN
from api.services.job_tasks import JOB_KINDS, TaskContext, run_job, time_limit_message
from api.settings import Settings
from features.errors import NotFound
from features.store.service_store import ServiceStore, utc_now
from features.store.tables.service import Job

logger = logging.getLogger(__name__)

RESTARTED = "service restarted"
CANCELLED = "cancelled"

_LIVE_INSTANCES: set[str] = set()
_LIVE_LOCK = threading.Lock()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_is_gone(owner: str) -> bool:
    """Whether the service instance named `owner` (``host:pid:instance``) no longer runs.

    Jobs of another host are left alone: only that host can tell whether it still runs them.
    """
    parts = owner.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return True
    host, pid_text, instance = parts
    if host != socket.gethostname():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        with _LIVE_LOCK:
            return instance not in _LIVE_INSTANCES
    return not _pid_alive(pid)


class JobRunner:
    """Starts jobs and records them.

    Parameters
    ----------
    settings:
        ``job_workers`` sizes the local pool; ``dask_address`` sends work to a Dask scheduler.
    store:
        Where the jobs table lives.
    """

    def __init__(self, settings: Settings, store: ServiceStore) -> None:
        self.settings = settings
        self.store = store
        self.instance = uuid.uuid4().hex[:12]
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{self.instance}"
        self._slots: threading.BoundedSemaphore | None = None
        self._client: Any = None

    def start(self) -> None:
        """Open the pool (or connect to Dask); this instance's jobs count as alive from now."""
        with _LIVE_LOCK:
            _LIVE_INSTANCES.add(self.instance)
        if self.settings.dask_address:
            from dask.distributed import Client

            self._client = Client(self.settings.dask_address, set_as_default=False)
        else:
            self._slots = threading.BoundedSemaphore(self.settings.job_workers)

    def recover(self) -> list[str]:
        """Mark failed ("service restarted") the queued or running jobs of stopped instances, and
        the rosters they were solving."""
        failed = self._fail_orphans(owner_is_gone)
        if failed:
            logger.warning("marked %d jobs of a stopped service failed: %s", len(failed), failed)
        return failed

    def _fail_orphans(self, is_orphan: Callable[[str], bool]) -> list[str]:
        failed = self.store.fail_orphaned_jobs(is_orphan, RESTARTED)
        for job_id in failed:
            end_roster_of(self.store, self.store.get_job(job_id), "failed")
        return failed

    def submit(
        self,
        kind: str,
        params: dict[str, Any],
        key_id: str | None = None,
        job_id: str | None = None,
    ) -> Job:
        """Record a queued job of `kind` and hand it to the pool or cluster.

        Parameters
        ----------
        kind:
            One of :data:`api.services.job_tasks.JOB_KINDS` (``forecast``, ``backtest``,
            ``roster``).
        params:
            JSON-ready parameters of the task.
        key_id:
            The API key that asked for it.
        job_id:
            A chosen id (defaults to a random one).
        """
        if kind not in JOB_KINDS:
            raise ValueError(f"unknown job kind '{kind}'; kinds are {sorted(JOB_KINDS)}")
        chosen = job_id or uuid.uuid4().hex
        job = self.store.create_job(chosen, kind, params, self.owner, key_id)
        context = TaskContext(
            database_url=self.settings.database_url,
            mlflow_uri=self.settings.mlflow_uri,
            timezone=self.settings.timezone,
        )
        if self._client is not None:
            from dask.distributed import fire_and_forget

            future = self._client.submit(run_job, kind, chosen, params, context, pure=False)
            fire_and_forget(future)
        elif self._slots is not None:
            worker = threading.Thread(
                target=self._run_local,
                args=(self._slots, kind, chosen, params, context),
                name=f"seatwise-job-{chosen[:8]}",
                daemon=True,
            )
            worker.start()
        else:
            raise RuntimeError("the job runner was not started")
        return job

    @staticmethod
    def _run_local(
        slots: threading.BoundedSemaphore,
        kind: str,
        job_id: str,
        params: dict[str, Any],
        context: TaskContext,
    ) -> None:
        # Daemon threads, at most `job_workers` at work: a job still running when the service
        # stops is abandoned with the process (and marked failed), never waited for.
        with slots:
            run_job(kind, job_id, params, context)

    def shutdown(self) -> None:
        """Stop taking work; jobs still queued are dropped and later marked failed."""
        with _LIVE_LOCK:
            _LIVE_INSTANCES.discard(self.instance)
        self._slots = None
        if self._client is not None:
            self._client.close()
            self._client = None
        try:
            self._fail_orphans(lambda owner: owner == self.owner or owner_is_gone(owner))
        except Exception as exc:  # a down database must not block shutdown
            logger.warning("could not mark unfinished jobs failed at shutdown: %s", exc)


def fail_overdue_jobs(store: ServiceStore) -> list[str]:
    """Fail every running job past its deadline with its kind's time-limit message, even one
    whose task is stuck where it cannot report progress; returns their ids."""
    failed = store.fail_overdue_jobs(utc_now(), lambda job: time_limit_message(job.kind))
    if failed:
        logger.warning("failed %d jobs past their maximum run time: %s", len(failed), failed)
    return failed


def may_see(principal: Principal, job: Job) -> bool:
    """Whether `principal` may see `job`: admins every job, other keys the jobs they made."""
    return principal.role == ADMIN or (job.key_id is not None and job.key_id == principal.key_id)


def visible_job(store: ServiceStore, job_id: str, principal: Principal) -> Job:
    """The job `job_id` as `principal` may see it (overdue jobs failed first); NotFound (404)
    when it does not exist or belongs to another key, so ids of others' jobs are not told."""
    job = store.get_job(job_id)
    if not may_see(principal, job):
        raise NotFound(f"job '{job_id}' does not exist")
    if job.state == "running" and fail_overdue_jobs(store):
        job = store.get_job(job_id)
    return job


def visible_jobs(
    store: ServiceStore, principal: Principal, kind: str | None, limit: int
) -> list[Job]:
    """The newest `limit` jobs `principal` may see (of `kind` when given), results unloaded."""
    fail_overdue_jobs(store)
    mine = None if principal.role == ADMIN else principal.key_id
    return store.list_jobs(kind, limit, key_id=mine)


def cancel_job(store: ServiceStore, job_id: str, principal: Principal) -> Job:
    """Cancel a queued or running job of `principal` (any job for an admin).

    A queued job never starts; a running one stops at its next progress report. Cancelling a
    cancelled job changes nothing; a job that is done or failed cannot be cancelled (409).
    """
    job = visible_job(store, job_id, principal)
    if job.state == CANCELLED:
        return job
    ended = store.finish_job(job_id, CANCELLED, message=f"cancelled by key {principal.key_id}")
    job = store.get_job(job_id)
    if not ended:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail=f"job '{job_id}' is {job.state}; only a queued or running job is cancelled",
        )
    end_roster_of(store, job, CANCELLED)
    return job


def end_roster_of(store: ServiceStore, job: Job, roster_status: str) -> None:
    """Give the roster a roster job was solving `roster_status` (no-op for other kinds)."""
    roster_id = (job.params or {}).get("roster_id") if job.kind == "roster" else None
    if roster_id:
        store.update_roster(str(roster_id), status=roster_status)
