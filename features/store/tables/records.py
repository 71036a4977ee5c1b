"""Tables of the records the centre sends: contacts, agent states and agents.

Instants are stored as UTC epoch milliseconds (BIGINT). Bulk ingestion of a million contacts
moves integers straight from numpy into the driver on both SQLite and PostgreSQL, with no
per-value datetime objects; :class:`features.store.records_store.Store` converts them back to
tz-aware timestamps when reading.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from features.store.tables.base import Base


class ContactRow(Base):
    """One contact; `contact_id` is unique so re-sending a contact is a no-op."""

    __tablename__ = "contacts"

    contact_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    queue: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    arrived_at: Mapped[int] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    answered_at: Mapped[int | None] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    ended_at: Mapped[int | None] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    abandoned: Mapped[bool] = mapped_column(Boolean)
    talk_s: Mapped[float | None] = mapped_column(Float)
    hold_s: Mapped[float | None] = mapped_column(Float)
    acw_s: Mapped[float | None] = mapped_column(Float)
    handle_s: Mapped[float | None] = mapped_column(Float)
    agent_id: Mapped[str | None] = mapped_column(String(100))
    transfers: Mapped[int | None] = mapped_column(Integer)
    csat: Mapped[int | None] = mapped_column(Integer)
    sentiment: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_contacts_arrived_at", "arrived_at"),)


class AgentStateRow(Base):
    """One agent-state span; (agent, start, state) is unique so re-sent spans are no-ops."""

    __tablename__ = "agent_states"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[int] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    ended_at: Mapped[int] = mapped_column(BigInteger, comment="UTC epoch milliseconds")

    __table_args__ = (
        UniqueConstraint("agent_id", "started_at", "state", name="uq_agent_states_span"),
        Index("ix_agent_states_started_at", "started_at"),
    )


class AgentRow(Base):
    """One agent with skills, contract, availability, time off and preferences (JSON)."""

    __tablename__ = "agents"

    agent_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100))
    site: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    skills: Mapped[dict[str, Any]] = mapped_column(JSON)
    contract: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    availability: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    time_off: Mapped[list[Any] | None] = mapped_column(JSON)
    preferences: Mapped[dict[str, Any] | None] = mapped_column(JSON)
