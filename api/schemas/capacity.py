"""Capacity-plan schemas: the accepted job, the plan (forecast, weekly FTE, hiring classes,
scenario comparison) and the listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.jobs import JobState


class CapacityPlanAccepted(BaseModel):
    """Answer of ``POST /v1/capacity-plans`` (HTTP 202): poll `url`, read `result_url`."""

    plan_id: str
    job_id: str
    state: JobState = "queued"
    url: str = Field(description="The job: state and percent", examples=["/v1/jobs/8c1f0e2a"])
    result_url: str = Field(examples=["/v1/capacity-plans/8c1f0e2a"])


class CapacityWeekPublic(BaseModel):
    """One week and skill of a scenario's plan; FTE are full-time equivalents of paid time."""

    week_start: str = Field(examples=["2027-01-04"])
    skill: str
    volume: float = Field(description="Contacts forecast in the week (p50)")
    aht_s: float | None = Field(description="Contact-weighted handle time, seconds")
    shrinkage: float = Field(description="Share of paid time not on contacts")
    required_fte: float = Field(description="FTE required at the plan's quantile")
    required_fte_p10: float
    required_fte_p90: float
    available_fte: float = Field(description="Today's agents and planned classes")
    new_hire_fte: float = Field(description="Recommended classes")
    overtime_fte: float
    overtime_hours: float
    short_fte: float = Field(description="Still short after hiring and overtime")
    gap_fte: float = Field(description="available - required (negative = short)")
    gap_after_fte: float = Field(description="After recommended hires and overtime")
    headcount: float
    trainees: float


class HiringClassPublic(BaseModel):
    """A hiring class: planned (an input) or recommended."""

    profile: str
    skills: str = Field(examples=["billing+sales"])
    team: str | None = None
    start_week: str = Field(description="Training starts (local Monday)")
    size: int
    requisition_by: str = Field(description="Start recruiting by (start minus lead time)")
    productive_from: str
    full_productivity_from: str
    one_off_cost: float
    wage_cost: float = Field(description="Expected wages inside the horizon")
    planned: bool


class ShortRunPublic(BaseModel):
    """Consecutive short weeks of one skill."""

    skill: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    max_short_fte: float
    fte_weeks: float


class ShortfallPublic(BaseModel):
    """Why weeks stay short and what would close them."""

    message: str
    reasons: list[str] = Field(
        description="max_cost, max_hires, lead_time (out of reach at any budget), "
        "understaffing_cost (hiring dearer than the penalty)"
    )
    short: list[ShortRunPublic]
    unreachable: list[ShortRunPublic]
    unreachable_fte_weeks: float
    budget_to_close: float | None = None
    budget_cap: float | None = None
    hires_to_close: int | None = None
    hires_cap: int | None = None


class CapacitySummaryPublic(BaseModel):
    """A scenario's totals over the horizon."""

    hires: int
    classes: int
    planned_hires: int
    hiring_cost: float
    wage_cost: float
    overtime_cost: float
    total_cost: float = Field(description="What the budget caps: hiring + wages + overtime")
    overtime_hours: float
    short_fte_weeks: float
    max_short_fte: float
    weeks_short: int
    gap_before_fte_weeks: float = Field(description="Shortfall before hiring, FTE-weeks (<= 0)")
    worst_gap_fte: float
    worst_gap_week: str | None = None
    worst_gap_skill: str | None = None
    peak_required_fte: float


class ScenarioPlanPublic(BaseModel):
    """One scenario's plan."""

    name: str
    summary: CapacitySummaryPublic
    explanation: ShortfallPublic | None = None
    solver: dict[str, Any]
    weekly: list[CapacityWeekPublic]
    classes: list[HiringClassPublic]


class WeeklyForecastPublic(BaseModel):
    """One week of the long-range forecast of a queue."""

    queue: str
    week_start: str
    volume: float
    volume_p10: float
    volume_p50: float
    volume_p90: float
    aht_s: float | None = None
    aht_s_p10: float | None = None
    aht_s_p90: float | None = None
    open_days: int
    holidays: int
    horizon_weeks: int
    model: str


class MonthlyForecastPublic(BaseModel):
    """A month of the long-range forecast of a queue."""

    queue: str
    month: str = Field(examples=["2027-03"])
    volume: float
    volume_p10: float
    volume_p90: float
    aht_s: float | None = None
    days: int
    days_in_month: int


class HistoryWeekPublic(BaseModel):
    """A week of history: contacts counted and the normal week the forecast learnt from."""

    queue: str
    week_start: str
    actual: float
    clean: float | None = None
    complete: bool
    aht_s: float | None = None


class BacktestHorizonPublic(BaseModel):
    """Error of the weekly forecast at one horizon, pooled over queues and origins."""

    model: str
    horizon_weeks: int
    weeks: int
    wape: float | None = None
    bias: float | None = None
    coverage_p10_p90: float | None = None


class CapacityForecastPublic(BaseModel):
    """The base forecast, the history behind it and its backtest."""

    weekly: list[WeeklyForecastPublic]
    monthly: list[MonthlyForecastPublic]
    history: list[HistoryWeekPublic]
    backtest: list[BacktestHorizonPublic]


class CapacityReportPublic(BaseModel):
    """A finished capacity plan."""

    name: str
    timezone: str
    start_week: str
    horizon_weeks: int
    plan_to: str
    queues: list[str]
    warnings: list[str]
    forecast: CapacityForecastPublic
    scenarios: list[ScenarioPlanPublic]
    comparison: list[dict[str, Any]]


class CapacityPlanPublic(BaseModel):
    """A capacity plan: its job's state and, once done, the report."""

    plan_id: str
    name: str
    state: JobState
    percent: float = Field(ge=0, le=100)
    message: str
    error: str | None = None
    created_at: datetime
    updated_at: datetime
    report: CapacityReportPublic | None = None


class CapacityPlanListedPublic(BaseModel):
    """A capacity plan in the listing (no report)."""

    plan_id: str
    name: str
    state: JobState
    percent: float
    created_at: datetime
    horizon_weeks: int | None = None
    start_week: str | None = None
    scenarios: list[str] = Field(default_factory=list)


class CapacityPlansPublic(BaseModel):
    """The latest capacity plans, newest first."""

    plans: list[CapacityPlanListedPublic]
