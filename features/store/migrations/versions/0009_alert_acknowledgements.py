"""Alerts can be acknowledged: when, and by which key.

Revision ID: 0009_alert_acknowledgements
Revises: 0008_cache_versions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_alert_acknowledgements"
down_revision = "0008_cache_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``alerts.acknowledged_at`` and ``alerts.acknowledged_by`` columns."""
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop the acknowledgement columns."""
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
