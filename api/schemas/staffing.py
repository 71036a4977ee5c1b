"""Staffing schemas: forecast rows and service targets in, requirements out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.forecasts import IntervalMinutes

MAX_VOLUME = 1_000_000.0
"""Most contacts one queue may receive in one interval."""
MAX_AHT_S = 86_400.0
"""Longest handle time, threshold or patience accepted, seconds (one day)."""
MAX_ROWS = 200_000
"""Most forecast rows one request may staff."""


class StaffingForecastRow(BaseModel):
    """One forecast interval: contacts per interval and handle time in seconds."""

    queue: str = Field(examples=["billing"])
    interval_start: str = Field(examples=["2026-12-07T08:00:00+01:00"])
    volume: float = Field(ge=0, le=MAX_VOLUME, examples=[42.0])
    aht_s: float | None = Field(default=None, gt=0, le=MAX_AHT_S, examples=[300.0])


class TargetsCreate(BaseModel):
    """Service targets of a queue."""

    service_level: float = Field(default=0.8, ge=0, lt=1)
    threshold_s: float = Field(default=20.0, ge=0, le=MAX_AHT_S)
    asa_s: float | None = Field(default=None, gt=0, le=MAX_AHT_S)
    max_occupancy: float = Field(default=0.85, gt=0, le=1)
    shrinkage: float = Field(default=0.3, ge=0, lt=1)
    patience_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_AHT_S,
        description="Mean patience (s); Erlang A instead of C when set",
    )


class StaffingCreate(BaseModel):
    """A forecast and the targets to staff it for."""

    forecast: list[StaffingForecastRow] = Field(min_length=1, max_length=MAX_ROWS)
    targets: TargetsCreate = Field(default_factory=TargetsCreate)
    queue_targets: dict[str, TargetsCreate] = Field(
        default_factory=dict, description="Per-queue targets overriding `targets`"
    )
    interval_minutes: IntervalMinutes | None = Field(
        default=None, description="Interval length; inferred from the rows' spacing when null"
    )
    default_aht_s: float | None = Field(default=None, gt=0, le=MAX_AHT_S)
    timezone: str | None = Field(default=None, description="Zone of the answer's instants")


class RequirementPublic(BaseModel):
    """Agents needed in one interval (productive, and scheduled after shrinkage)."""

    queue: str
    interval_start: str
    volume: float
    aht_s: float
    agents: int
    agents_scheduled: int
    expected_service_level: float | None = None
    expected_asa_s: float | None = None
    expected_occupancy: float | None = None


class StaffingPublic(BaseModel):
    """Requirements for every forecast row."""

    rows: list[RequirementPublic]
