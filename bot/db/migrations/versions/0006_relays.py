"""Relayed messages mapped both ways (so edits follow) and the few last messages a card shows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relays",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("handovers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source", sa.String(80), nullable=False, unique=True),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_relays_handover_id", "relays", ["handover_id"])
    op.create_table(
        "recent_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("residents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_recent_messages_resident_id", "recent_messages", ["resident_id"])
    op.create_index("ix_recent_messages_at", "recent_messages", ["at"])


def downgrade() -> None:
    op.drop_index("ix_recent_messages_at", "recent_messages")
    op.drop_index("ix_recent_messages_resident_id", "recent_messages")
    op.drop_table("recent_messages")
    op.drop_index("ix_relays_handover_id", "relays")
    op.drop_table("relays")
