"""In-memory state of the routing endpoints: the published plan, skills and callers' keys.

Routing engines call ``POST /v1/routing/assign`` hundreds of times a second, so no request
should touch the database on its way through:

* :class:`RoutingCache` keeps the published roster rows of a window around now (indexed by
  :class:`scheduling.routing.assign.PlanIndex`), every agent's skills and the queues'
  priorities. It checks a cheap version (count and latest ``published_at`` of published
  rosters) at most once per ``check_every_s`` and reloads the plan only when it changed;
  skills are re-read every ``agents_every_s`` (agents carry no version column), and
  :func:`invalidate_routing_cache` forces both at once. One request does the refresh in a
  worker thread; the others keep answering from the previous snapshot.
* :class:`KeyCache` maps a presented key to its :class:`api.deps.Principal` for ``ttl_s``
  seconds, so a revoked key may keep working for at most that long.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pandas.errors import OutOfBoundsDatetime
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from api.deps import Principal, check_role
from api.security import ROLES, key_matches, split_key
from features.errors import FieldError, InvalidInput
from features.store.tables.records import AgentRow
from features.store.tables.service import Roster, RosterRow
from scheduling.routing.assign import PlanIndex, PlannedActivity

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="An API key made by `seatwise keys create`.")
_STATE_LOCK = threading.Lock()


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

    def covers(self, at: pd.Timestamp) -> bool:
        """Whether `at` falls inside the window of rows held in memory."""
        return bool(self.window_start <= at < self.window_end)


@dataclass
class RoutingCache:
    """Published plan, skills and queue priorities of one database, refreshed cheaply.

    Parameters
    ----------
    engine:
        Engine of a database migrated to ``0002_service`` or later.
    check_every_s:
        Seconds between two checks of the plan version.
    agents_every_s:
        Seconds between two reads of the agents' skills.
    window_before, window_after:
        Span of published rows held in memory around the wall-clock time of the last read.
    """

    engine: Engine
    check_every_s: float = 1.0
    agents_every_s: float = 5.0
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
        with Session(self.engine) as session:
            count, latest = session.execute(
                select(func.count(Roster.roster_id), func.max(Roster.published_at)).where(
                    Roster.published_at.is_not(None)
                )
            ).one()
            version = (int(count), str(latest))
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
                plan = PlanIndex(_read_rows(session, start, end))
                priorities = _read_priorities(session)
            agents_due = previous is None or now_mono - previous.agents_read_at >= (
                self.agents_every_s
            )
            if agents_due:
                skills = _read_skills(session)
                agents_read_at = now_mono
            else:
                assert previous is not None  # noqa: S101 - agents_due covers None
                skills, agents_read_at = previous.skills, previous.agents_read_at
        return RoutingSnapshot(version, plan, start, end, skills, priorities, agents_read_at)

    def plan_at(self, snapshot: RoutingSnapshot, at: pd.Timestamp) -> dict[str, PlannedActivity]:
        """What each agent does at `at`: from memory inside the window, else from the DB."""
        if snapshot.covers(at):
            return snapshot.plan.at(at)
        with Session(self.engine) as session:
            rows = _read_rows(session, at, at + pd.Timedelta(microseconds=1))
        return PlanIndex(rows).at(at)


def _read_rows(session: Session, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    query = select(
        RosterRow.agent_id, RosterRow.activity, RosterRow.queue, RosterRow.start, RosterRow.end
    ).where(RosterRow.end > start.to_pydatetime(), RosterRow.start < end.to_pydatetime())
    rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["agent_id", "activity", "queue", "start", "end"])
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = pd.to_datetime(frame["end"], utc=True)
    return frame


def _read_skills(session: Session) -> dict[str, dict[str, int]]:
    rows = session.execute(select(AgentRow.agent_id, AgentRow.skills)).all()
    return {
        str(agent_id): {str(q): int(p) for q, p in (skills or {}).items() if p is not None}
        for agent_id, skills in rows
    }


def _read_priorities(session: Session) -> dict[str, float]:
    query = (
        select(Roster.scenario)
        .where(Roster.published_at.is_not(None))
        .order_by(Roster.published_at)
    )
    priorities: dict[str, float] = {}
    for scenario in session.scalars(query):
        for queue in (scenario or {}).get("queues", []) or []:
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
    """The app's routing cache (made on first use, over the service store's engine)."""
    cache: RoutingCache = _state(
        app, "seatwise_routing_cache", lambda: RoutingCache(app.state.engine)
    )
    return cache


def invalidate_routing_cache(app: FastAPI) -> None:
    """Make the next routing request re-read the plan and skills (call after publish/PUT)."""
    cache = getattr(app.state, "seatwise_routing_cache", None)
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


@dataclass
class KeyCache:
    """Presented key (by its SHA-256) -> Principal (or None for a rejected key), for ttl_s."""

    ttl_s: float = 5.0
    max_entries: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, tuple[float, Principal | None]] = field(default_factory=dict, init=False)

    def get(self, key: str) -> tuple[bool, Principal | None]:
        """(found, principal) for a presented key."""
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        entry = self._entries.get(digest)
        if entry is None or entry[0] < self.clock():
            return False, None
        return True, entry[1]

    def put(self, key: str, principal: Principal | None) -> None:
        """Remember the outcome of looking a key up."""
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        self._entries[digest] = (self.clock() + self.ttl_s, principal)


def _lookup(request: Request, key: str) -> Principal | None:
    key_id = split_key(key)
    if key_id is None:
        return None
    row = request.app.state.service_store.get_key(key_id)
    if row is None or row.revoked_at is not None or not key_matches(key, row.key_hash):
        return None
    return Principal(key_id=row.key_id, role=row.role, agent_id=row.agent_id, teams=row.teams)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


@functools.cache
def cached_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency like :func:`api.deps.require_roles` whose key lookups are cached.

    401 without a valid key, 403 for a role outside `roles`; a key's row is read at most once
    per :attr:`KeyCache.ttl_s` seconds.
    """
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles {unknown}; roles are {list(ROLES)}")

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        key = credentials.credentials
        keys: KeyCache = _state(request.app, "seatwise_key_cache", KeyCache)
        found, principal = keys.get(key)
        if not found:
            principal = await run_in_threadpool(_lookup, request, key)
            keys.put(key, principal)
        if principal is None:
            raise _unauthorized("invalid or revoked API key")
        return check_role(principal, roles)

    return dependency


def parse_at(at: datetime | None, field_name: str = "at") -> pd.Timestamp:
    """An instant from a request (tz-aware) as a UTC nanosecond timestamp, or now when None.

    Raises InvalidInput for instants pandas cannot hold (before 1677 or after 2262).
    """
    if at is None:
        return pd.Timestamp.now(tz=UTC).as_unit("ns")
    try:
        return pd.Timestamp(at).tz_convert("UTC").as_unit("ns")
    except (OutOfBoundsDatetime, OverflowError, ValueError) as exc:
        rule = "instant must lie between the years 1678 and 2261"
        raise InvalidInput(
            f"'{field_name}' is out of range", [FieldError(None, field_name, rule, str(at))]
        ) from exc
