"""Job schemas: state, percent complete and the link to the result."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
JobKind = Literal["forecast", "backtest", "roster", "capacity", "plan"]
"""The kinds of job (:data:`api.services.job_tasks.JOB_KINDS`)."""


class JobPublic(BaseModel):
    """A background job as the API shows it."""

    job_id: str = Field(examples=["8c1f0e2a9b7d4c3e8f1a2b3c4d5e6f70"])
    kind: str = Field(examples=["roster"])
    state: JobState
    percent: float = Field(ge=0, le=100, description="Percent complete (0-100)")
    message: str = Field(examples=["improving roster"])
    result_url: str | None = Field(default=None, examples=["/v1/rosters/8c1f0e2a"])
    result: Any | None = None
    error: str | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    deadline_at: datetime | None = Field(
        default=None, description="A running job fails if still running at this instant"
    )
    url: str = Field(description="This job's own URL, to poll", examples=["/v1/jobs/8c1f0e2a"])


class JobsPublic(BaseModel):
    """Jobs, newest first (results left out: read each job for its result)."""

    jobs: list[JobPublic]


class JobAccepted(BaseModel):
    """Answer of an endpoint that started a job (HTTP 202)."""

    job_id: str
    state: JobState = "queued"
    url: str = Field(description="Poll this URL for state and percent")
    result_url: str | None = None
