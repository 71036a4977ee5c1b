"""Live numbers for the wallboard: contacts waiting, today's service so far, agents by state.

Everything is computed at one instant ``at`` (now by default, any earlier instant to replay a
day): a contact is *waiting* when it arrived at or before ``at`` and was neither answered nor
ended by then; an agent's *state* is the state span covering ``at``. Today's figures count the
contacts that arrived since local midnight and were answered or abandoned by ``at``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.deps import (
    Principal,
    SettingsDep,
    StoreDep,
    require_roles,
    roles_route,
    scoped_agents,
    scoped_queues,
)
from api.schemas.common import INVALID
from features.errors import FieldError, InvalidInput
from features.intervals import build_intervals
from features.schema import HISTORY_COLUMNS
from features.store import Store

router = APIRouter(prefix="/v1", tags=["history"])

READERS = ("admin", "planner", "supervisor")
INTERVAL_MINUTES = 15
WAIT_LOOKBACK = pd.Timedelta(hours=4)
"""Contacts that arrived longer ago than this and never ended are not counted as waiting."""


class QueueNow(BaseModel):
    """One queue at the instant: contacts (count), seconds, shares 0..1, agents (count)."""

    queue: str
    waiting: int = Field(description="Contacts arrived and not yet answered or ended")
    longest_wait_s: float | None = Field(default=None, description="Oldest waiting, seconds")
    offered_today: int = 0
    handled_today: int = 0
    abandoned_today: int = 0
    service_level_today: float | None = None
    service_level_interval: float | None = Field(
        default=None, description="Service level of the current interval so far"
    )
    asa_s_today: float | None = Field(default=None, description="Mean speed of answer, seconds")
    abandon_rate_today: float | None = None
    agents: dict[str, int] = Field(
        default_factory=dict,
        description="Agents whose main skill is this queue, by current state",
    )


class RealtimePublic(BaseModel):
    """Live figures per queue and the whole centre's agents by state."""

    at: str = Field(examples=["2026-11-18T11:05:00+01:00"])
    interval_start: str = Field(description="Start of the current interval")
    queues: list[QueueNow]
    agents: dict[str, int] = Field(description="Agents in scope by current state")


EARLIEST = pd.Timestamp("1970-01-02", tz="UTC")
LATEST = pd.Timestamp("2200-01-01", tz="UTC")


def local_instant(value: datetime | None, timezone: str, field: str) -> pd.Timestamp:
    """`value` as a timestamp in `timezone` (naive values are local there; None is now);
    InvalidInput (422) naming `field` outside 1970-2200."""
    try:
        stamp = pd.Timestamp.now(tz=timezone) if value is None else pd.Timestamp(value)
        stamp = stamp.tz_localize(timezone) if stamp.tzinfo is None else stamp.tz_convert(timezone)
        inside = EARLIEST <= stamp <= LATEST
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            "instant out of range", [FieldError(None, field, str(exc), str(value))]
        ) from exc
    if not inside:
        raise InvalidInput(
            "instant out of range",
            [FieldError(None, field, "must lie between 1970 and 2200", str(value))],
        )
    return stamp


def _weighted(values: pd.Series, weights: pd.Series) -> float | None:
    valid = values.notna() & (weights > 0)
    if not valid.any():
        return None
    return float(np.average(values[valid], weights=weights[valid]))


def _waiting(contacts: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    answered = contacts["answered_at"].notna() & (contacts["answered_at"] <= at)
    ended = contacts["ended_at"].notna() & (contacts["ended_at"] <= at)
    recent = contacts["arrived_at"] > at - WAIT_LOOKBACK
    return contacts[recent & ~answered & ~ended]


def _resolved_today(
    contacts: pd.DataFrame, day_start: pd.Timestamp, at: pd.Timestamp
) -> pd.DataFrame:
    """Today's contacts whose outcome is known at `at` (answered, or abandoned and ended)."""
    answered = contacts["answered_at"].notna() & (contacts["answered_at"] <= at)
    ended = contacts["ended_at"].notna() & (contacts["ended_at"] <= at)
    return contacts[(contacts["arrived_at"] >= day_start) & (answered | ended)]


def _main_queue(skills: object) -> str | None:
    if not isinstance(skills, dict) or not skills:
        return None
    return str(sorted(skills.items(), key=lambda item: (-float(item[1]), str(item[0])))[0][0])


def _states_at(store: Store, at: pd.Timestamp, agent_ids: list[str]) -> dict[str, str]:
    """Each agent's state in the span covering `at` (offline when none covers it)."""
    spans = store.read_agent_states(at, at + pd.Timedelta(milliseconds=1), agent_ids)
    spans = spans.sort_values(["agent_id", "started_at"]).drop_duplicates("agent_id", keep="last")
    current = dict(zip(spans["agent_id"].astype(str), spans["state"].astype(str), strict=True))
    return {agent: current.get(agent, "offline") for agent in agent_ids}


def _queue_now(
    queue: str,
    waiting: pd.DataFrame,
    history: pd.DataFrame,
    interval: pd.Timestamp,
    at: pd.Timestamp,
    agents: dict[str, int],
) -> QueueNow:
    mine = waiting[waiting["queue"] == queue]
    rows = history[history["queue"] == queue]
    now_rows = rows[rows["interval_start"] == interval]
    offered = float(rows["offered"].sum())
    abandoned = float(rows["abandoned"].sum())
    return QueueNow(
        queue=queue,
        waiting=len(mine),
        longest_wait_s=(at - mine["arrived_at"].min()).total_seconds() if len(mine) else None,
        offered_today=int(offered),
        handled_today=int(rows["handled"].sum()),
        abandoned_today=int(abandoned),
        service_level_today=_weighted(rows["service_level"], rows["offered"]),
        service_level_interval=_weighted(now_rows["service_level"], now_rows["offered"]),
        asa_s_today=_weighted(rows["asa_s"], rows["handled"]),
        abandon_rate_today=abandoned / offered if offered else None,
        agents=agents,
    )


@router.get("/realtime", **roles_route(*READERS, responses=INVALID))
def read_realtime(
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*READERS))],
    at: Annotated[
        datetime | None, Query(description="The instant to report (now when omitted)")
    ] = None,
) -> RealtimePublic:
    """Per queue: contacts waiting and the oldest wait (s), today's service level, speed of
    answer (s) and abandonment so far, the current interval's service level, and agents by
    current state (a supervisor sees only their teams' agents and queues)."""
    tz = settings.timezone
    now = local_instant(at, tz, "at")
    day_start = now.normalize()
    interval = now.floor(f"{INTERVAL_MINUTES}min")
    allowed_queues = scoped_queues(principal, store)
    allowed_agents = scoped_agents(principal, store)
    agents = store.read_agents()
    if allowed_agents is not None:
        agents = agents[agents["agent_id"].astype(str).isin(sorted(allowed_agents))]
    queues_filter = None if allowed_queues is None else sorted(allowed_queues)
    contacts = store.read_contacts(
        min(day_start, now - WAIT_LOOKBACK), now + pd.Timedelta(milliseconds=1), queues_filter
    )
    for column in ("arrived_at", "answered_at", "ended_at"):
        contacts[column] = contacts[column].dt.tz_convert(tz)
    waiting = _waiting(contacts, now)
    resolved = _resolved_today(contacts, day_start, now)
    history = (
        build_intervals(resolved, freq_minutes=INTERVAL_MINUTES, timezone=tz)
        if not resolved.empty
        else pd.DataFrame(columns=HISTORY_COLUMNS).astype({"queue": str, "offered": float})
    )
    agent_ids = [str(a) for a in agents["agent_id"]]
    states = _states_at(store, now, agent_ids) if agent_ids else {}
    main = {
        str(a): _main_queue(s) for a, s in zip(agents["agent_id"], agents["skills"], strict=True)
    }
    queue_names = set(contacts["queue"].astype(str)) | {q for q in main.values() if q}
    if allowed_queues is not None:
        queue_names &= allowed_queues
    by_queue: dict[str, dict[str, int]] = {}
    for agent, state in states.items():
        queue = main.get(agent)
        if queue is not None:
            counts = by_queue.setdefault(queue, {})
            counts[state] = counts.get(state, 0) + 1
    totals: dict[str, int] = {}
    for state in states.values():
        totals[state] = totals.get(state, 0) + 1
    return RealtimePublic(
        at=now.isoformat(),
        interval_start=interval.isoformat(),
        queues=[
            _queue_now(q, waiting, history, interval, now, by_queue.get(q, {}))
            for q in sorted(queue_names)
        ],
        agents=totals,
    )
