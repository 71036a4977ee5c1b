"""Interval histories and the KPI drill-down (center → queues → teams → agents); the roll-ups
are computed by :mod:`features.measures.kpis`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, NoReturn
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from api.auth import Principal, caller
from api.deps import SettingsDep, StoreDep, roles_route
from api.params import MAX_RANGE_DAYS, QueuesQuery, checked_range, queues_in_scope, valid_timezone
from api.roles import AGENT, SUPERVISOR, Resource
from api.schemas.common import INVALID, frame_records
from api.schemas.forecasts import IntervalMinutes
from api.schemas.history import (
    IntervalPublic,
    IntervalsPublic,
    KpiChild,
    KpiLevel,
    KpiPublic,
    KpiValues,
)
from api.scope import forbid_outside, scoped_agents, scoped_queues
from api.services.read_cache import cached_json
from features.errors import FieldError, InvalidInput
from features.measures.intervals import build_intervals
from features.measures.kpis import KpiTotals, kpi_rollup
from features.store.cache_versions import RECORDS
from features.store.records_store import Store

router = APIRouter(prefix="/v1", tags=["history"])

CHILD_LEVEL: dict[str, KpiLevel | None] = {
    "center": "queue",
    "queue": "team",
    "team": "agent",
    "agent": None,
}


def _clipped_states(store: Store, low: pd.Timestamp, high: pd.Timestamp) -> pd.DataFrame:
    """Agent-state spans overlapping the range, cut to it."""
    states = store.read_agent_states(low, high)
    if states.empty:
        return states
    states["started_at"] = states["started_at"].clip(lower=low.tz_convert("UTC"))
    states["ended_at"] = states["ended_at"].clip(upper=high.tz_convert("UTC"))
    return states


@router.get(
    "/intervals",
    response_model=IntervalsPublic,
    **roles_route(Resource.INTERVALS_READ, responses=INVALID),
)
def read_intervals(
    request: Request,
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.INTERVALS_READ))],
    queue: QueuesQuery = None,
    freq: Annotated[IntervalMinutes, Query(description="Interval length, minutes")] = 15,
    timezone: Annotated[str | None, Query(description="Site zone of the intervals")] = None,
) -> Response:
    """Interval history of the stored contacts in ``[start, end)`` (a supervisor sees only
    the queues their teams serve). Intervals without contacts are absent (volume 0).

    Answers are kept in memory until contacts, agent states or agents change
    (:mod:`api.services.read_cache`)."""
    tz = valid_timezone(timezone or settings.timezone)
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    return cached_json(
        request,
        principal,
        (RECORDS,),
        lambda: _intervals(store, principal, low, high, queue, freq, tz),
    )


def _intervals(
    store: Store,
    principal: Principal,
    low: pd.Timestamp,
    high: pd.Timestamp,
    queue: list[str] | None,
    freq: int,
    tz: str,
) -> IntervalsPublic:
    contacts = store.read_contacts(low, high, queues_in_scope(principal, store, queue))
    if contacts.empty:
        return IntervalsPublic(rows=[])
    states = _clipped_states(store, low, high)
    history = build_intervals(
        contacts,
        freq_minutes=freq,
        timezone=tz,
        agent_states=None if states.empty else states,
    )
    return IntervalsPublic(rows=[IntervalPublic(**r) for r in frame_records(history)])


def _values(totals: KpiTotals) -> KpiValues:
    return KpiValues(**asdict(totals))


def _link(level: str, node: str, low: pd.Timestamp, high: pd.Timestamp) -> str:
    query = {"level": level, "id": node, "start": low.isoformat(), "end": high.isoformat()}
    return f"/v1/kpis?{urlencode(query)}"


@router.get("/kpis", response_model=KpiPublic, **roles_route(Resource.KPIS_READ, responses=INVALID))
def read_kpis(
    request: Request,
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.KPIS_READ))],
    level: KpiLevel = "center",
    id: Annotated[str | None, Query(description="Queue, team or agent id (not for center)")] = None,
) -> Response:
    """KPIs of one node and its children, each child linking to its own page: center →
    queues → teams (of the agents who handled the queue's contacts) → agents. A supervisor
    sees only their teams (and their queues), an agent only themself.

    Answers are kept in memory until contacts, agent states or agents change
    (:mod:`api.services.read_cache`)."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    if level != "center" and not id:
        raise InvalidInput("missing id", [FieldError(None, "id", f"required for level {level}")])
    node = None if level == "center" else id
    _check_scope(principal, store, level, node)
    return cached_json(
        request, principal, (RECORDS,), lambda: _kpis(store, principal, level, node, low, high, tz)
    )


def _kpis(
    store: Store,
    principal: Principal,
    level: KpiLevel,
    node: str | None,
    low: pd.Timestamp,
    high: pd.Timestamp,
    tz: str,
) -> KpiPublic:
    agents = store.read_agents()
    team_of = dict(zip(agents["agent_id"].astype(str), agents["team"], strict=True))
    contacts = store.read_contacts(low, high, [node] if level == "queue" and node else None)
    contacts["team"] = contacts["agent_id"].map(team_of)
    visible = set(principal.teams) if principal.role == SUPERVISOR and level == "queue" else None
    states = _clipped_states(store, low, high) if level in ("team", "agent") and node else None
    rollup = kpi_rollup(
        contacts,
        level=level,
        node=node,
        timezone=tz,
        team_of=team_of,
        agent_states=states,
        visible_children=visible,
    )
    child_level = CHILD_LEVEL[level]
    return KpiPublic(
        level=level,
        id=node,
        start=low.isoformat(),
        end=high.isoformat(),
        kpis=_values(rollup.totals),
        children=[
            KpiChild(
                level=child_level,
                id=name,
                kpis=_values(values),
                url=_link(child_level, name, low, high) if child_level else None,
            )
            for name, values in sorted(rollup.children.items())
            if child_level is not None
        ],
    )


def _check_scope(principal: Principal, store: Store, level: str, node: str | None) -> None:
    if principal.role not in (SUPERVISOR, AGENT):
        return
    if principal.role == AGENT:
        if level != "agent":
            raise_forbidden("an agent key reads only its own agent KPIs")
        forbid_outside(scoped_agents(principal, store), str(node), "agent")
        return
    if level == "center":
        raise_forbidden("a supervisor key reads its queues, teams and agents, not the center")
    if level == "queue":
        forbid_outside(scoped_queues(principal, store), str(node), "queue")
    elif level == "team":
        forbid_outside(set(principal.teams), str(node), "team")
    else:
        forbid_outside(scoped_agents(principal, store), str(node), "agent")


def raise_forbidden(detail: str) -> NoReturn:
    """403 with `detail`."""
    raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=detail)
