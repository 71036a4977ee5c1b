"""The working week: time-off requests, allotments per team and day, the audit trail, shift
swaps, private calendar feeds.

Revision ID: 0010_people
Revises: 0009_alert_acknowledgements
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_people"
down_revision = "0009_alert_acknowledgements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``time_off_requests``, ``time_off_allotments``, ``audit_events``,
    ``shift_swaps`` and ``calendar_feeds``."""
    op.create_table(
        "time_off_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.Column("start_time", sa.String(5), nullable=True),
        sa.Column("end_time", sa.String(5), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_time_off_requests"),
    )
    op.create_index("ix_time_off_requests_agent_id", "time_off_requests", ["agent_id"])
    op.create_index("ix_time_off_requests_team_state", "time_off_requests", ["team", "state"])
    op.create_table(
        "time_off_allotments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("max_off", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_time_off_allotments"),
        sa.UniqueConstraint("team", "day", name="uq_time_off_allotments_team_day"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("actor_agent_id", sa.String(100), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("agent_id", sa.String(100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_subject", "audit_events", ["subject"])
    op.create_index("ix_audit_events_agent_id", "audit_events", ["agent_id"])
    op.create_table(
        "shift_swaps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("roster_id", sa.String(32), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("from_agent", sa.String(100), nullable=False),
        sa.Column("to_agent", sa.String(100), nullable=True),
        sa.Column("taken_by", sa.String(100), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("coverage_change", sa.JSON(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shift_swaps"),
    )
    op.create_index("ix_shift_swaps_state", "shift_swaps", ["state"])
    op.create_index("ix_shift_swaps_from_agent", "shift_swaps", ["from_agent"])
    op.create_index("ix_shift_swaps_to_agent", "shift_swaps", ["to_agent"])
    op.create_table(
        "calendar_feeds",
        sa.Column("agent_id", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agent_id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )


def downgrade() -> None:
    """Drop the five tables."""
    op.drop_table("calendar_feeds")
    op.drop_table("shift_swaps")
    op.drop_table("audit_events")
    op.drop_table("time_off_allotments")
    op.drop_table("time_off_requests")
