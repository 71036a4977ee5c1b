"""Rosters: solve a scenario as a job, read the result, publish it, read agents' schedules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response, status

from api.auth import Principal, caller
from api.deps import JobsDep, ServiceStoreDep, SettingsDep, StoreDep, roles_route
from api.params import checked_range, valid_timezone
from api.roles import SUPERVISOR, Resource
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
from api.services.routing_cache import invalidate_routing_cache
from features.errors import Conflict, Infeasible
from features.schema import ROSTER_COLUMNS
from features.store.cache_versions import SCHEDULES
from features.store.service_store import as_utc
from features.store.tables.service import Roster
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


def _scenario_agents_in(roster: Roster, teams: list[str]) -> dict[str, set[str]]:
    """Agents of the roster's scenario whose team is one of `teams`, each with the queues they
    hold skills for."""
    agents = roster.scenario.get("agents", []) if isinstance(roster.scenario, dict) else []
    return {
        str(a.get("agent_id")): {str(q) for q in a.get("skills") or {}}
        if isinstance(a.get("skills"), dict)
        else set()
        for a in agents
        if isinstance(a, dict) and a.get("team") in teams
    }


@dataclass(frozen=True)
class RosterScope:
    """What of a roster a caller sees: its agents and the queues they hold skills for (None:
    everything)."""

    agents: set[str] | None = None
    queues: set[str] | None = None

    def has_agent(self, agent_id: Any) -> bool:
        """Whether the agent's rows are shown."""
        return self.agents is None or str(agent_id) in self.agents

    def has_queue(self, queue: Any) -> bool:
        """Whether the queue's coverage is shown."""
        return self.queues is None or str(queue) in self.queues

    def has_conflict(self, conflict: dict[str, Any]) -> bool:
        """Whether a conflict is shown: one naming one of the agents (every conflict when the
        scope is everything; one naming no agent only then)."""
        if self.agents is None:
            return True
        return any(str(a) in self.agents for a in conflict.get("agents") or [])


EVERYTHING = RosterScope()


def roster_scope(roster: Roster, principal: Principal) -> RosterScope:
    """A supervisor sees their teams' agents of the roster's scenario and the queues those
    agents hold skills for; other roles see everything."""
    if principal.role != SUPERVISOR:
        return EVERYTHING
    mine = _scenario_agents_in(roster, principal.teams)
    return RosterScope(agents=set(mine), queues=set().union(*mine.values()))


def scoped_report(
    report: dict[str, Any] | None, agents: set[str] | None, queues: set[str] | None = None
) -> dict[str, Any] | None:
    """A roster's report with the per-agent parts (preferences, fairness) limited to `agents`
    and the per-queue parts (queues, gaps, hours short by skill) to `queues` (None: all)."""
    if report is None or (agents is None and queues is None):
        return report
    scoped = dict(report)
    if agents is not None:
        for part in ("preferences", "fairness"):
            scoped[part] = [r for r in report.get(part) or [] if str(r.get("agent_id")) in agents]
    if queues is not None:
        for part in ("queues", "gaps"):
            scoped[part] = [r for r in report.get(part) or [] if str(r.get("queue")) in queues]
        by_skill = report.get("hours_short_by_skill") or {}
        scoped["hours_short_by_skill"] = {q: h for q, h in by_skill.items() if q in queues}
    return scoped


def roster_public(roster: Roster, scope: RosterScope = EVERYTHING) -> RosterPublic:
    """The API view of a roster limited to `scope`: its agents' rows and conflicts, their
    queues' coverage and the report's parts about them."""
    rows = [r for r in roster.rows or [] if scope.has_agent(r.get("agent_id"))]
    coverage = [c for c in roster.coverage or [] if scope.has_queue(c.get("queue"))]
    conflicts = [c for c in roster.conflicts or [] if scope.has_conflict(c)]
    return RosterPublic(
        roster_id=roster.roster_id,
        status=roster.status,
        job_id=roster.job_id,
        solver_status=roster.solver_status,
        objective=roster.objective,
        objective_terms=roster.objective_terms,
        lower_bound=roster.lower_bound,
        gap=roster.gap,
        rows=[RosterRowPublic(**r) for r in rows],
        coverage=coverage,  # type: ignore[arg-type]
        conflicts=conflicts,  # type: ignore[arg-type]
        report=scoped_report(roster.report, scope.agents, scope.queues),
        created_at=as_utc(roster.created_at),  # type: ignore[arg-type]
        published_at=as_utc(roster.published_at),
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
