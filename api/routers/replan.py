"""Editing a roster's rows, re-planning a published week (a job) and the changes a re-planned
roster makes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status

from api.auth import Principal, caller
from api.deps import JobsDep, ServiceStoreDep, StoreDep, roles_route
from api.people_deps import PeopleStoreDep
from api.roles import Resource
from api.schemas.common import INVALID, NOT_FOUND, ErrorPublic
from api.schemas.people import (
    AgentChangesPublic,
    ReplanAccepted,
    ReplanCreate,
    RowEdits,
    RowEditsPublic,
)
from api.scope import scoped_agents
from api.services.audit import audit_event
from api.services.notifications import notify_schedule_change
from api.services.replan import replan_scenario, roster_changes
from api.services.roster_edits import edit_roster

router = APIRouter(prefix="/v1", tags=["rosters"])

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The roster is not published"}
}


@router.post(
    "/rosters/{roster_id}/replan",
    status_code=status.HTTP_202_ACCEPTED,
    **roles_route(Resource.ROSTERS_REPLAN, responses={**NOT_FOUND, **CONFLICT}),
)
def replan_roster(
    roster_id: str,
    service: ServiceStoreDep,
    people: PeopleStoreDep,
    jobs: JobsDep,
    principal: Annotated[Principal, Depends(caller(Resource.ROSTERS_REPLAN))],
    body: Annotated[ReplanCreate | None, Body()] = None,
) -> ReplanAccepted:
    """Re-solve a published roster's week as a new roster: approved time off added, every
    published shift kept unless changing it buys coverage (a penalty per changed
    agent-interval), locked shifts fixed. Publish the result like any roster; its changes per
    agent are at ``changes_url``."""
    options = body or ReplanCreate()
    roster = service.get_roster(roster_id)
    if roster.published_at is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"roster '{roster_id}' is {roster.status}, not published"
        )
    locked = [lock.model_dump() for lock in options.locked]
    scenario, added = replan_scenario(roster, service, people, locked)
    new_id, job_id = uuid.uuid4().hex, uuid.uuid4().hex
    service.create_roster(new_id, scenario, job_id)
    jobs.submit(
        "roster",
        {
            "roster_id": new_id,
            "time_limit_s": options.time_limit_s,
            "seed": options.seed,
            "work_limit": options.work_limit,
        },
        key_id=principal.key_id,
        job_id=job_id,
    )
    people.add_audit(
        [
            audit_event(
                principal,
                "roster.replan",
                f"roster:{roster_id}",
                None,
                {"new_roster_id": new_id, "time_off_added": added, "locked": locked},
            )
        ]
    )
    return ReplanAccepted(
        roster_id=new_id,
        job_id=job_id,
        url=f"/v1/jobs/{job_id}",
        result_url=f"/v1/rosters/{new_id}",
        changes_url=f"/v1/rosters/{new_id}/changes",
        time_off_added=added,  # type: ignore[arg-type]
    )


@router.get(
    "/rosters/{roster_id}/changes",
    **roles_route(Resource.ROSTER_CHANGES_READ, responses=NOT_FOUND),
)
def read_roster_changes(
    roster_id: str,
    service: ServiceStoreDep,
    store: StoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.ROSTER_CHANGES_READ))],
) -> list[AgentChangesPublic]:
    """Every agent a re-planned roster changes from the shifts it kept, with the changed
    agent-intervals and the shifts removed and added (a supervisor: their teams' agents)."""
    scope = scoped_agents(principal, store)
    return [
        AgentChangesPublic(**change)
        for change in roster_changes(service.get_roster(roster_id))
        if scope is None or change["agent_id"] in scope
    ]


@router.patch(
    "/rosters/{roster_id}/rows",
    **roles_route(Resource.ROSTERS_EDIT, responses={**NOT_FOUND, **INVALID}),
)
def edit_roster_rows(
    roster_id: str,
    body: RowEdits,
    service: ServiceStoreDep,
    people: PeopleStoreDep,
    store: StoreDep,
    request: Request,
    principal: Annotated[Principal, Depends(caller(Resource.ROSTERS_EDIT))],
) -> RowEditsPublic:
    """Move, shorten, add or delete shifts, breaks and activities; refused naming every hard
    rule the edits would break (unless ``force``); a published roster's edited agents are
    published again at once."""
    edits = [e.model_dump() for e in body.edits]
    done = edit_roster(service, people, principal, roster_id, edits, body.force)
    if done["republished"]:
        message = f"published schedule of roster {roster_id} edited by a planner"
        notify_schedule_change(request.app, store, done["agents"], message)
    return RowEditsPublic(**done)
