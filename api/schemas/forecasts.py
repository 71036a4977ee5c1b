"""Forecast schemas: a training request (job) and stored forecasts with actuals beside them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from features.calendar import is_holiday_country
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

QueueName = Annotated[str, Field(min_length=1, max_length=100)]
"""A queue's name as stored (at most 100 characters)."""

QueueList = Annotated[list[QueueName], Field(min_length=1, max_length=500)]
"""Queues a job is limited to (each must be stored)."""


class ForecastCreate(BaseModel):
    """Train on the stored history and forecast every interval of `days` days from `start`."""

    queues: QueueList | None = Field(
        default=None,
        description="Queues to forecast (each stored); all stored queues when null",
        examples=[["billing"]],
    )
    start: date = Field(description="First local day of the forecast", examples=["2026-12-07"])
    days: int = Field(ge=1, le=62, description="Days to forecast", examples=[7])
    model: ForecasterName = Field(default="auto", description="Forecaster", examples=["auto"])
    freq_minutes: IntervalMinutes = Field(default=15, description="Interval length in minutes")
    history_start: datetime | None = Field(default=None, description="First instant learned from")
    history_end: datetime | None = Field(default=None, description="Instant learning stops")
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
