"""Questions typed to the FAQ, anonymous, for the coordinators' list of gaps in the knowledge base.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(16), nullable=False, unique=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("feedback", sa.String(8), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_faq_questions_asked_at", "faq_questions", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_faq_questions_asked_at", "faq_questions")
    op.drop_table("faq_questions")
