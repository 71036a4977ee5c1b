"""Cache versions: one counter per family of stored data, bumped by every write to it, so each
API worker process (and each machine) can tell whether what it keeps in memory is current.

Revision ID: 0008_cache_versions
Revises: 0007_jobs_deadline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_cache_versions"
down_revision = "0007_jobs_deadline"
branch_labels = None
depends_on = None

FAMILIES = ("records", "schedules", "agents")
"""Seeded here so writers only ever UPDATE (no insert race between processes)."""


def upgrade() -> None:
    """Create ``cache_versions`` (name, version) with one row per family at version 0."""
    table = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_cache_versions"),
    )
    op.bulk_insert(table, [{"name": name, "version": 0} for name in FAMILIES])


def downgrade() -> None:
    """Drop ``cache_versions``."""
    op.drop_table("cache_versions")
