"""Forecast schemas: a training request (job) and stored forecasts with actuals beside them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator

from features.calendar import is_holiday_country
from features.records.plausibility import (
    CONTROL_CHARACTERS,
    EARLIEST_INSTANT,
    LATEST_INSTANT,
    MAX_NAME_CHARS,
)
from forecasting.names import ForecasterName

IntervalMinutes = Literal[5, 10, 15, 30, 60]


def _holiday_country(code: str) -> str:
    if not is_holiday_country(code):
        raise ValueError("must be an ISO country code known to the holidays package, e.g. US")
    return code.upper()


CountryCode = Annotated[str, Field(max_length=3), AfterValidator(_holiday_country)]
"""An ISO 3166 country code as the ``holidays`` package knows it (``US``, ``DE``)."""

RegisteredName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="A registered model's name: letters, digits, '_', '.', '-'",
        examples=["billing-volume"],
    ),
]
"""A name to register a model under in MLflow (letters, digits, ``_ . -``; up to 128)."""

QueueName = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME_CHARS, pattern=f"^[^{CONTROL_CHARACTERS[1:-1]}]+$")
]
"""A queue's name as stored (at most 100 characters, no control characters)."""

FIRST_JOB_DAY = EARLIEST_INSTANT.date()
"""Earliest first day of a job's forecast or plan."""
LAST_JOB_DAY = LATEST_INSTANT.date() - timedelta(days=366)
"""Latest first day of a job's forecast or plan: a year before the plausible end of time."""

JobDay = Annotated[date, Field(ge=FIRST_JOB_DAY, le=LAST_JOB_DAY)]
"""The first local day a job forecasts or plans (1970-01-01 to a year before 2200)."""


def _plausible_instant(value: datetime) -> datetime:
    if not EARLIEST_INSTANT.year <= value.year < LATEST_INSTANT.year:
        raise ValueError(f"must be between {EARLIEST_INSTANT.date()} and {LATEST_INSTANT.date()}")
    return value


JobInstant = Annotated[datetime, AfterValidator(_plausible_instant)]
"""An instant bounding a job's history (1970 to 2200; naive: local to the job's zone)."""

QueueList = Annotated[list[QueueName], Field(min_length=1, max_length=500)]
"""Queues a job is limited to (each must be stored)."""


class ForecastCreate(BaseModel):
    """Train on the stored history and forecast every interval of `days` days from `start`."""

    queues: QueueList | None = Field(
        default=None,
        description="Queues to forecast (each stored); all stored queues when null",
        examples=[["billing"]],
    )
    start: JobDay = Field(description="First local day of the forecast", examples=["2026-12-07"])
    days: int = Field(strict=True, ge=1, le=62, description="Days to forecast", examples=[7])
    model: ForecasterName = Field(default="auto", description="Forecaster", examples=["auto"])
    freq_minutes: IntervalMinutes = Field(default=15, description="Interval length in minutes")
    history_start: JobInstant | None = Field(default=None, description="First instant learned from")
    history_end: JobInstant | None = Field(default=None, description="Instant learning stops")
    register_as: RegisteredName | None = Field(
        default=None,
        description="Log the fitted model to MLflow and register it as a new version of this name",
    )
    timezone: str | None = Field(
        default=None,
        description="Site zone; the service's default when null",
        examples=["Europe/Berlin"],
    )
    country: CountryCode | None = Field(
        default=None,
        description="ISO country code whose public holidays the forecast learns (none if null)",
        examples=["US"],
    )

    @field_validator("history_end")
    @classmethod
    def _history_in_order(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("history_start")
        if start is not None and end is not None and _utc(end) <= _utc(start):
            raise ValueError("must be after history_start")
        return end


def _utc(value: datetime) -> datetime:
    """`value` in UTC (a naive instant read as UTC), to order instants of mixed kinds."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ForecastRowPublic(BaseModel):
    """One forecast interval (contacts per interval, seconds) and what actually happened."""

    queue: str
    interval_start: str = Field(examples=["2026-12-07T08:00:00+01:00"])
    volume: float = Field(description="Point forecast, contacts per interval")
    volume_p10: float | None = None
    volume_p50: float | None = None
    volume_p90: float | None = None
    aht_s: float | None = Field(default=None, description="Forecast handle time, seconds")
    model: str
    model_version: str
    run_id: str = Field(description="The training job that made this row")
    actual_offered: float | None = Field(default=None, description="Contacts that arrived")
    actual_aht_s: float | None = Field(default=None, description="Actual handle time, seconds")


class ForecastPublic(BaseModel):
    """The newest forecast of each interval in the range, with actuals where they exist."""

    rows: list[ForecastRowPublic]
