"""Live numbers for the wallboard: contacts waiting, today's service so far, agents by state.

The figures are computed by :mod:`features.measures.realtime` at one instant ``at`` (now by
default, any earlier instant to replay a day); this router parses the instant, scopes the caller,
reads the store and converts the result to its response schema.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Query

from api.auth import Principal, caller
from api.deps import SettingsDep, StoreDep, roles_route
from api.params import local_instant
from api.roles import Resource
from api.schemas.common import INVALID
from api.schemas.realtime import (
    AgentNowPublic,
    AgentsNowPublic,
    QueueNow,
    RealtimePublic,
    TrendPointPublic,
)
from api.scope import scoped_agents, scoped_queues
from features.measures.realtime import (
    WAIT_LOOKBACK,
    QueueFigures,
    agents_now,
    current_states,
    realtime_snapshot,
)
from features.store.records_store import Store
from scheduling.channels import CHANNEL_STANDARDS

router = APIRouter(prefix="/v1", tags=["history"])


def _states_at(store: Store, at: pd.Timestamp, agent_ids: list[str]) -> dict[str, str]:
    """Each agent's state in the span covering `at` (offline when none covers it)."""
    spans = store.read_agent_states(at, at + pd.Timedelta(milliseconds=1), agent_ids)
    return current_states(spans, agent_ids)


@router.get("/realtime", **roles_route(Resource.REALTIME_READ, responses=INVALID))
def read_realtime(
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.REALTIME_READ))],
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
        now.normalize() - WAIT_LOOKBACK, now + pd.Timedelta(milliseconds=1), queues_filter
    )
    agent_ids = [str(a) for a in agents["agent_id"]]
    states = _states_at(store, now, agent_ids) if agent_ids else {}
    targets = {c: s.service_level for c, s in CHANNEL_STANDARDS.items()}
    snapshot = realtime_snapshot(contacts, agents, states, now, tz, allowed_queues, targets)
    return RealtimePublic(
        at=snapshot.at.isoformat(),
        interval_start=snapshot.interval_start.isoformat(),
        queues=[_queue_now(figures) for figures in snapshot.queues],
        agents=snapshot.agents,
    )


def _queue_now(figures: QueueFigures) -> QueueNow:
    fields = asdict(figures)
    fields["trend"] = [
        TrendPointPublic(**{**asdict(p), "interval_start": p.interval_start.isoformat()})
        for p in figures.trend
    ]
    return QueueNow(**fields)


@router.get("/realtime/agents", **roles_route(Resource.REALTIME_READ, responses=INVALID))
def read_realtime_agents(
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.REALTIME_READ))],
    at: Annotated[
        datetime | None, Query(description="The instant to report (now when omitted)")
    ] = None,
    queue: Annotated[str | None, Query(max_length=128, description="Only this main queue")] = None,
) -> AgentsNowPublic:
    """Every agent in scope with current state and since when, team and main queue (who is
    available to help, on the supervisor's phone)."""
    tz = settings.timezone
    now = local_instant(at, tz, "at")
    agents = store.read_agents()
    allowed = scoped_agents(principal, store)
    if allowed is not None:
        agents = agents[agents["agent_id"].astype(str).isin(sorted(allowed))]
    ids = [str(a) for a in agents["agent_id"]]
    spans = store.read_agent_states(now, now + pd.Timedelta(milliseconds=1), ids) if ids else None
    found = [] if spans is None else agents_now(spans, agents)
    return AgentsNowPublic(
        at=now.isoformat(),
        agents=[
            AgentNowPublic(
                **{
                    **asdict(row),
                    "since": None if row.since is None else row.since.tz_convert(tz).isoformat(),
                }
            )
            for row in found
            if queue is None or row.queue == queue
        ],
    )
