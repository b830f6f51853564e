"""What the bot knows of each resident's forum topic (its name, closed or open), so that it asks
Telegram to reopen or rename a topic only when that changes something.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forum_topics",
        sa.Column("thread_id", sa.String(32), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("residents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_forum_topics_resident_id", "forum_topics", ["resident_id"])


def downgrade() -> None:
    op.drop_index("ix_forum_topics_resident_id", table_name="forum_topics")
    op.drop_table("forum_topics")
