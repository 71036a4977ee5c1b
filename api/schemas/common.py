"""Shared response models: errors (401/403/404/409/422/503) and links."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from features.records.frame_io import format_instants


class ErrorPublic(BaseModel):
    """A plain error: one human-readable message."""

    detail: str = Field(examples=["roster 'r1' does not exist"])


class FieldErrorPublic(BaseModel):
    """One broken rule of the input: row (0-based, null for the whole input), field, rule."""

    row: int | None = Field(examples=[3])
    field: str = Field(examples=["arrived_at"])
    rule: str = Field(examples=["must be an ISO 8601 time with an offset"])
    value: str | int | float | bool | None = Field(default=None, examples=["yesterday"])


class ValidationErrorPublic(BaseModel):
    """Every broken rule of a rejected input (nothing was stored)."""

    detail: list[FieldErrorPublic]


class ConflictPublic(BaseModel):
    """One reason a plan cannot be made."""

    rule: str = Field(examples=["max_minutes"])
    detail: str = Field(examples=["contract allows 600 minutes, shortest shift is 480 x 2"])
    agents: list[str] = Field(default_factory=list, examples=[["a001"]])


class InfeasiblePublic(BaseModel):
    """A plan that breaks the hard rules, with the conflicting rules and agents."""

    detail: str
    conflicts: list[ConflictPublic] = Field(default_factory=list)


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "Missing, unknown or revoked API key"},
    403: {"model": ErrorPublic, "description": "The key's role may not call this endpoint"},
    503: {"model": ErrorPublic, "description": "Database unreachable; retry after Retry-After"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "No such id"}
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ValidationErrorPublic, "description": "Input broke rules (row, field, rule)"}
}
INFEASIBLE: dict[int | str, dict[str, Any]] = {
    409: {"model": InfeasiblePublic, "description": "No plan satisfies the hard rules"}
}


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of a frame: instants as ISO 8601 with offset, missing values as null."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = format_instants(out[column])
    columns = [str(c) for c in out.columns]
    return [
        {column: _plain(value) for column, value in zip(columns, row, strict=True)}
        for row in out.itertuples(index=False, name=None)
    ]


def json_ready(value: Any) -> Any:
    """`value` (nested dicts, lists and tuples of scalars) with every leaf JSON-ready: dates as
    ISO text, numpy scalars as Python numbers, every kind of missing (NaN, NaT, NA) as None."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    """One JSON-ready value: dates as ISO text, every kind of missing (NaN, NaT, NA) as None."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
