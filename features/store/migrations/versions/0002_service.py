"""Service tables: API keys, jobs, forecasts, rosters, published roster rows.

Revision ID: 0002_service
Revises: 0001_records
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_service"
down_revision = "0001_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the service tables."""
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("agent_id", sa.String(128), nullable=True),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
    )
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("result_url", sa.String(512), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("queue", sa.String(128), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("volume_p10", sa.Float(), nullable=True),
        sa.Column("volume_p50", sa.Float(), nullable=True),
        sa.Column("volume_p90", sa.Float(), nullable=True),
        sa.Column("aht_s", sa.Float(), nullable=True),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forecasts"),
    )
    op.create_index("ix_forecasts_run_id", "forecasts", ["run_id"])
    op.create_index("ix_forecasts_queue_interval", "forecasts", ["queue", "interval_start"])
    op.create_table(
        "rosters",
        sa.Column("roster_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(32), nullable=True),
        sa.Column("scenario", sa.JSON(), nullable=False),
        sa.Column("solver_status", sa.String(32), nullable=True),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("objective_terms", sa.JSON(), nullable=True),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("rows", sa.JSON(), nullable=True),
        sa.Column("coverage", sa.JSON(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("roster_id", name="pk_rosters"),
    )
    op.create_table(
        "roster_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("roster_id", sa.String(32), nullable=False),
        sa.Column("agent_id", sa.String(128), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("activity", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(128), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["roster_id"],
            ["rosters.roster_id"],
            name="fk_roster_rows_roster_id_rosters",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_roster_rows"),
    )
    op.create_index("ix_roster_rows_agent_start", "roster_rows", ["agent_id", "start"])


def downgrade() -> None:
    """Drop the service tables."""
    op.drop_index("ix_roster_rows_agent_start", table_name="roster_rows")
    op.drop_table("roster_rows")
    op.drop_table("rosters")
    op.drop_index("ix_forecasts_queue_interval", table_name="forecasts")
    op.drop_index("ix_forecasts_run_id", table_name="forecasts")
    op.drop_table("forecasts")
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("api_keys")
