"""Rosters: solve a scenario as a job, read the result, publish it, read agents' schedules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response, status

from api.auth import Principal, caller
from api.deps import JobsDep, ServiceStoreDep, SettingsDep, StoreDep, roles_route
from api.params import checked_range, valid_timezone
from api.roles import Resource
from api.schemas.common import INFEASIBLE, INVALID, NOT_FOUND, ErrorPublic, frame_records
from api.schemas.rosters import (
    SCENARIO_EXAMPLE,
    PublishPublic,
    RosterAccepted,
    RosterPublic,
    RosterRowPublic,
    SchedulePublic,
)
from api.scope import forbid_outside, scoped_agents
from api.services.read_cache import cached_json
from api.services.roster_views import roster_public, roster_scope
from api.services.routing_cache import invalidate_routing_cache
from features.errors import Conflict, Infeasible
from features.schema import ROSTER_COLUMNS
from features.store.cache_versions import SCHEDULES
from scheduling.roster.scenario import load_scenario

router = APIRouter(prefix="/v1", tags=["rosters"])

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The roster is not solved (or infeasible)"}
}


@router.post(
    "/rosters",
    status_code=status.HTTP_202_ACCEPTED,
    **roles_route(Resource.ROSTERS_PLAN, responses=INVALID),
)
def create_roster(
    scenario: Annotated[
        dict[str, Any],
        Body(
            description="The week's planning problem (DESIGN.md, Scenario)",
            examples=[SCENARIO_EXAMPLE],
        ),
    ],
    jobs: JobsDep,
    service: ServiceStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.ROSTERS_PLAN))],
    time_limit_s: Annotated[float, Query(gt=0, le=600, description="Solver budget, seconds")] = 30,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1, description="CP-SAT random seed")] = 0,
    work_limit: Annotated[
        float | None,
        Query(
            gt=0,
            le=10_000,
            description="Search work (CP-SAT deterministic units); the same scenario, seed and "
            "work limit give the same roster. Default: scaled to the time limit",
        ),
    ] = None,
) -> RosterAccepted:
    """Check the scenario (422 listing every broken field) and start solving it as a job."""
    load_scenario(scenario)
    roster_id = uuid.uuid4().hex
    job_id = uuid.uuid4().hex
    service.create_roster(roster_id, scenario, job_id)
    jobs.submit(
        "roster",
        {
            "roster_id": roster_id,
            "time_limit_s": time_limit_s,
            "seed": seed,
            "work_limit": work_limit,
        },
        key_id=principal.key_id,
        job_id=job_id,
    )
    return RosterAccepted(
        roster_id=roster_id,
        job_id=job_id,
        url=f"/v1/jobs/{job_id}",
        result_url=f"/v1/rosters/{roster_id}",
    )


@router.get("/rosters/{roster_id}", **roles_route(Resource.ROSTERS_READ, responses=NOT_FOUND))
def read_roster(
    roster_id: str,
    service: ServiceStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.ROSTERS_READ))],
) -> RosterPublic:
    """A roster's status and, once solved, rows, coverage and objective breakdown (a
    supervisor sees only their teams' agents' rows and conflicts, and the coverage of the queues
    those agents hold skills for)."""
    roster = service.get_roster(roster_id)
    return roster_public(roster, roster_scope(roster, principal))


@router.post(
    "/rosters/{roster_id}/publish",
    **roles_route(Resource.ROSTERS_PLAN, responses={**NOT_FOUND, **INFEASIBLE, **CONFLICT}),
)
def publish_roster(roster_id: str, service: ServiceStoreDep, request: Request) -> PublishPublic:
    """Publish a solved roster: its rows replace the agents' schedules they overlap."""
    roster = service.get_roster(roster_id)
    if roster.status == "infeasible":
        conflicts = [Conflict(**c) for c in roster.conflicts or []]
        raise Infeasible(f"roster '{roster_id}' is infeasible and cannot be published", conflicts)
    if roster.status not in ("solved", "published"):
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail=f"roster '{roster_id}' is {roster.status}; only a solved roster is published",
        )
    rows = pd.DataFrame(roster.rows or [], columns=ROSTER_COLUMNS)
    written = service.publish_roster(roster_id, rows)
    invalidate_routing_cache(request.app)
    return PublishPublic(roster_id=roster_id, rows=written)


@router.get(
    "/agents/{agent_id}/schedule",
    response_model=SchedulePublic,
    **roles_route(Resource.AGENT_SCHEDULE_READ, responses=INVALID),
)
def read_schedule(
    request: Request,
    agent_id: str,
    start: datetime,
    end: datetime,
    service: ServiceStoreDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.AGENT_SCHEDULE_READ))],
    timezone: Annotated[
        str | None, Query(description="Zone of the answer's instants; the site's by default")
    ] = None,
) -> Response:
    """An agent's published activities overlapping ``[start, end)`` (an agent reads only
    their own; a supervisor only their teams' agents). Answers are kept in memory until the
    published schedules change (:mod:`api.services.read_cache`)."""
    forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    tz = valid_timezone(timezone or settings.timezone)
    low, high = checked_range(start, end, tz)

    def compute() -> SchedulePublic:
        rows = service.read_schedule([agent_id], low.to_pydatetime(), high.to_pydatetime())
        rows["start"] = rows["start"].dt.tz_convert(tz)
        rows["end"] = rows["end"].dt.tz_convert(tz)
        return SchedulePublic(
            agent_id=agent_id, rows=[RosterRowPublic(**r) for r in frame_records(rows)]
        )

    return cached_json(request, principal, (SCHEDULES,), compute)
