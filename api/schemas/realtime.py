"""Live figures of the wallboard: contacts waiting, today's service so far, agents by state."""

from __future__ import annotations

from pydantic import BaseModel, Field


class QueueNow(BaseModel):
    """One queue at the instant: contacts (count), seconds, shares 0..1, agents (count)."""

    queue: str
    waiting: int = Field(description="Contacts arrived and not yet answered or ended")
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


class RealtimePublic(BaseModel):
    """Live figures per queue and the whole centre's agents by state."""

    at: str = Field(examples=["2026-11-18T11:05:00+01:00"])
    interval_start: str = Field(description="Start of the current interval")
    queues: list[QueueNow]
    agents: dict[str, int] = Field(description="Agents in scope by current state")
