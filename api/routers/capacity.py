"""Capacity plans: plan a long-range scenario as a job, list plans, read one.

A plan is a job of kind ``capacity`` whose result is the plan's report; its id is the job's id.
Planners and admins create plans; supervisors read them, limited to the skills (queues) their
teams work.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, status

from api.auth import Principal, caller
from api.deps import JobsDep, ServiceStoreDep, StoreDep, roles_route
from api.roles import SUPERVISOR, Resource
from api.schemas.capacity import (
    CapacityPlanAccepted,
    CapacityPlanListedPublic,
    CapacityPlanPublic,
    CapacityPlansPublic,
    CapacityReportPublic,
)
from api.schemas.common import INVALID, NOT_FOUND
from api.scope import scoped_queues
from api.services.job_checks import check_stored_queues, queues_without_contacts
from features.errors import FieldError, InvalidInput, NotFound
from features.store.service_store import as_utc
from features.store.tables.service import Job
from scheduling.capacity.scenario import EXAMPLE_SCENARIO, load_capacity_scenario

router = APIRouter(prefix="/v1", tags=["capacity"])

JOB_KIND = "capacity"
LIST_LIMIT = 50


@router.post(
    "/capacity-plans",
    status_code=status.HTTP_202_ACCEPTED,
    **roles_route(Resource.CAPACITY_PLAN, responses=INVALID),
)
def create_capacity_plan(
    scenario: Annotated[
        dict[str, Any],
        Body(
            description="The long-range planning problem (docs/capacity.md)",
            examples=[EXAMPLE_SCENARIO],
        ),
    ],
    jobs: JobsDep,
    store: StoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.CAPACITY_PLAN))],
) -> CapacityPlanAccepted:
    """Check the scenario (422 listing every broken field, and each queue without stored
    contacts) and plan it as a job, from the stored contacts and (with ``"agents": "stored"``)
    the stored agents."""
    parsed = load_capacity_scenario(scenario)
    if parsed.history.source != "contacts":
        raise InvalidInput(
            "the service plans from the stored contacts; a history file is for the CLI",
            [FieldError(None, "history.source", "must be 'contacts'", parsed.history.source)],
        )
    check_stored_queues(store, parsed.history.queues, "history.queues")
    missing = queues_without_contacts(store, list(parsed.queues))
    if missing:
        rule = "no contacts stored for this queue (plan it as a what-if new queue instead)"
        raise InvalidInput(
            "no history for some queues",
            [FieldError(None, f"queues.{q}", rule, q) for q in parsed.queues if q in missing],
        )
    plan_id = uuid.uuid4().hex
    params = {
        "scenario": parsed.model_dump(mode="json"),
        "name": parsed.name,
        "horizon_weeks": parsed.horizon_weeks,
        "start_week": parsed.start_week.isoformat() if parsed.start_week else None,
        "scenarios": [w.name for w in parsed.scenarios],
    }
    jobs.submit(JOB_KIND, params, key_id=principal.key_id, job_id=plan_id)
    return CapacityPlanAccepted(
        plan_id=plan_id,
        job_id=plan_id,
        url=f"/v1/jobs/{plan_id}",
        result_url=f"/v1/capacity-plans/{plan_id}",
    )


@router.get("/capacity-plans", **roles_route(Resource.CAPACITY_READ))
def read_capacity_plans(
    service: ServiceStoreDep,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT, description="How many, newest first")] = 20,
) -> CapacityPlansPublic:
    """The latest capacity plans (state and settings, no report)."""
    return CapacityPlansPublic(plans=[_listed(job) for job in service.list_jobs(JOB_KIND, limit)])


def _listed(job: Job) -> CapacityPlanListedPublic:
    params = job.params or {}
    return CapacityPlanListedPublic(
        plan_id=job.job_id,
        name=str(params.get("name") or job.job_id),
        state=job.state,  # type: ignore[arg-type]
        percent=job.percent,
        created_at=as_utc(job.created_at),  # type: ignore[arg-type]
        horizon_weeks=params.get("horizon_weeks"),
        start_week=params.get("start_week"),
        scenarios=list(params.get("scenarios") or []),
    )


@router.get("/capacity-plans/{plan_id}", **roles_route(Resource.CAPACITY_READ, responses=NOT_FOUND))
def read_capacity_plan(
    plan_id: str,
    service: ServiceStoreDep,
    store: StoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.CAPACITY_READ))],
) -> CapacityPlanPublic:
    """A capacity plan's state and, once planned, its report (a supervisor sees the skills
    their teams work)."""
    job = service.get_job(plan_id)
    if job.kind != JOB_KIND:
        raise NotFound(f"capacity plan '{plan_id}' does not exist")
    report = None
    if job.state == "done" and isinstance(job.result, dict):
        allowed = scoped_queues(principal, store) if principal.role == SUPERVISOR else None
        report = CapacityReportPublic.model_validate(_scoped(job.result, allowed))
    return CapacityPlanPublic(
        plan_id=job.job_id,
        name=str((job.params or {}).get("name") or job.job_id),
        state=job.state,  # type: ignore[arg-type]
        percent=job.percent,
        message=job.message,
        error=job.error,
        created_at=as_utc(job.created_at),  # type: ignore[arg-type]
        updated_at=as_utc(job.updated_at),  # type: ignore[arg-type]
        report=report,
    )


def _scoped(report: dict[str, Any], queues: set[str] | None) -> dict[str, Any]:
    """The report limited to `queues` (None: all): forecast rows, weekly rows and classes
    teaching one of them; totals are the whole plan's."""
    if queues is None:
        return report

    def mine(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        return [r for r in rows if str(r.get(key)) in queues]

    forecast = report["forecast"]
    return {
        **report,
        "queues": [q for q in report["queues"] if q in queues],
        "forecast": {
            **forecast,
            "weekly": mine(forecast["weekly"], "queue"),
            "monthly": mine(forecast["monthly"], "queue"),
            "history": mine(forecast["history"], "queue"),
        },
        "scenarios": [
            {
                **s,
                "weekly": mine(s["weekly"], "skill"),
                "classes": [c for c in s["classes"] if set(str(c["skills"]).split("+")) & queues],
            }
            for s in report["scenarios"]
        ],
    }
