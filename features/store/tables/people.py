"""Tables of the planner's and the agent's working week: time-off requests, allotments per team
and day, and the audit trail of every request, decision and edit.

Dates are the site's local dates (``YYYY-MM-DD`` text, like ``roster_rows.date``); instants are
stored in UTC (``DateTime(timezone=True)``; SQLite hands them back naive, read them through
:func:`features.store.service_store.as_utc`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from features.store.tables.base import Base


class TimeOffRequestRow(Base):
    """One agent's request for whole days (``first_day``..``last_day``) or part of one day
    (``start_time``..``end_time``, local clock), and its state and decision."""

    __tablename__ = "time_off_requests"
    __table_args__ = (Index("ix_time_off_requests_team_state", "team", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    team: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    first_day: Mapped[str] = mapped_column(String(10), nullable=False)
    last_day: Mapped[str] = mapped_column(String(10), nullable=False)
    start_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    end_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    requested_by: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AllotmentRow(Base):
    """At most ``max_off`` agents of ``team`` off on the local ``day``."""

    __tablename__ = "time_off_allotments"
    __table_args__ = (UniqueConstraint("team", "day", name="uq_time_off_allotments_team_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100), nullable=False)
    day: Mapped[str] = mapped_column(String(10), nullable=False)
    max_off: Mapped[int] = mapped_column(Integer, nullable=False)


class AuditRow(Base):
    """Who did what, when: one request, decision or edit. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_agent_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    subject: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    agent_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class SwapRow(Base):
    """An agent's offer of one published shift (their rows on local ``date`` of a roster) to a
    named colleague or to anyone qualified, and where it stands."""

    __tablename__ = "shift_swaps"
    __table_args__ = (Index("ix_shift_swaps_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    roster_id: Mapped[str] = mapped_column(String(32), nullable=False)
    date: Mapped[str] = mapped_column(String(10), nullable=False)
    from_agent: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    to_agent: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    taken_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    coverage_change: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CalendarFeedRow(Base):
    """An agent's private calendar feed: the SHA-256 of the token its URL carries."""

    __tablename__ = "calendar_feeds"

    agent_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
