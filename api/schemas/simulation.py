"""Simulation schemas: a roster and real contacts in, the replayed service and the records' out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from api.schemas.forecasts import IntervalMinutes
from api.schemas.records import ContactCreate
from api.schemas.staffing import MAX_AHT_S

MAX_CONTACTS = 200_000
"""Most contacts one request may replay (inline or read from the store)."""
MAX_REPLAYED = 1_000_000
"""Most contact replays (contacts x replications) one synchronous request may run."""
MAX_ROSTER_ROWS = 100_000
"""Most roster rows one request may carry."""
MAX_WINDOW_DAYS = 31
"""Longest window of stored contacts one request may replay."""


class SimulationRosterRow(BaseModel):
    """One activity of an agent (the roster format); only work rows put agents on queues."""

    agent_id: str = Field(min_length=1, max_length=200, examples=["a001"])
    date: str | None = Field(default=None, examples=["2026-11-30"])
    activity: Literal["work", "break", "lunch", "training", "meeting"] = "work"
    queue: str | None = Field(default=None, max_length=100, examples=["billing"])
    start: str = Field(examples=["2026-11-30T08:00:00+01:00"])
    end: str = Field(examples=["2026-11-30T16:00:00+01:00"])


class SimulationTargets(BaseModel):
    """How a queue is judged: its channel's standard unless given."""

    channel: Literal["voice", "chat", "email"] = "voice"
    service_level: float | None = Field(
        default=None, ge=0, lt=1, description="Target share within the threshold"
    )
    threshold_s: float | None = Field(default=None, ge=0, le=MAX_AHT_S)
    concurrency: int | None = Field(
        default=None, ge=1, le=20, description="Chats one agent holds at once (chat only)"
    )


class SimulationCreate(BaseModel):
    """A roster (stored or inline) and the contacts to replay on it (inline or stored)."""

    roster_id: str | None = Field(default=None, description="A stored roster's id")
    roster: list[SimulationRosterRow] | None = Field(
        default=None, max_length=MAX_ROSTER_ROWS, description="Roster rows instead of an id"
    )
    contacts: list[ContactCreate] | None = Field(
        default=None,
        max_length=MAX_CONTACTS,
        description="Contacts to replay; null replays the stored contacts of [start, end)",
    )
    start: str | None = Field(default=None, examples=["2026-11-23T00:00:00+01:00"])
    end: str | None = Field(default=None, examples=["2026-11-30T00:00:00+01:00"])
    timezone: str | None = Field(default=None, description="The site's zone (intervals, naive)")
    interval_minutes: IntervalMinutes = 15
    queue_targets: dict[str, SimulationTargets] = Field(default_factory=dict)
    patience: Literal["kaplan_meier", "exponential", "infinite"] = Field(
        default="kaplan_meier", description="How served contacts' unknown patience is drawn"
    )
    replications: int = Field(default=1, ge=1, le=20)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def one_roster_and_a_source(self) -> SimulationCreate:
        """Exactly one of `roster_id` and `roster`; a window when no contacts are sent."""
        if (self.roster_id is None) == (self.roster is None):
            raise ValueError("give exactly one of roster_id and roster")
        if self.contacts is None and (self.start is None or self.end is None):
            raise ValueError("give contacts, or start and end to replay stored contacts")
        if self.contacts is not None and len(self.contacts) * self.replications > MAX_REPLAYED:
            raise ValueError(f"contacts x replications must be at most {MAX_REPLAYED:,}")
        return self


class _ServicePublic(BaseModel):
    """Contacts per replication and the pooled measures of a queue (seconds, shares)."""

    queue: str
    offered: float
    answered: float
    abandoned: float
    service_level: float | None = None
    asa_s: float | None = None
    abandon_rate: float | None = None
    occupancy: float | None = None


class SimulationIntervalPublic(_ServicePublic):
    """Replayed service of one queue in one interval (means over replications)."""

    interval_start: str


class SimulationTotalPublic(_ServicePublic):
    """Totals of one queue (or the centre: queue "*")."""

    intervals: float
    intervals_met: float | None = Field(
        default=None, description="Share of intervals with contacts that met the target"
    )


class PatiencePublic(BaseModel):
    """Patience of a queue's customers estimated from the contacts (seconds)."""

    queue: str
    contacts: int
    abandoned: int
    abandon_rate: float | None = None
    exposure_s: float
    mean_patience_s: float | None = None
    mean_patience_low_s: float | None = None
    mean_patience_high_s: float | None = None
    median_patience_s: float | None = None


class SimulationPublic(BaseModel):
    """The replay per interval and in total, the records' own totals, and the patience used."""

    intervals: list[SimulationIntervalPublic]
    totals: list[SimulationTotalPublic]
    observed: list[SimulationTotalPublic] = Field(description="What the records say happened")
    patience: list[PatiencePublic]
