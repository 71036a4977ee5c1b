"""Intraday schemas: anomaly scores, recommendations, adherence, agent performance, reforecast."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AnomalyPublic(BaseModel):
    """How unusual one measure of one queue was in one interval."""

    queue: str
    interval_start: str = Field(examples=["2026-11-30T10:15:00+01:00"])
    measure: Literal["volume", "aht_s", "service_level"]
    actual: float = Field(description="Contacts (volume), seconds (aht_s) or share (0..1)")
    expected: float = Field(description="Forecast (level-adjusted) value, or the SL target")
    score: float = Field(description="Signed score in standard deviations")
    is_anomaly: bool
    reason: str = Field(examples=["volume 62% above forecast (z=4.1)"])


class AnomaliesPublic(BaseModel):
    """Anomaly scores of the stored latest forecast against the stored contacts."""

    threshold: float = Field(description="Absolute score at which a row is an anomaly")
    rows: list[AnomalyPublic]


class RecommendationPublic(BaseModel):
    """One thing a supervisor could do today."""

    kind: Literal["understaffed", "training", "merge_queues", "retrain"]
    queue: str | None = Field(description="Queue; queues joined by '+' for a merge")
    start: str | None = Field(examples=["2026-11-30T10:00:00+01:00"])
    end: str | None = Field(examples=["2026-11-30T11:30:00+01:00"])
    agents: int = Field(description="Agents to add, free for training, or saved by merging")
    message: str = Field(
        examples=[
            "billing is short of up to 3 agents 10:00\u201311:30 (6 intervals): add 3 then, "
            "e.g. by moving skilled agents from quieter queues or offering overtime."
        ]
    )
    severity: Literal["low", "medium", "high"]
    topics: list[str] = Field(
        default_factory=list,
        description="For training: the knowledge-base topics new agents look up most",
    )


class RecommendationsPublic(BaseModel):
    """The day's recommendations, most severe first."""

    date: str = Field(examples=["2026-11-30"])
    backtest_wape: float | None = Field(
        default=None, description="Backtest WAPE the drift check compared with (share)"
    )
    recommendations: list[RecommendationPublic]


class AdherenceAgentPublic(BaseModel):
    """One agent's adherence (0..1) and conformance (worked / scheduled work) over the day."""

    agent_id: str
    team: str
    scheduled_minutes: float
    adherent_minutes: float
    adherence: float | None
    scheduled_work_minutes: float
    worked_minutes: float
    conformance: float | None
    exceptions: int


class AdherenceTeamPublic(BaseModel):
    """A team's adherence and conformance over its agents."""

    team: str
    agents: int
    scheduled_minutes: float
    adherent_minutes: float
    adherence: float | None
    scheduled_work_minutes: float
    worked_minutes: float
    conformance: float | None
    exceptions: int


class AdherenceExceptionPublic(BaseModel):
    """A late log-in, early log-off, absence or long break."""

    agent_id: str
    team: str
    date: str
    kind: Literal["late_login", "early_logoff", "absent", "long_break"]
    scheduled: str | None = Field(description="The scheduled instant (start, end or break)")
    actual: str | None = Field(description="What happened instead; null for an absence")
    minutes: float
    message: str = Field(examples=["logged in at 08:10, 10 min after the 08:00 start"])


class AdherencePublic(BaseModel):
    """Adherence per agent and team, and the exceptions, for one day."""

    date: str
    agents: list[AdherenceAgentPublic]
    teams: list[AdherenceTeamPublic]
    exceptions: list[AdherenceExceptionPublic]


class KpiComparison(BaseModel):
    """The agent's value of a KPI beside the team's median and the agent's team percentile."""

    value: float | None
    team_median: float | None
    percentile: float | None = Field(description="0-100 within the team; higher = higher value")


class PerformancePublic(BaseModel):
    """An agent's results beside their team's, and what would help most."""

    agent_id: str
    team: str
    start: str
    end: str
    kpis: dict[str, KpiComparison] = Field(
        description="contacts_handled, aht_s and acw_s (seconds), csat (1-5), transfer_rate, "
        "occupancy, adherence, script_compliance and empathy (shares)"
    )
    suggestions: list[str]


class ReforecastRowPublic(BaseModel):
    """One interval of the reforecast with the staff it needs before and after."""

    queue: str
    interval_start: str
    volume_original: float = Field(description="Forecast contacts per interval")
    volume: float = Field(description="Reforecast contacts per interval")
    volume_p10: float | None = None
    volume_p90: float | None = None
    aht_s: float | None = Field(default=None, description="Handle time, seconds")
    ratio: float = Field(description="Factor applied (1 for intervals already over)")
    actual_offered: float | None = Field(default=None, description="Contacts that arrived")
    agents_original: int = Field(description="Productive agents for the original forecast")
    agents: int = Field(description="Productive agents for the reforecast")
    agents_scheduled_original: int
    agents_scheduled: int = Field(description="Agents to schedule (with shrinkage)")
    agents_delta: int = Field(description="agents_scheduled - agents_scheduled_original")


class QueueRatioPublic(BaseModel):
    """How a queue's day is running so far."""

    queue: str
    actual_so_far: float
    forecast_so_far: float
    forecast_day: float
    raw_ratio: float | None
    weight: float
    ratio: float


class ReforecastPublic(BaseModel):
    """The rest of the day re-forecast from the volume so far, and its effect on staffing."""

    date: str
    now: str
    ratios: list[QueueRatioPublic]
    rows: list[ReforecastRowPublic]
