"""Each agent's private calendar feed (``.ics``, RFC 5545) and its token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from api.auth import Principal, caller
from api.deps import ServiceStoreDep, StoreDep, public_route, roles_route
from api.params import checked_range
from api.people_deps import PeopleStoreDep
from api.roles import Resource
from api.schemas.common import NOT_FOUND
from api.schemas.people import CalendarTokenPublic
from api.scope import forbid_outside, scoped_agents
from api.services.agent_directory import read_agent
from api.services.audit import audit_event
from api.services.calendar_feed import (
    default_window,
    new_feed_token,
    schedule_calendar,
    token_opens,
)

router = APIRouter(prefix="/v1", tags=["people"])

Manager = Annotated[Principal, Depends(caller(Resource.CALENDAR_MANAGE))]
MAX_FEED_DAYS = 400
"""Longest span one feed request may ask for, days."""


@router.post(
    "/agents/{agent_id}/calendar-token",
    status_code=201,
    **roles_route(Resource.CALENDAR_MANAGE, responses=NOT_FOUND),
)
def create_calendar_token(
    agent_id: str, people: PeopleStoreDep, store: StoreDep, principal: Manager
) -> CalendarTokenPublic:
    """A new private feed URL for the agent (an agent: their own); the previous URL stops
    working."""
    forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    read_agent(store, agent_id)
    token = new_feed_token(people, agent_id)
    people.add_audit([audit_event(principal, "calendar.token", f"calendar:{agent_id}", agent_id)])
    return CalendarTokenPublic(
        agent_id=agent_id, token=token, url=f"/v1/agents/{agent_id}/calendar.ics?token={token}"
    )


@router.delete(
    "/agents/{agent_id}/calendar-token",
    status_code=204,
    **roles_route(Resource.CALENDAR_MANAGE, responses=NOT_FOUND),
)
def revoke_calendar_token(
    agent_id: str, people: PeopleStoreDep, store: StoreDep, principal: Manager
) -> Response:
    """Close the agent's feed: its URL answers 404 from now on."""
    forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    if not people.revoke_feed(agent_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"agent '{agent_id}' has no calendar feed")
    people.add_audit([audit_event(principal, "calendar.revoke", f"calendar:{agent_id}", agent_id)])
    return Response(status_code=204)


@router.get(
    "/agents/{agent_id}/calendar.ics",
    response_class=Response,
    **public_route(
        {
            200: {"content": {"text/calendar": {}}, "description": "RFC 5545 iCalendar"},
            **NOT_FOUND,
        }
    ),
)
def read_calendar(
    agent_id: str,
    people: PeopleStoreDep,
    service: ServiceStoreDep,
    token: Annotated[str, Query(min_length=1, max_length=200, description="The feed's token")],
    start: Annotated[dt.datetime | None, Query(description="Default: 60 days back")] = None,
    end: Annotated[dt.datetime | None, Query(description="Default: 180 days ahead")] = None,
) -> Response:
    """The agent's published schedule as an iCalendar feed, opened by its private token (a
    wrong or revoked token answers 404, telling nothing about the agent)."""
    if not token_opens(people, agent_id, token):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no calendar feed for this token")
    now = dt.datetime.now(dt.UTC)
    first, last = default_window(now)
    low, high = checked_range(start or first, end or last, "UTC", max_days=MAX_FEED_DAYS)
    rows = service.read_schedule([agent_id], low.to_pydatetime(), high.to_pydatetime())
    body = schedule_calendar(agent_id, rows, now)
    return Response(content=body, media_type="text/calendar; charset=utf-8")
