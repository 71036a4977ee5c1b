"""Background jobs: state, percent complete and result link of the caller's own jobs (admins:
every job), and cancelling them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import Principal, caller
from api.deps import ServiceStoreDep, roles_route
from api.roles import Resource
from api.schemas.common import NOT_FOUND, ErrorPublic
from api.schemas.jobs import JobKind, JobPublic, JobsPublic
from api.services.jobs import cancel_job, visible_job, visible_jobs
from features.store.service_store import as_utc
from features.store.tables.service import Job

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The job is done or failed already"}
}


def job_public(job: Job, with_result: bool = True) -> JobPublic:
    """The API view of a job row (without its result for a listing)."""
    return JobPublic(
        job_id=job.job_id,
        kind=job.kind,
        state=job.state,  # type: ignore[arg-type]
        percent=job.percent,
        message=job.message,
        result_url=job.result_url,
        result=job.result if with_result else None,
        error=job.error,
        created_at=as_utc(job.created_at),  # type: ignore[arg-type]
        updated_at=as_utc(job.updated_at),  # type: ignore[arg-type]
        started_at=as_utc(job.started_at),
        deadline_at=as_utc(job.deadline_at),
        url=f"/v1/jobs/{job.job_id}",
    )


@router.get("", **roles_route(Resource.JOBS_READ))
def read_jobs(
    store: ServiceStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.JOBS_READ))],
    kind: Annotated[JobKind | None, Query(description="Only jobs of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Newest jobs listed")] = 50,
) -> JobsPublic:
    """The caller's newest jobs (an admin: everyone's), without their results."""
    jobs = visible_jobs(store, principal, kind, limit)
    return JobsPublic(jobs=[job_public(job, with_result=False) for job in jobs])


@router.get("/{job_id}", **roles_route(Resource.JOBS_READ, responses=NOT_FOUND))
def read_job(
    job_id: str,
    store: ServiceStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.JOBS_READ))],
) -> JobPublic:
    """State, percent complete and result link of one of the caller's jobs (404 for another
    key's job; an admin reads every job)."""
    return job_public(visible_job(store, job_id, principal))


@router.post(
    "/{job_id}/cancel", **roles_route(Resource.JOBS_CANCEL, responses={**NOT_FOUND, **CONFLICT})
)
def create_job_cancellation(
    job_id: str,
    store: ServiceStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.JOBS_CANCEL))],
) -> JobPublic:
    """Cancel one of the caller's queued or running jobs (an admin: any job): a queued job
    never starts, a running one stops at its next progress report; state ``cancelled``."""
    return job_public(cancel_job(store, job_id, principal))
