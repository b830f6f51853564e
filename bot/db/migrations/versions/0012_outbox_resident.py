"""Each outbox row names the resident it is to or about (a reply, a relay, their card in the
counsellors' group), so erasing a resident erases those rows too, sent or not.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("resident_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_resident_id", "residents", ["resident_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_outbox_resident_id", ["resident_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_resident_id")
        batch.drop_constraint("fk_outbox_resident_id", type_="foreignkey")
        batch.drop_column("resident_id")
