"""Tables of the other sources: tickets and their status changes, knowledge-base events, quality
evaluations, and the aliases (e.g. Chinese names) of queues, teams and agents.

Instants are UTC epoch milliseconds (BIGINT), as in :mod:`features.store.tables.records`, so the
same set-based insert path (``COPY`` on PostgreSQL) serves them. Derived columns
(``tickets.status``, ``tickets.first_contact_resolved``, ``quality_evaluations.negative_emotion``)
are computed at ingestion by the one function that defines them (see
:mod:`features.store.sources_store`) so SQL readers such as the BI views see the same values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from features.store.tables.base import Base


class TicketRow(Base):
    """One ticket; `ticket_id` is unique, a re-sent ticket replaces an older version of itself."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_opened_at", "opened_at"),
        Index("ix_tickets_contact_id", "contact_id"),
    )

    ticket_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[str | None] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(1000))
    opened_at: Mapped[int] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    resolved_at: Mapped[int | None] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    status: Mapped[str] = mapped_column(String(16), comment="the last status")
    reopened: Mapped[bool] = mapped_column(Boolean)
    first_contact_resolved: Mapped[bool | None] = mapped_column(
        Boolean, comment="null while never resolved"
    )
    agent_id: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str | None] = mapped_column(String(16))
    changed_at: Mapped[int] = mapped_column(
        BigInteger, comment="UTC epoch milliseconds of the ticket's latest event"
    )
    content_hash: Mapped[str] = mapped_column(
        String(64), comment="SHA-256 of the ticket and its status changes (re-send check)"
    )


class TicketStatusChangeRow(Base):
    """One status change of a ticket; `seq` orders them in time (0 first)."""

    __tablename__ = "ticket_status_changes"
    __table_args__ = (PrimaryKeyConstraint("ticket_id", "seq", name="pk_ticket_status_changes"),)

    ticket_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("tickets.ticket_id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[int] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    status: Mapped[str] = mapped_column(String(16))


class KbEventRow(Base):
    """An agent viewed a knowledge-base article (during a contact, or not); `event_id` is unique
    so re-sent events are no-ops."""

    __tablename__ = "kb_events"
    __table_args__ = (
        Index("ix_kb_events_viewed_at", "viewed_at"),
        Index("ix_kb_events_contact_id", "contact_id"),
    )

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[str] = mapped_column(String(200))
    article_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(1000))
    viewed_at: Mapped[int] = mapped_column(BigInteger, comment="UTC epoch milliseconds")


class QualityRow(Base):
    """A quality evaluation of one contact (manual review or speech analytics); re-sent
    `evaluation_id`\\ s are no-ops."""

    __tablename__ = "quality_evaluations"
    __table_args__ = (
        Index("ix_quality_evaluations_contact_id", "contact_id"),
        Index("ix_quality_evaluations_evaluated_at", "evaluated_at"),
    )

    evaluation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(200))
    evaluated_at: Mapped[int] = mapped_column(BigInteger, comment="UTC epoch milliseconds")
    source: Mapped[str] = mapped_column(String(16))
    script_compliance: Mapped[float | None] = mapped_column(Float)
    empathy: Mapped[float | None] = mapped_column(Float)
    keywords: Mapped[list[Any]] = mapped_column(JSON)
    emotion: Mapped[list[Any]] = mapped_column(JSON)
    negative_emotion: Mapped[bool | None] = mapped_column(
        Boolean, comment="null without emotion segments"
    )


class NameAliasRow(Base):
    """Another name of a queue, team or agent (``账单`` for billing) for questions in plain
    language; an alias names one thing of its kind."""

    __tablename__ = "name_aliases"
    __table_args__ = (PrimaryKeyConstraint("kind", "alias", name="pk_name_aliases"),)

    kind: Mapped[str] = mapped_column(String(16), comment="queue, team or agent")
    alias: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
