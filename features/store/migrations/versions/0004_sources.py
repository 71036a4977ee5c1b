"""Tickets, ticket status changes, knowledge-base events, quality evaluations, name aliases.

Revision ID: 0004_sources
Revises: 0003_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_sources"
down_revision = "0003_alerts"
branch_labels = None
depends_on = None

MS = "UTC epoch milliseconds"


def upgrade() -> None:
    """Create the tables of the other sources."""
    op.create_table(
        "tickets",
        sa.Column("ticket_id", sa.String(200), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=True),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("category", sa.String(1000), nullable=False),
        sa.Column("opened_at", sa.BigInteger(), nullable=False, comment=MS),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True, comment=MS),
        sa.Column("status", sa.String(16), nullable=False, comment="the last status"),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column(
            "first_contact_resolved",
            sa.Boolean(),
            nullable=True,
            comment="null while never resolved",
        ),
        sa.Column("agent_id", sa.String(200), nullable=True),
        sa.Column("priority", sa.String(16), nullable=True),
        sa.Column(
            "changed_at",
            sa.BigInteger(),
            nullable=False,
            comment="UTC epoch milliseconds of the ticket's latest event",
        ),
        sa.Column(
            "content_hash",
            sa.String(64),
            nullable=False,
            comment="SHA-256 of the ticket and its status changes (re-send check)",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_opened_at", "tickets", ["opened_at"])
    op.create_index("ix_tickets_contact_id", "tickets", ["contact_id"])
    op.create_table(
        "ticket_status_changes",
        sa.Column("ticket_id", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False, comment=MS),
        sa.Column("status", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.ticket_id"],
            name="fk_ticket_status_changes_ticket_id_tickets",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "seq", name="pk_ticket_status_changes"),
    )
    op.create_table(
        "kb_events",
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=True),
        sa.Column("agent_id", sa.String(200), nullable=False),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(1000), nullable=False),
        sa.Column("viewed_at", sa.BigInteger(), nullable=False, comment=MS),
        sa.PrimaryKeyConstraint("event_id", name="pk_kb_events"),
    )
    op.create_index("ix_kb_events_viewed_at", "kb_events", ["viewed_at"])
    op.create_index("ix_kb_events_contact_id", "kb_events", ["contact_id"])
    op.create_table(
        "quality_evaluations",
        sa.Column("evaluation_id", sa.String(200), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("evaluated_at", sa.BigInteger(), nullable=False, comment=MS),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("script_compliance", sa.Float(), nullable=True),
        sa.Column("empathy", sa.Float(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("emotion", sa.JSON(), nullable=False),
        sa.Column(
            "negative_emotion", sa.Boolean(), nullable=True, comment="null without emotion segments"
        ),
        sa.PrimaryKeyConstraint("evaluation_id", name="pk_quality_evaluations"),
    )
    op.create_index("ix_quality_evaluations_contact_id", "quality_evaluations", ["contact_id"])
    op.create_index("ix_quality_evaluations_evaluated_at", "quality_evaluations", ["evaluated_at"])
    op.create_table(
        "name_aliases",
        sa.Column("kind", sa.String(16), nullable=False, comment="queue, team or agent"),
        sa.Column("alias", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("kind", "alias", name="pk_name_aliases"),
    )


def downgrade() -> None:
    """Drop the tables of the other sources."""
    op.drop_table("name_aliases")
    op.drop_index("ix_quality_evaluations_evaluated_at", table_name="quality_evaluations")
    op.drop_index("ix_quality_evaluations_contact_id", table_name="quality_evaluations")
    op.drop_table("quality_evaluations")
    op.drop_index("ix_kb_events_contact_id", table_name="kb_events")
    op.drop_index("ix_kb_events_viewed_at", table_name="kb_events")
    op.drop_table("kb_events")
    op.drop_table("ticket_status_changes")
    op.drop_index("ix_tickets_contact_id", table_name="tickets")
    op.drop_index("ix_tickets_opened_at", table_name="tickets")
    op.drop_table("tickets")
