"""Routing: the published routing plan at a moment, and real-time contact-to-agent pairing.

Both endpoints answer from memory (:mod:`api.services.routing_cache`): the plan, skills and callers'
keys are cached and refreshed at most once a second, so a routing engine can call them
hundreds of times a second.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime

from api.deps import roles_route
from api.params import utc_instant
from api.roles import Resource
from api.schemas.common import INVALID
from api.schemas.routing import (
    AssignmentPublic,
    PlanEntryPublic,
    RoutingAssignCreate,
    RoutingAssignPublic,
    RoutingPlanPublic,
    UnassignedPublic,
)
from api.services.routing_cache import current_snapshot, plan_queues_at, planned_at
from scheduling.routing.assign import AvailableAgent, WaitingContact, route_contacts

router = APIRouter(prefix="/v1/routing", tags=["routing"])


def _route() -> dict[str, Any]:
    """Routing keys (looked up through the key cache); 422 on bad input."""
    return roles_route(Resource.ROUTING, responses=INVALID, cached=True)


@router.get("/plan", response_model=RoutingPlanPublic, **_route())
async def read_routing_plan(
    request: Request,
    at: Annotated[
        AwareDatetime | None, Query(description="Instant with offset; now when absent")
    ] = None,
) -> RoutingPlanPublic:
    """Which activity and queue each rostered agent has at `at`, by the published roster."""
    instant = utc_instant(at)
    snapshot = await current_snapshot(request.app)
    planned = await planned_at(request.app, snapshot, instant)
    return RoutingPlanPublic(
        at=instant.to_pydatetime(),
        agents=[
            PlanEntryPublic(agent_id=agent_id, activity=p.activity, queue=p.queue)
            for agent_id, p in sorted(planned.items())
        ],
    )


@router.post("/assign", response_model=RoutingAssignPublic, **_route())
async def create_routing_assignments(
    request: Request, body: RoutingAssignCreate
) -> RoutingAssignPublic:
    """Pair waiting contacts with available agents.

    Contacts are served by priority, then longest wait. An agent takes a contact only when the
    queue is in its skills and is the queue its published plan gives it now (an agent with no
    plan queue at that moment — not rostered, or on a break yet available — may take any queue
    in its skills). The best proficiency wins, then the longest idle; each agent at most once.
    """
    instant = utc_instant(body.at)
    snapshot = await current_snapshot(request.app)
    plan = await plan_queues_at(request.app, snapshot, instant)
    decision = route_contacts(
        [WaitingContact(c.contact_id, c.queue, c.wait_s, c.priority) for c in body.contacts],
        [AvailableAgent(a.agent_id, a.idle_s) for a in body.agents],
        plan,
        snapshot.skills,
        snapshot.queue_priority,
    )
    return RoutingAssignPublic(
        at=instant.to_pydatetime(),
        assignments=[
            AssignmentPublic(
                contact_id=a.contact_id,
                agent_id=a.agent_id,
                queue=a.queue,
                proficiency=a.proficiency,
            )
            for a in decision.assignments
        ],
        unassigned=[
            UnassignedPublic(contact_id=u.contact_id, queue=u.queue, reason=u.reason)
            for u in decision.unassigned
        ],
    )
