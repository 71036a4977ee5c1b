"""Week plans: ``POST /v1/plans`` plans a week from the stored agents and contacts as a job.

The job (kind ``plan``, :func:`api.services.plan_tasks.run_week_plan`) forecasts the week,
derives risk-aware requirements, solves the roster and checks it in simulation; its result is
the plan's report and its roster (same id as the job) is read and published under
``/v1/rosters/{id}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.auth import Principal, caller
from api.deps import JobsDep, SettingsDep, StoreDep, roles_route
from api.params import valid_timezone
from api.roles import Resource
from api.schemas.common import INVALID
from api.schemas.plans import PlanAccepted, PlanCreate
from api.services.job_checks import check_stored_queues

router = APIRouter(prefix="/v1", tags=["rosters"])

JOB_KIND = "plan"


@router.post(
    "/plans",
    status_code=status.HTTP_202_ACCEPTED,
    **roles_route(Resource.ROSTERS_PLAN, responses=INVALID),
)
def create_plan(
    body: PlanCreate,
    jobs: JobsDep,
    settings: SettingsDep,
    store: StoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.ROSTERS_PLAN))],
) -> PlanAccepted:
    """Check the request (422 naming each broken field: unknown model or queue, ...) and plan
    the week as a job."""
    params = body.model_dump(mode="json")
    params["timezone"] = valid_timezone(body.timezone or settings.timezone)
    check_stored_queues(store, body.queues)
    job = jobs.submit(JOB_KIND, params, key_id=principal.key_id)
    return PlanAccepted(
        plan_id=job.job_id,
        job_id=job.job_id,
        url=f"/v1/jobs/{job.job_id}",
        result_url=f"/v1/rosters/{job.job_id}",
    )
