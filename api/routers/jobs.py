"""Background job state: queued, running, done or failed, percent complete, result link."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceStoreDep, roles_route
from api.roles import Resource
from api.schemas.common import NOT_FOUND
from api.schemas.jobs import JobPublic
from features.store.service_store import as_utc
from features.store.tables.service import Job

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


def job_public(job: Job) -> JobPublic:
    """The API view of a job row."""
    return JobPublic(
        job_id=job.job_id,
        kind=job.kind,
        state=job.state,  # type: ignore[arg-type]
        percent=job.percent,
        message=job.message,
        result_url=job.result_url,
        result=job.result,
        error=job.error,
        created_at=as_utc(job.created_at),  # type: ignore[arg-type]
        updated_at=as_utc(job.updated_at),  # type: ignore[arg-type]
        url=f"/v1/jobs/{job.job_id}",
    )


@router.get("/{job_id}", **roles_route(Resource.JOBS_READ, responses=NOT_FOUND))
def read_job(job_id: str, store: ServiceStoreDep) -> JobPublic:
    """State, percent complete and result link of a job."""
    return job_public(store.get_job(job_id))
