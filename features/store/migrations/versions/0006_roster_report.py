"""Rosters keep their planner report: summary, coverage per queue, gaps, fairness, the search's
seed, work and reproducibility, and (for plans) the service check.

Revision ID: 0006_roster_report
Revises: 0005_bi_views
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_roster_report"
down_revision = "0005_bi_views"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``rosters.report`` JSON column."""
    with op.batch_alter_table("rosters") as batch:
        batch.add_column(sa.Column("report", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop ``rosters.report``."""
    with op.batch_alter_table("rosters") as batch:
        batch.drop_column("report")
