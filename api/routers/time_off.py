"""Time off: requests (an agent's own), decisions, allotments per team and day, balances."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.auth import Principal, caller
from api.deps import StoreDep, roles_route
from api.people_deps import PeopleStoreDep
from api.roles import Resource
from api.schemas.common import INVALID, NOT_FOUND, ErrorPublic
from api.schemas.people import (
    MAX_ID,
    MAX_OFFSET,
    MAX_PAGE,
    AllotmentPublic,
    AllotmentPut,
    BalancePublic,
    TimeOffCreate,
    TimeOffDecision,
    TimeOffPage,
    TimeOffPublic,
    TimeOffState,
    next_offset,
)
from api.scope import forbid_outside, scoped_agents
from api.services.time_off import (
    cancel_time_off,
    decide_time_off,
    leave_balance,
    request_time_off,
    set_allotments,
)
from features.store.people_store import PeopleStore
from features.store.service_store import as_utc
from features.store.tables.people import TimeOffRequestRow

router = APIRouter(prefix="/v1", tags=["people"])

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "Already decided, or the allotment is full"}
}
Requester = Annotated[Principal, Depends(caller(Resource.TIME_OFF_REQUEST))]
Decider = Annotated[Principal, Depends(caller(Resource.TIME_OFF_DECIDE))]


def time_off_public(
    row: TimeOffRequestRow, positions: dict[int, int] | None = None
) -> TimeOffPublic:
    """The API view of a request; `positions` (request id -> waitlist place) when known."""
    return TimeOffPublic(
        id=row.id,
        agent_id=row.agent_id,
        team=row.team,
        first_day=dt.date.fromisoformat(row.first_day),
        last_day=dt.date.fromisoformat(row.last_day),
        start_time=row.start_time,
        end_time=row.end_time,
        minutes=row.minutes,
        note=row.note,
        state=row.state,  # type: ignore[arg-type]
        waitlist_position=(positions or {}).get(row.id),
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        decided_at=as_utc(row.decided_at),
        requested_by=row.requested_by,
        created_at=as_utc(row.created_at),  # type: ignore[arg-type]
    )


def _with_position(people: PeopleStore, row: TimeOffRequestRow) -> TimeOffPublic:
    positions = people.waitlist_positions(row.team) if row.state == "waitlisted" else None
    return time_off_public(row, positions)


@router.post(
    "/time-off-requests",
    status_code=201,
    **roles_route(Resource.TIME_OFF_REQUEST, responses={**INVALID, **NOT_FOUND}),
)
def create_time_off_request(
    body: TimeOffCreate, people: PeopleStoreDep, store: StoreDep, principal: Requester
) -> TimeOffPublic:
    """Ask for whole days or part of a day off (an agent for themself); the answer says
    whether it holds a place (``pending``) or waits for one (``waitlisted``, with its
    position)."""
    row = request_time_off(people, store, principal, body.model_dump())
    return _with_position(people, row)


@router.get("/time-off-requests", **roles_route(Resource.TIME_OFF_REQUEST))
def read_time_off_requests(
    people: PeopleStoreDep,
    store: StoreDep,
    principal: Requester,
    agent_id: Annotated[str | None, Query(max_length=100)] = None,
    state: Annotated[list[TimeOffState] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> TimeOffPage:
    """Requests newest first (an agent: their own; a supervisor: their teams' agents)."""
    scope = scoped_agents(principal, store)
    if agent_id is not None:
        forbid_outside(scope, agent_id, "agent")
        scope = {agent_id}
    rows, total = people.list_time_off(scope, state, offset, limit)
    teams = {r.team for r in rows if r.state == "waitlisted"}
    positions = {k: v for team in teams for k, v in people.waitlist_positions(team).items()}
    return TimeOffPage(
        items=[time_off_public(r, positions) for r in rows],
        total=total,
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, limit, total),
    )


@router.get(
    "/time-off-requests/{request_id}",
    **roles_route(Resource.TIME_OFF_REQUEST, responses=NOT_FOUND),
)
def read_time_off_request(
    request_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    people: PeopleStoreDep,
    store: StoreDep,
    principal: Requester,
) -> TimeOffPublic:
    """One request (within the caller's scope)."""
    row = people.get_time_off(request_id)
    forbid_outside(scoped_agents(principal, store), row.agent_id, "agent")
    return _with_position(people, row)


@router.post(
    "/time-off-requests/{request_id}/decision",
    **roles_route(Resource.TIME_OFF_DECIDE, responses={**INVALID, **NOT_FOUND, **CONFLICT}),
)
def decide_time_off_request(
    request_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: TimeOffDecision,
    people: PeopleStoreDep,
    store: StoreDep,
    principal: Decider,
) -> TimeOffPublic:
    """Approve or deny a pending or waitlisted request with a reason (a supervisor: their
    teams' agents). Denying a pending request grants the first waiting ones that now fit."""
    row = decide_time_off(people, store, principal, request_id, body.approve, body.reason)
    return time_off_public(row)


@router.post(
    "/time-off-requests/{request_id}/cancel",
    **roles_route(Resource.TIME_OFF_REQUEST, responses={**NOT_FOUND, **CONFLICT}),
)
def cancel_time_off_request(
    request_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    people: PeopleStoreDep,
    store: StoreDep,
    principal: Requester,
) -> TimeOffPublic:
    """Withdraw an open request; its place goes to the first waiting requests that fit."""
    return time_off_public(cancel_time_off(people, store, principal, request_id))


@router.put(
    "/time-off-allotments",
    **roles_route(Resource.ALLOTMENTS_MANAGE, responses=INVALID),
)
def put_time_off_allotments(
    body: AllotmentPut,
    people: PeopleStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.ALLOTMENTS_MANAGE))],
) -> list[TimeOffPublic]:
    """Cap a team at ``max_off`` agents off on each day; answers the waiting requests a raised
    cap granted."""
    granted = set_allotments(people, principal, body.team, body.days, body.max_off)
    return [time_off_public(r) for r in granted]


@router.get("/time-off-allotments", **roles_route(Resource.ALLOTMENTS_READ, responses=INVALID))
def read_time_off_allotments(
    people: PeopleStoreDep,
    first_day: dt.date,
    last_day: dt.date,
    team: Annotated[str | None, Query(max_length=100)] = None,
) -> list[AllotmentPublic]:
    """The allotted days in ``[first_day, last_day]`` and how many places each has taken."""
    rows = people.read_allotments(team, first_day.isoformat(), last_day.isoformat())
    return [
        AllotmentPublic(team=t, day=dt.date.fromisoformat(d), max_off=m, taken=n)
        for t, d, m, n in rows
    ]


@router.get(
    "/agents/{agent_id}/time-off-balance",
    **roles_route(Resource.TIME_OFF_REQUEST, responses=NOT_FOUND),
)
def read_time_off_balance(
    agent_id: str,
    people: PeopleStoreDep,
    store: StoreDep,
    principal: Requester,
    year: Annotated[int | None, Query(ge=1970, le=2200)] = None,
) -> BalancePublic:
    """An agent's leave in a calendar year (this year by default), minutes."""
    forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    chosen = year or dt.datetime.now(dt.UTC).year
    return BalancePublic(**leave_balance(people, store, agent_id, chosen))
