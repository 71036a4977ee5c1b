"""Agents as a resource: list (filter by team, skill, site; paged) and read one, by scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import Principal, caller
from api.deps import StoreDep, roles_route
from api.people_deps import PeopleStoreDep
from api.roles import Resource
from api.schemas.common import NOT_FOUND
from api.schemas.people import (
    MAX_OFFSET,
    MAX_PAGE,
    AgentPage,
    AgentPublic,
    NotificationPublic,
    next_offset,
)
from api.scope import forbid_outside, scoped_agents
from api.services.agent_directory import AgentFilter, list_agents, read_agent
from api.services.notifications import agent_notifications

router = APIRouter(prefix="/v1", tags=["people"])

ReaderDep = Annotated[Principal, Depends(caller(Resource.AGENTS_READ))]


@router.get("/agents", **roles_route(Resource.AGENTS_READ))
def read_agents(
    store: StoreDep,
    principal: ReaderDep,
    team: Annotated[str | None, Query(max_length=100)] = None,
    skill: Annotated[str | None, Query(max_length=100, description="A queue name")] = None,
    site: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AgentPage:
    """Stored agents matching every given filter, ordered by id (an agent sees only themself,
    a supervisor the agents of their teams)."""
    agents = list_agents(
        store, AgentFilter(team=team, skill=skill, site=site), scoped_agents(principal, store)
    )
    page = agents[offset : offset + limit]
    return AgentPage(
        items=[AgentPublic(**a) for a in page],
        total=len(agents),
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, limit, len(agents)),
    )


@router.get("/agents/{agent_id}", **roles_route(Resource.AGENTS_READ, responses=NOT_FOUND))
def read_one_agent(agent_id: str, store: StoreDep, principal: ReaderDep) -> AgentPublic:
    """One stored agent (403 outside the caller's scope, 404 when unknown)."""
    forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    return AgentPublic(**read_agent(store, agent_id))


@router.get(
    "/agents/{agent_id}/notifications",
    **roles_route(Resource.NOTIFICATIONS_READ, responses=NOT_FOUND),
)
def read_notifications(
    agent_id: str,
    store: StoreDep,
    people: PeopleStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.NOTIFICATIONS_READ))],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
) -> list[NotificationPublic]:
    """The newest changes to the agent's requests and published schedule (decisions, swaps,
    edits), newest first."""
    forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    return [NotificationPublic(**n) for n in agent_notifications(people, agent_id, limit)]
