"""People schemas: agents as a resource, time-off requests and allotments, the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_PAGE = 500
"""Most items one page of a listing holds."""
MAX_OFFSET = 1_000_000_000
"""Largest offset of a listing (and below every database's integer range)."""
MAX_ID = 2**31 - 1
"""Largest id of a stored request, swap or event (32-bit integer keys)."""


class AgentPublic(BaseModel):
    """One stored agent (DESIGN.md "agents" record)."""

    agent_id: str = Field(examples=["a001"])
    name: str | None = None
    team: str | None = Field(default=None, examples=["t1"])
    site: str | None = None
    timezone: str | None = None
    skills: dict[str, int] = Field(default_factory=dict, examples=[{"billing": 5}])
    contract: dict[str, Any] | None = None
    availability: dict[str, Any] | None = None
    time_off: list[Any] | None = None
    preferences: dict[str, Any] | None = None


class AgentPage(BaseModel):
    """One page of agents: ``items`` from ``offset``; ``next_offset`` is null on the last page."""

    items: list[AgentPublic]
    total: int = Field(description="Agents matching the filters within the caller's scope")
    offset: int
    limit: int
    next_offset: int | None


TimeOffState = Literal["pending", "waitlisted", "approved", "denied", "cancelled"]


class TimeOffCreate(BaseModel):
    """A request for whole days (``first_day``..``last_day``, local dates, inclusive) or part of
    one day (``start_time``..``end_time`` local clock, ``first_day`` only)."""

    model_config = ConfigDict(extra="forbid")

    agent_id: str | None = Field(
        default=None,
        max_length=100,
        description="Whose time off; an agent's key may only name themself (the default)",
    )
    first_day: dt.date = Field(examples=["2026-12-02"])
    last_day: dt.date | None = Field(default=None, description="Default: first_day")
    start_time: str | None = Field(
        default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["13:00"]
    )
    end_time: str | None = Field(
        default=None, pattern=r"^([01]\d|2[0-4]):[0-5]\d$", examples=["17:00"]
    )
    note: str = Field(default="", max_length=500)


class TimeOffPublic(BaseModel):
    """A time-off request and where it stands."""

    id: int
    agent_id: str
    team: str
    first_day: dt.date
    last_day: dt.date
    start_time: str | None
    end_time: str | None
    minutes: int = Field(description="Leave minutes the request takes from the yearly balance")
    note: str
    state: TimeOffState
    waitlist_position: int | None = Field(
        default=None, description="1 for the first waiting request of the team (waitlisted only)"
    )
    decision_reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    requested_by: str
    created_at: dt.datetime


class TimeOffPage(BaseModel):
    """One page of time-off requests, newest first."""

    items: list[TimeOffPublic]
    total: int
    offset: int
    limit: int
    next_offset: int | None


class TimeOffDecision(BaseModel):
    """A planner's or supervisor's decision on a pending or waitlisted request."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: str = Field(min_length=1, max_length=500, examples=["covered by the late team"])


class AllotmentPut(BaseModel):
    """At most ``max_off`` agents of ``team`` off on each day of ``days``."""

    model_config = ConfigDict(extra="forbid")

    team: str = Field(min_length=1, max_length=100)
    days: list[dt.date] = Field(min_length=1, max_length=366)
    max_off: int = Field(ge=0, le=10_000)


class AllotmentPublic(BaseModel):
    """One team's allotment of one day and how much of it is taken."""

    team: str
    day: dt.date
    max_off: int
    taken: int = Field(description="Pending and approved requests of the team covering the day")


class BalancePublic(BaseModel):
    """An agent's leave in one calendar year, minutes (rule: api.services.time_off)."""

    agent_id: str
    year: int
    entitlement_minutes: int
    taken_minutes: int = Field(description="Approved requests")
    pending_minutes: int = Field(description="Pending and waitlisted requests")
    remaining_minutes: int = Field(description="Entitlement less taken and pending")


class AuditPublic(BaseModel):
    """One audited request, decision or edit."""

    id: int
    at: dt.datetime
    key_id: str
    role: str
    actor_agent_id: str | None
    action: str = Field(examples=["time_off.decide"])
    subject: str = Field(examples=["time-off-request:3"])
    agent_id: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    """One page of the audit trail, newest first."""

    items: list[AuditPublic]
    total: int
    offset: int
    limit: int
    next_offset: int | None


def next_offset(offset: int, limit: int, total: int) -> int | None:
    """The offset of the page after ``[offset, offset + limit)``; None when that was the last."""
    return offset + limit if offset + limit < total else None


SwapState = Literal["offered", "accepted", "approved", "denied", "cancelled"]


class SwapCreate(BaseModel):
    """An offer of one published shift: the offering agent's rows on local ``date``."""

    model_config = ConfigDict(extra="forbid")

    roster_id: str = Field(min_length=1, max_length=32)
    date: dt.date = Field(examples=["2026-12-02"])
    from_agent: str | None = Field(
        default=None, max_length=100, description="An agent's key offers its own shift (default)"
    )
    to_agent: str | None = Field(
        default=None,
        max_length=100,
        description="The colleague; null offers it to anyone qualified",
    )


class CoverageChangePublic(BaseModel):
    """Agents scheduled on a queue in one interval before and after a swap."""

    queue: str
    interval_start: dt.datetime
    required: int
    before: int
    after: int


class SwapPublic(BaseModel):
    """A shift swap and where it stands."""

    id: int
    roster_id: str
    date: dt.date
    from_agent: str
    to_agent: str | None
    taken_by: str | None
    state: SwapState
    coverage_change: list[CoverageChangePublic] | None
    decision_reason: str | None
    decided_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SwapDecision(BaseModel):
    """A planner's decision on an accepted swap."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: str = Field(min_length=1, max_length=500)


class CalendarTokenPublic(BaseModel):
    """A new private feed URL; shown once (only the token's digest is stored)."""

    agent_id: str
    token: str
    url: str = Field(examples=["/v1/agents/a001/calendar.ics?token=..."])


class LockedShift(BaseModel):
    """A published shift a re-plan must not move: its agent and start."""

    agent_id: str = Field(max_length=100)
    start: dt.datetime


class ReplanCreate(BaseModel):
    """Options of a re-plan of a published week."""

    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(default=30, gt=0, le=600)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    work_limit: float | None = Field(default=None, gt=0, le=10_000)
    locked: list[LockedShift] = Field(default_factory=list, max_length=10_000)


class ReplanAccepted(BaseModel):
    """A re-plan accepted: the new roster is solved as a job (HTTP 202)."""

    roster_id: str
    job_id: str
    url: str
    result_url: str
    changes_url: str
    time_off_added: dict[str, list[dt.date]] = Field(
        description="Approved leave days the re-plan added, per agent"
    )


class ShiftSpan(BaseModel):
    """A shift's span."""

    start: dt.datetime
    end: dt.datetime


class AgentChangesPublic(BaseModel):
    """What a re-planned roster changes for one agent."""

    agent_id: str
    changed_intervals: int = Field(description="Agent-intervals whose at-work state differs")
    removed: list[ShiftSpan]
    added: list[ShiftSpan]


class RowEdit(BaseModel):
    """One edit of a roster's rows. ``delete`` and ``change`` name a row by ``agent_id`` and
    ``start``; ``change`` sets any of ``new_start``, ``new_end``, ``activity``, ``queue`` (a
    move, a shortened shift or break, another activity); ``add`` gives a whole new row."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["add", "change", "delete"]
    agent_id: str = Field(max_length=100)
    start: dt.datetime
    end: dt.datetime | None = Field(default=None, description="add: the new row's end")
    new_start: dt.datetime | None = None
    new_end: dt.datetime | None = None
    activity: str | None = Field(
        default=None, max_length=16, description="work, break, lunch, training or meeting"
    )
    queue: str | None = Field(default=None, max_length=100)


class RowEdits(BaseModel):
    """Edits applied together; refused (422, every broken rule named) when the edited roster
    breaks a hard rule it did not break before, unless ``force``."""

    model_config = ConfigDict(extra="forbid")

    edits: list[RowEdit] = Field(min_length=1, max_length=1000)
    force: bool = False


class RowEditsPublic(BaseModel):
    """The edited roster's rows of the agents edited, and the rules it breaks (forced)."""

    roster_id: str
    agents: list[str]
    rows: int = Field(description="Rows of the roster after the edits")
    republished: bool
    violations: list[str]


class NotificationPublic(BaseModel):
    """A change to the agent's requests or published schedule."""

    at: dt.datetime
    action: str = Field(examples=["swap.decide"])
    subject: str
    detail: dict[str, Any]
