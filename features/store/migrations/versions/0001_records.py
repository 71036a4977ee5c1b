"""Records: contacts, agent states, agents.

Revision ID: 0001_records
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_records"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("arrived_at", sa.BigInteger(), nullable=False, comment="UTC epoch milliseconds"),
        sa.Column("answered_at", sa.BigInteger(), nullable=True, comment="UTC epoch milliseconds"),
        sa.Column("ended_at", sa.BigInteger(), nullable=True, comment="UTC epoch milliseconds"),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("talk_s", sa.Float(), nullable=True),
        sa.Column("hold_s", sa.Float(), nullable=True),
        sa.Column("acw_s", sa.Float(), nullable=True),
        sa.Column("handle_s", sa.Float(), nullable=True),
        sa.Column("agent_id", sa.String(100), nullable=True),
        sa.Column("transfers", sa.Integer(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("contact_id", name="pk_contacts"),
    )
    op.create_index("ix_contacts_arrived_at", "contacts", ["arrived_at"])
    op.create_table(
        "agent_states",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("agent_id", sa.String(100), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False, comment="UTC epoch milliseconds"),
        sa.Column("ended_at", sa.BigInteger(), nullable=False, comment="UTC epoch milliseconds"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_states"),
        sa.UniqueConstraint("agent_id", "started_at", "state", name="uq_agent_states_span"),
    )
    op.create_index("ix_agent_states_started_at", "agent_states", ["started_at"])
    op.create_table(
        "agents",
        sa.Column("agent_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("site", sa.String(100), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("contract", sa.JSON(), nullable=True),
        sa.Column("availability", sa.JSON(), nullable=True),
        sa.Column("time_off", sa.JSON(), nullable=True),
        sa.Column("preferences", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("agent_id", name="pk_agents"),
    )


def downgrade() -> None:
    op.drop_table("agents")
    op.drop_index("ix_agent_states_started_at", table_name="agent_states")
    op.drop_table("agent_states")
    op.drop_index("ix_contacts_arrived_at", table_name="contacts")
    op.drop_table("contacts")
