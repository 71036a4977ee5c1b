"""Tables of the running service: API keys, jobs, stored forecasts, rosters and published rows.

Instants are stored in UTC (``DateTime(timezone=True)``); SQLite returns them naive, so readers
go through :func:`features.store.service_store.as_utc`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from features.store.tables.base import Base


class ApiKey(Base):
    """One API key: lookup id, SHA-256 of the whole key, role and data scope."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    teams: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Job(Base):
    """A background job (training, backtest, roster solve) with its state and progress.

    States: queued → running → done | failed, or cancelled from queued or running. A running
    job must finish by ``deadline_at`` (its kind's maximum run time after ``started_at``).
    """

    __tablename__ = "jobs"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    percent: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    result: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    result_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner: Mapped[str] = mapped_column(String(255), nullable=False)
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ForecastRow(Base):
    """One forecast interval of one training run (FORECAST_COLUMNS + run id)."""

    __tablename__ = "forecasts"
    __table_args__ = (Index("ix_forecasts_queue_interval", "queue", "interval_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    queue: Mapped[str] = mapped_column(String(128), nullable=False)
    interval_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    volume: Mapped[float] = mapped_column(Float, nullable=False)
    volume_p10: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_p50: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_p90: Mapped[float | None] = mapped_column(Float, nullable=True)
    aht_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    model: Mapped[str] = mapped_column(String(128), nullable=False)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Roster(Base):
    """A roster request: its scenario, solve status, objective and result rows (JSON)."""

    __tablename__ = "rosters"

    roster_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    solver_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    objective: Mapped[float | None] = mapped_column(Float, nullable=True)
    objective_terms: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    lower_bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    gap: Mapped[float | None] = mapped_column(Float, nullable=True)
    rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    coverage: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    conflicts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RosterRow(Base):
    """One published roster activity (ROSTER_COLUMNS), read by agents' schedules."""

    __tablename__ = "roster_rows"
    __table_args__ = (Index("ix_roster_rows_agent_start", "agent_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    roster_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("rosters.roster_id", ondelete="CASCADE"), nullable=False
    )
    agent_id: Mapped[str] = mapped_column(String(128), nullable=False)
    date: Mapped[str] = mapped_column(String(10), nullable=False)
    activity: Mapped[str] = mapped_column(String(16), nullable=False)
    queue: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
