"""Background jobs: in-process worker threads, or a Dask cluster when SEATWISE_DASK_ADDRESS is set.

A job is a row of the ``jobs`` table (queued → running → done | failed) with a percent and a
result link; the work itself is :func:`api.services.job_tasks.run_job`, which writes its own
progress to the database, so it reports the same way from a thread here or from a Dask worker.

A job is never lost: at start-up, queued or running jobs whose owning service instance is gone
are marked failed with the reason "service restarted".
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Any

from api.services.job_tasks import JOB_KINDS, TaskContext, run_job
from api.settings import Settings
from features.store.service_store import ServiceStore
from features.store.tables.service import Job

logger = logging.getLogger(__name__)

RESTARTED = "service restarted"

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
        """Mark failed ("service restarted") the queued or running jobs of stopped instances."""
        failed = self.store.fail_orphaned_jobs(owner_is_gone, RESTARTED)
        if failed:
            logger.warning("marked %d jobs of a stopped service failed: %s", len(failed), failed)
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
            self.store.fail_orphaned_jobs(
                lambda owner: owner == self.owner or owner_is_gone(owner), RESTARTED
            )
        except Exception as exc:  # a down database must not block shutdown
            logger.warning("could not mark unfinished jobs failed at shutdown: %s", exc)
