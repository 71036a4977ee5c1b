"""Shift swaps: offer a published shift, accept it (checked against every hard rule), decide."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.auth import Principal, caller
from api.deps import ServiceStoreDep, SettingsDep, StoreDep, roles_route
from api.people_deps import PeopleStoreDep
from api.roles import AGENT, Resource
from api.schemas.common import INVALID, NOT_FOUND, ErrorPublic
from api.schemas.people import MAX_ID, SwapCreate, SwapDecision, SwapPublic, SwapState
from api.scope import scoped_agents
from api.services.notifications import notify_schedule_change
from api.services.swaps import accept_swap, decide_swap, offer_swap, qualified
from features.errors import NotFound
from features.store.service_store import as_utc
from features.store.tables.people import SwapRow
from scheduling.roster.scenario import load_scenario

router = APIRouter(prefix="/v1", tags=["people"])

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "Not in a state for this, or roster unpublished"}
}
Trader = Annotated[Principal, Depends(caller(Resource.SWAPS_TRADE))]


def _notify(request: Request, store: StoreDep, swap: SwapRow) -> None:
    if swap.state == "approved":
        message = f"shift of {swap.date} moved from {swap.from_agent} to {swap.taken_by}"
        notify_schedule_change(request.app, store, [swap.from_agent, str(swap.taken_by)], message)


def swap_public(row: SwapRow) -> SwapPublic:
    """The API view of a swap."""
    return SwapPublic(
        id=row.id,
        roster_id=row.roster_id,
        date=dt.date.fromisoformat(row.date),
        from_agent=row.from_agent,
        to_agent=row.to_agent,
        taken_by=row.taken_by,
        state=row.state,  # type: ignore[arg-type]
        coverage_change=row.coverage_change,  # type: ignore[arg-type]
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        created_at=as_utc(row.created_at),  # type: ignore[arg-type]
        updated_at=as_utc(row.updated_at),  # type: ignore[arg-type]
    )


@router.post(
    "/swaps",
    status_code=201,
    **roles_route(Resource.SWAPS_TRADE, responses={**INVALID, **NOT_FOUND, **CONFLICT}),
)
def create_swap(
    body: SwapCreate,
    people: PeopleStoreDep,
    service: ServiceStoreDep,
    store: StoreDep,
    principal: Trader,
) -> SwapPublic:
    """Offer a published shift to a named colleague (checked at once: 422 naming the broken
    rule) or to anyone qualified (``to_agent`` null)."""
    return swap_public(offer_swap(people, service, store, principal, body.model_dump()))


@router.get("/swaps", **roles_route(Resource.SWAPS_TRADE))
def read_swaps(
    people: PeopleStoreDep,
    service: ServiceStoreDep,
    store: StoreDep,
    principal: Trader,
    state: Annotated[list[SwapState] | None, Query()] = None,
) -> list[SwapPublic]:
    """Swaps newest first: an agent sees their own offers, those made to them and open offers
    they are qualified for; a supervisor their teams' agents'."""
    rows = people.list_swaps(state)
    scope = scoped_agents(principal, store)
    if scope is None:
        return [swap_public(r) for r in rows]
    mine = [r for r in rows if {r.from_agent, r.to_agent, r.taken_by} & scope]
    if principal.role == AGENT and principal.agent_id:
        for row in rows:
            if row.to_agent is None and row.state == "offered" and row not in mine:
                try:
                    roster = service.get_roster(row.roster_id)
                except NotFound:
                    continue
                if qualified(roster, load_scenario(roster.scenario), row, principal.agent_id):
                    mine.append(row)
    return [swap_public(r) for r in sorted(mine, key=lambda r: -r.id)]


@router.post(
    "/swaps/{swap_id}/accept",
    **roles_route(Resource.SWAPS_TRADE, responses={**INVALID, **NOT_FOUND, **CONFLICT}),
)
def accept_offered_swap(
    swap_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    people: PeopleStoreDep,
    service: ServiceStoreDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: Trader,
    request: Request,
) -> SwapPublic:
    """Take an offered shift (the named colleague, or anyone for an open offer): refused with
    the broken rule named, applied at once when automatic approval is on and coverage holds."""
    swap = accept_swap(people, service, principal, swap_id, settings.swap_auto_approve)
    _notify(request, store, swap)
    return swap_public(swap)


@router.post(
    "/swaps/{swap_id}/decision",
    **roles_route(Resource.SWAPS_DECIDE, responses={**INVALID, **NOT_FOUND, **CONFLICT}),
)
def decide_accepted_swap(
    swap_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: SwapDecision,
    people: PeopleStoreDep,
    service: ServiceStoreDep,
    store: StoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.SWAPS_DECIDE))],
    request: Request,
) -> SwapPublic:
    """Approve (rules checked again, the roster's rows rewritten and published) or deny."""
    swap = decide_swap(people, service, store, principal, swap_id, body.approve, body.reason)
    _notify(request, store, swap)
    return swap_public(swap)
