"""Broadcasts: announcements, who wants them, the outbox's lanes and the shared sending pace.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(16), nullable=False, unique=True),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("session_key", sa.String(40), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("report_to", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("bookings", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "send_pace",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("next_at", sa.Float(), nullable=False),
    )
    # plain ADD COLUMNs: batch mode would copy the tables, and with foreign keys on SQLite drop rows
    op.add_column("residents", sa.Column("announcements", sa.String(8), nullable=True))
    op.add_column("residents", sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("lane", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("outbox", sa.Column("broadcast_id", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("language", sa.String(8), nullable=True))
    op.create_index("ix_outbox_waiting", "outbox", ["channel", "status", "lane", "due_at"])
    op.create_index("ix_outbox_broadcast", "outbox", ["broadcast_id"])
    op.create_index("ix_outbox_chat", "outbox", ["chat_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_chat", "outbox")
    op.drop_index("ix_outbox_broadcast", "outbox")
    op.drop_index("ix_outbox_waiting", "outbox")
    op.drop_column("outbox", "language")
    op.drop_column("outbox", "broadcast_id")
    op.drop_column("outbox", "lane")
    op.drop_column("residents", "blocked_at")
    op.drop_column("residents", "announcements")
    op.drop_table("send_pace")
    op.drop_table("broadcasts")
