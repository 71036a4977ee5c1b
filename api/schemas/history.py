"""Interval-history and KPI drill-down schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

KpiLevel = Literal["center", "queue", "team", "agent"]


class IntervalPublic(BaseModel):
    """One queue in one interval (HISTORY_COLUMNS): contacts per interval, seconds, shares."""

    queue: str
    interval_start: str = Field(examples=["2026-11-30T08:00:00+01:00"])
    offered: float
    handled: float
    abandoned: float
    aht_s: float | None = None
    asa_s: float | None = None
    service_level: float | None = None
    abandon_rate: float | None = None
    occupancy: float | None = None


class IntervalsPublic(BaseModel):
    """Interval history of the requested queues and range."""

    rows: list[IntervalPublic]


class KpiValues(BaseModel):
    """Totals over the range: contacts, mean handle and answer times (s), shares (0..1)."""

    offered: int = 0
    handled: int = 0
    abandoned: int = 0
    aht_s: float | None = Field(default=None, description="Mean handle time, seconds")
    asa_s: float | None = Field(default=None, description="Mean speed of answer, seconds")
    service_level: float | None = Field(
        default=None, description="Offered-weighted mean of the intervals' service levels"
    )
    abandon_rate: float | None = None
    occupancy: float | None = Field(
        default=None, description="Busy / (busy + available) time of the agents (team, agent)"
    )


class KpiChild(BaseModel):
    """One child of the level, with its totals and the link to drill into it."""

    level: KpiLevel
    id: str
    kpis: KpiValues
    url: str | None = Field(default=None, description="This child's own KPI page")


class KpiPublic(BaseModel):
    """KPIs of one node (center, queue, team or agent) and of its children."""

    level: KpiLevel
    id: str | None
    start: str
    end: str
    kpis: KpiValues
    children: list[KpiChild]
