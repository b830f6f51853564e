"""Each inbound event handled once: Telegram may deliver an update twice (a webhook retried after a
timeout, two processes behind one address), and a repeated question must not get two answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import SeenEvent

KEEP = timedelta(days=2)  # Telegram keeps an undelivered update for 24 hours


async def first_time(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record the event in this transaction; False when it was handled before (or is being handled
    by another process right now, which then wins)."""
    if await session.scalar(
        select(SeenEvent.event_id).where(SeenEvent.channel == channel, SeenEvent.event_id == event_id)
    ):
        return False
    try:
        async with session.begin_nested():  # a concurrent twin's commit makes this insert fail alone
            session.add(SeenEvent(channel=channel, event_id=event_id, seen_at=now))
    except IntegrityError:
        return False
    return True


async def forget_old(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(SeenEvent).where(SeenEvent.seen_at < now - KEEP))
    return int(getattr(result, "rowcount", 0) or 0)
