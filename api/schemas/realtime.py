"""Live figures of the wallboard: contacts waiting, today's service so far, agents by state."""

from __future__ import annotations

from pydantic import BaseModel, Field

from features.schema import CHANNEL_THRESHOLDS_S, DEFAULT_CHANNEL


class TrendPointPublic(BaseModel):
    """One of today's intervals: offered, service level so far, contacts waiting at its end."""

    interval_start: str
    offered: int
    service_level: float | None = None
    waiting: int = Field(description="Contacts waiting at the interval's end (now, if current)")


class QueueNow(BaseModel):
    """One queue at the instant: contacts (count), seconds, shares 0..1, agents (count)."""

    queue: str
    waiting: int = Field(description="Contacts arrived and not yet answered or ended")
    channel: str = Field(default=DEFAULT_CHANNEL, description="The queue's channel")
    threshold_s: float = Field(
        default=CHANNEL_THRESHOLDS_S[DEFAULT_CHANNEL],
        description="Service-level threshold of the queue's channel, seconds",
    )
    service_level_target: float | None = Field(
        default=None, description="Share to answer within the threshold (the channel's standard)"
    )
    longest_wait_s: float | None = Field(default=None, description="Oldest waiting, seconds")
    offered_today: int = 0
    handled_today: int = 0
    abandoned_today: int = 0
    service_level_today: float | None = None
    service_level_interval: float | None = Field(
        default=None, description="Service level of the current interval so far"
    )
    asa_s_today: float | None = Field(default=None, description="Mean speed of answer, seconds")
    abandon_rate_today: float | None = None
    agents: dict[str, int] = Field(
        default_factory=dict,
        description="Agents whose main skill is this queue, by current state",
    )
    trend: list[TrendPointPublic] = Field(
        default_factory=list, description="Today's intervals up to the instant"
    )


class RealtimePublic(BaseModel):
    """Live figures per queue and the whole centre's agents by state."""

    at: str = Field(examples=["2026-11-18T11:05:00+01:00"])
    interval_start: str = Field(description="Start of the current interval")
    queues: list[QueueNow]
    agents: dict[str, int] = Field(description="Agents in scope by current state")


class AgentNowPublic(BaseModel):
    """One agent at the instant: current state and since when."""

    agent_id: str
    name: str | None = None
    team: str | None = None
    queue: str | None = Field(default=None, description="Main queue (highest skill)")
    state: str = Field(examples=["available"])
    since: str | None = Field(default=None, description="Start of the current state")


class AgentsNowPublic(BaseModel):
    """Agents in scope at the instant, by id."""

    at: str
    agents: list[AgentNowPublic]
