"""Outreach campaigns, the funnel's aggregate counts, and what was already counted for a resident.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outreach_campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("payload", sa.String(64), nullable=False, unique=True),
        sa.Column("neighbourhood", sa.String(40), nullable=False),
        sa.Column("event", sa.String(120), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outreach_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("source", "step", "day", name="uq_outreach_steps_source_step_day"),
    )
    # a plain ADD COLUMN: batch mode would copy the table, and with foreign keys on SQLite drop rows
    op.add_column("residents", sa.Column("funnel", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("residents", "funnel")
    op.drop_table("outreach_steps")
    op.drop_table("outreach_campaigns")
