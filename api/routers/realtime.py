"""Live numbers for the wallboard: contacts waiting, today's service so far, agents by state.

The figures are computed by :mod:`features.measures.realtime` at one instant ``at`` (now by
default, any earlier instant to replay a day); this router parses the instant, scopes the caller,
reads the
store and converts the result to its response schema.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

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
from features.measures.realtime import WAIT_LOOKBACK, current_states, realtime_snapshot
from features.store.records_store import Store

router = APIRouter(prefix="/v1", tags=["history"])

READERS = ("admin", "planner", "supervisor")


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


def _states_at(store: Store, at: pd.Timestamp, agent_ids: list[str]) -> dict[str, str]:
    """Each agent's state in the span covering `at` (offline when none covers it)."""
    spans = store.read_agent_states(at, at + pd.Timedelta(milliseconds=1), agent_ids)
    return current_states(spans, agent_ids)


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
    allowed_queues = scoped_queues(principal, store)
    allowed_agents = scoped_agents(principal, store)
    agents = store.read_agents()
    if allowed_agents is not None:
        agents = agents[agents["agent_id"].astype(str).isin(sorted(allowed_agents))]
    queues_filter = None if allowed_queues is None else sorted(allowed_queues)
    contacts = store.read_contacts(
        min(now.normalize(), now - WAIT_LOOKBACK), now + pd.Timedelta(milliseconds=1), queues_filter
    )
    agent_ids = [str(a) for a in agents["agent_id"]]
    states = _states_at(store, now, agent_ids) if agent_ids else {}
    snapshot = realtime_snapshot(contacts, agents, states, now, tz, allowed_queues)
    return RealtimePublic(
        at=snapshot.at.isoformat(),
        interval_start=snapshot.interval_start.isoformat(),
        queues=[QueueNow(**asdict(figures)) for figures in snapshot.queues],
        agents=snapshot.agents,
    )
