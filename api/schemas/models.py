"""Model-registry and backtest schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.forecasts import IntervalMinutes


class BacktestCreate(BaseModel):
    """A rolling-origin backtest of some models on the stored history."""

    queues: list[str] | None = None
    horizon_days: int = Field(ge=1, le=62, examples=[7])
    folds: int = Field(ge=1, le=52, examples=[4])
    models: list[str] | None = Field(default=None, examples=[["seasonal_naive", "lightgbm"]])
    freq_minutes: IntervalMinutes = 15
    timezone: str | None = None


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
