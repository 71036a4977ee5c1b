"""Week-plan schemas: what a planner asks for (the week, targets, options) and the accepted job."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.forecasts import CountryCode, IntervalMinutes, JobDay, QueueList
from api.services.plan_tasks import DEFAULT_HISTORY_WEEKS
from forecasting.names import ForecasterName
from scheduling.risk import DEFAULT_CONFIDENCE


class PlanCreate(BaseModel):
    """Plan one week from what is stored: the stored agents and their contracts, and the contact
    records before the week. Forecast, requirements, roster and a simulated check, as a job."""

    week_start: JobDay = Field(description="First local day of the week", examples=["2026-12-07"])
    queues: QueueList | None = Field(
        default=None, description="Queues to plan; every queue with stored contacts when null"
    )
    model: ForecasterName = Field(default="auto", description="Forecaster", examples=["auto"])
    country: CountryCode | None = Field(
        default=None, description="ISO country of public holidays", examples=["US"]
    )
    service_level: float | None = Field(
        strict=True,
        default=None,
        gt=0,
        lt=1,
        description="Target share of live queues (channel default)",
    )
    threshold_s: float | None = Field(
        strict=True,
        default=None,
        gt=0,
        le=7 * 24 * 3600,
        description="Service-level threshold, seconds",
    )
    confidence: float = Field(
        strict=True,
        default=DEFAULT_CONFIDENCE,
        ge=0,
        lt=1,
        description="Probability each interval meets its target given the forecast band; "
        "0 staffs the point forecast",
    )
    shrinkage: float = Field(
        strict=True,
        default=0.0,
        ge=0,
        lt=0.95,
        description="Absence the roster does not show, share",
    )
    interval_minutes: IntervalMinutes = Field(default=15, description="Planning interval, minutes")
    history_weeks: int = Field(
        strict=True,
        default=DEFAULT_HISTORY_WEEKS,
        ge=2,
        le=520,
        description="Weeks of stored contacts used",
    )
    time_limit_s: float = Field(
        strict=True, default=60, gt=0, le=600, description="Solver budget, seconds"
    )
    seed: int = Field(
        strict=True, default=0, ge=0, le=2**31 - 1, description="Solver and simulation seed"
    )
    timezone: str | None = Field(
        default=None, description="Site zone; the service's default when null"
    )


class PlanAccepted(BaseModel):
    """A plan accepted: it runs as a job (HTTP 202); its roster has the job's id."""

    plan_id: str
    job_id: str
    url: str = Field(description="The job to poll; its result is the plan's report")
    result_url: str = Field(description="The plan's roster (publish it from there)")
