"""Jobs keep when they started and the instant they must have finished by (their kind's
maximum run time), so an overrunning job is failed from any process; keys' owners list jobs.

Revision ID: 0007_jobs_deadline
Revises: 0006_roster_report
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_jobs_deadline"
down_revision = "0006_roster_report"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``jobs.started_at`` and ``jobs.deadline_at`` instants and an index on
    ``jobs.key_id``."""
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_jobs_key_id", "jobs", ["key_id"])


def downgrade() -> None:
    """Drop the index and both columns."""
    op.drop_index("ix_jobs_key_id", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("deadline_at")
        batch.drop_column("started_at")
