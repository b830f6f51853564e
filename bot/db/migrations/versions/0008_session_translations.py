"""A session's access note in several languages, like its title and description.

The plain `access_note` becomes `access`, a mapping of language to text; an existing note is kept as
the French one. Columns are added and dropped with plain ALTER TABLE, never by copying the table as
Alembic's batch mode does on SQLite: with foreign keys on, dropping the old copy would delete every
booking (ON DELETE CASCADE). SQLite older than 3.35 cannot drop a column: `access_note` then stays,
unused and empty of meaning.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SESSIONS = sa.table(
    "info_sessions",
    sa.column("id", sa.Integer()),
    sa.column("access_note", sa.String(300)),
    sa.column("access", sa.JSON()),
)


def can_drop_columns() -> bool:
    return op.get_bind().dialect.name != "sqlite" or sqlite3.sqlite_version_info >= (3, 35)


def upgrade() -> None:
    op.add_column("info_sessions", sa.Column("access", sa.JSON(), nullable=True))
    bind = op.get_bind()
    notes = bind.execute(sa.select(SESSIONS.c.id, SESSIONS.c.access_note).where(SESSIONS.c.access_note.is_not(None)))
    for row_id, note in notes.all():
        bind.execute(SESSIONS.update().where(SESSIONS.c.id == row_id).values(access={"fr": note}))
    if can_drop_columns():
        op.drop_column("info_sessions", "access_note")


def downgrade() -> None:
    if can_drop_columns():
        op.add_column("info_sessions", sa.Column("access_note", sa.String(300), nullable=True))
    bind = op.get_bind()
    for row_id, access in bind.execute(sa.select(SESSIONS.c.id, SESSIONS.c.access)).all():
        note = (access or {}).get("fr") if isinstance(access, dict) else None
        if note:
            bind.execute(SESSIONS.update().where(SESSIONS.c.id == row_id).values(access_note=str(note)[:300]))
    if can_drop_columns():
        op.drop_column("info_sessions", "access")
