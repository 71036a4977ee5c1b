"""Model-registry and backtest schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from api.schemas.forecasts import CountryCode, IntervalMinutes, QueueList, RegisteredName
from features.schema import MIN_TRAIN_DAYS
from forecasting.names import FORECASTER_NAMES, ForecasterName


class BacktestCreate(BaseModel):
    """A rolling-origin backtest of some models on the stored history."""

    queues: QueueList | None = Field(
        default=None, description="Queues to backtest (each stored); all stored when null"
    )
    horizon_days: int = Field(strict=True, ge=1, le=62, examples=[7])
    folds: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=200,
        description="Rolling origins; every origin the history allows (28 days in) when null",
        examples=[4],
    )
    min_train_days: int = Field(
        default=MIN_TRAIN_DAYS,
        strict=True,
        ge=7,
        le=3660,
        description="Days of history before the first origin",
    )
    models: list[ForecasterName] | None = Field(
        default=None,
        min_length=1,
        max_length=len(FORECASTER_NAMES),
        description="Forecasters compared (each once); seasonal_naive, seasonal_average and ets "
        "when null",
        examples=[["seasonal_naive", "lightgbm"]],
    )
    freq_minutes: IntervalMinutes = 15
    timezone: str | None = None
    country: CountryCode | None = Field(
        default=None, description="ISO country code for public holidays", examples=["US"]
    )
    register_as: RegisteredName | None = Field(
        default=None,
        description="Refit the best model (lowest WAPE) on the whole history and register it "
        "under this name, with its backtest distribution as metrics",
    )

    @field_validator("models")
    @classmethod
    def _distinct_models(cls, models: list[str] | None) -> list[str] | None:
        if models is not None and len(set(models)) != len(models):
            raise ValueError("each model may be named once")
        return models


class ModelVersionPublic(BaseModel):
    """One registered version."""

    version: int
    run_id: str | None = None
    model: str | None = None
    aliases: list[str] = Field(default_factory=list)
    created_at: str
    metrics: dict[str, float] = Field(default_factory=dict)


class ModelPublic(BaseModel):
    """A registered forecaster, its versions and aliases (``champion``, ``challenger``)."""

    name: str
    aliases: dict[str, int]
    versions: list[ModelVersionPublic]
    metrics: dict[str, Any] = Field(default_factory=dict)


class AliasCreate(BaseModel):
    """Point an alias of a registered model at a version."""

    alias: str = Field(default="champion", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
    version: int = Field(ge=1)


class AliasPublic(BaseModel):
    """An alias now set."""

    name: str
    alias: str
    version: int
