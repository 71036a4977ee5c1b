"""In-memory state of the routing endpoints: the published plan, skills and queue priorities.

Routing engines call ``POST /v1/routing/assign`` hundreds of times a second, so no request
should touch the database on its way through:

* :class:`RoutingCache` keeps the published roster rows of a window around now (indexed by
  :class:`scheduling.routing.assign.PlanIndex`), every agent's skills and the queues'
  priorities. It checks a cheap version (count and latest ``published_at`` of published
  rosters) at most once per ``check_every_s`` and reloads the plan only when it changed;
  skills are re-read when the agents' version in the store moved
  (:mod:`features.store.cache_versions`, so a ``PUT /v1/agents`` answered by another worker
  process or machine is seen within ``check_every_s``), and at least every ``agents_every_s``;
  :func:`invalidate_routing_cache` forces both at once. One request does the refresh in a
  worker thread; the others keep answering from the previous snapshot.

Callers' keys are cached by :class:`api.auth.KeyCache` (``caller(resource, cached=True)``).
The cache reads through the stores (:meth:`ServiceStore.published_version`,
:meth:`ServiceStore.read_schedule`, :meth:`ServiceStore.read_published_scenarios`,
:meth:`Store.read_skills`, :func:`features.store.cache_versions.read_versions`); it runs no SQL
of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

import pandas as pd
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from features.store.cache_versions import AGENTS, read_versions
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from scheduling.routing.assign import PlanIndex, PlannedActivity

logger = logging.getLogger(__name__)

_STATE_LOCK = threading.Lock()
ROUTING_CACHE_STATE = "seatwise_routing_cache"
"""Name of the app-state attribute holding the app's :class:`RoutingCache`."""


@dataclass(frozen=True)
class RoutingSnapshot:
    """Everything an assignment needs, as read at one moment.

    Attributes
    ----------
    plan_version:
        (published rosters, latest publish instant) when the plan was read.
    plan:
        Published roster rows overlapping [window_start, window_end).
    skills:
        Proficiency (1-5) per agent per queue.
    queue_priority:
        Priority per queue from the published scenarios (latest publish wins).
    """

    plan_version: tuple[int, str]
    plan: PlanIndex
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    skills: dict[str, dict[str, int]]
    queue_priority: dict[str, float]
    agents_read_at: float = 0.0
    agents_version: int = -1

    def covers(self, at: pd.Timestamp) -> bool:
        """Whether `at` falls inside the window of rows held in memory."""
        return bool(self.window_start <= at < self.window_end)


@dataclass
class RoutingCache:
    """Published plan, skills and queue priorities of one database, refreshed cheaply.

    Parameters
    ----------
    service:
        Published rosters and their rows.
    records:
        Agents' skills.
    check_every_s:
        Seconds between two checks of the plan version.
    agents_every_s:
        Longest time between two reads of the agents' skills, seconds (they are re-read as soon
        as the agents' version in the store moves).
    window_before, window_after:
        Span of published rows held in memory around the wall-clock time of the last read.
    """

    service: ServiceStore
    records: Store
    check_every_s: float = 1.0
    agents_every_s: float = 60.0
    window_before: timedelta = timedelta(days=1)
    window_after: timedelta = timedelta(days=8)
    clock: Callable[[], float] = time.monotonic
    _snapshot: RoutingSnapshot | None = field(default=None, init=False)
    _checked_at: float = field(default=float("-inf"), init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _forced: bool = field(default=False, init=False)

    def invalidate(self) -> None:
        """Force the next call to re-read the plan and the skills."""
        self._forced = True
        self._checked_at = float("-inf")

    def refresh_due(self) -> bool:
        """Whether the version check is due (cheap; no I/O)."""
        return self._snapshot is None or self.clock() - self._checked_at >= self.check_every_s

    def current(self) -> RoutingSnapshot | None:
        """The snapshot in memory (None before the first refresh)."""
        return self._snapshot

    def refresh(self, *, wait: bool = False) -> RoutingSnapshot:
        """Re-read what changed since the last refresh and return the current snapshot.

        When another thread is refreshing already, the previous snapshot is returned at once
        (unless there is none yet, or `wait` is set).
        """
        snapshot = self._snapshot
        blocking = wait or snapshot is None
        if not self._lock.acquire(blocking=blocking):
            assert snapshot is not None  # noqa: S101 - acquire only fails when one exists
            return snapshot
        try:
            if self._snapshot is not None and not self.refresh_due():
                return self._snapshot
            forced, self._forced = self._forced, False
            self._snapshot = self._reload(None if forced else self._snapshot)
            self._checked_at = self.clock()
            return self._snapshot
        finally:
            self._lock.release()

    def _reload(self, previous: RoutingSnapshot | None) -> RoutingSnapshot:
        now_mono = self.clock()
        version = self.service.published_version()
        wall = pd.Timestamp.now(tz=UTC)
        window_ok = previous is not None and (
            previous.window_start <= wall - self.window_before / 2
            and wall + self.window_after / 2 < previous.window_end
        )
        if previous is not None and previous.plan_version == version and window_ok:
            plan, start, end = previous.plan, previous.window_start, previous.window_end
            priorities = previous.queue_priority
        else:
            start, end = wall - self.window_before, wall + self.window_after
            plan = PlanIndex(self._read_rows(start, end))
            priorities = queue_priorities(self.service.read_published_scenarios())
        agents_version = read_versions(self.service.engine).get(AGENTS, -1)
        agents_due = (
            previous is None
            or previous.agents_version != agents_version
            or now_mono - previous.agents_read_at >= self.agents_every_s
        )
        if agents_due:
            skills = self.records.read_skills()
            agents_read_at = now_mono
        else:
            assert previous is not None  # noqa: S101 - agents_due covers None
            skills, agents_read_at = previous.skills, previous.agents_read_at
        return RoutingSnapshot(
            version, plan, start, end, skills, priorities, agents_read_at, agents_version
        )

    def _read_rows(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        return self.service.read_schedule(None, start.to_pydatetime(), end.to_pydatetime())

    def plan_at(self, snapshot: RoutingSnapshot, at: pd.Timestamp) -> dict[str, PlannedActivity]:
        """What each agent does at `at`: from memory inside the window, else from the DB."""
        if snapshot.covers(at):
            return snapshot.plan.at(at)
        return PlanIndex(self._read_rows(at, at + pd.Timedelta(microseconds=1))).at(at)


def queue_priorities(scenarios: list[dict[str, Any]]) -> dict[str, float]:
    """Priority per queue named by `scenarios` (in publish order: the latest one wins)."""
    priorities: dict[str, float] = {}
    for scenario in scenarios:
        for queue in scenario.get("queues", []) or []:
            if isinstance(queue, dict) and "name" in queue:
                priorities[str(queue["name"])] = float(queue.get("priority", 1.0))
    return priorities


def _state(app: FastAPI, name: str, make: Callable[[], Any]) -> Any:
    value = getattr(app.state, name, None)
    if value is None:
        with _STATE_LOCK:
            value = getattr(app.state, name, None)
            if value is None:
                value = make()
                setattr(app.state, name, value)
    return value


def routing_cache(app: FastAPI) -> RoutingCache:
    """The app's routing cache (made on first use, over the app's stores)."""
    cache: RoutingCache = _state(
        app,
        ROUTING_CACHE_STATE,
        lambda: RoutingCache(app.state.service_store, app.state.store),
    )
    return cache


def invalidate_routing_cache(app: FastAPI) -> None:
    """Make the next routing request re-read the plan and skills (call after publish/PUT)."""
    cache = getattr(app.state, ROUTING_CACHE_STATE, None)
    if cache is not None:
        cache.invalidate()


async def current_snapshot(app: FastAPI) -> RoutingSnapshot:
    """The routing snapshot, refreshed in a worker thread when its check is due."""
    cache = routing_cache(app)
    snapshot = cache.current()
    if snapshot is None or cache.refresh_due():
        try:
            snapshot = await run_in_threadpool(cache.refresh)
        except Exception:
            stale = cache.current()
            if stale is None:
                raise
            logger.warning("routing cache refresh failed; serving the previous plan", exc_info=True)
            snapshot = stale
    return snapshot


async def planned_at(
    app: FastAPI, snapshot: RoutingSnapshot, at: pd.Timestamp
) -> dict[str, PlannedActivity]:
    """What each agent does at `at`; a database read (in a worker thread) outside the window."""
    if snapshot.covers(at):
        return snapshot.plan.at(at)
    return await run_in_threadpool(routing_cache(app).plan_at, snapshot, at)


async def plan_queues_at(
    app: FastAPI, snapshot: RoutingSnapshot, at: pd.Timestamp
) -> dict[str, str | None]:
    """Plan queue per agent at `at` (None for non-work activities); see :func:`planned_at`."""
    if snapshot.covers(at):
        return snapshot.plan.queues_at(at)
    planned = await planned_at(app, snapshot, at)
    return {agent: (p.queue if p.activity == "work" else None) for agent, p in planned.items()}
