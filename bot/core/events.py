"""Each inbound event handled once: Telegram may deliver an update twice (a webhook retried after a
timeout, two processes behind one address), and a repeated question must not get two answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import conflict_insert, rows_changed
from bot.db.models import SeenEvent

KEEP = timedelta(days=2)  # Telegram keeps an undelivered update for 24 hours


async def first_time(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record the event in this transaction; False when it was handled before. One statement: of two
    processes given the same update at once, the second waits for the first to commit, then inserts
    nothing."""
    statement = conflict_insert(session, SeenEvent).values(channel=channel, event_id=event_id, seen_at=now)
    result = await session.execute(statement.on_conflict_do_nothing().returning(SeenEvent.event_id))
    return result.first() is not None  # nothing returned: the row was there already


async def forget_old(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(SeenEvent).where(SeenEvent.seen_at < now - KEEP))
    return rows_changed(result)
