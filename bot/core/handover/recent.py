"""The last few messages a resident wrote to the bot, so a counsellor who takes over starts informed.

Only with consent, at most `KEEP` per resident, each cut to `MAX_CHARS`, and none older than
`KEEP_DAYS` (the daily retention job deletes them). The consent text and the privacy answer say so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.privacy import service as privacy
from bot.db.engine import rows_changed
from bot.db.models import RecentMessage, Resident

KEEP = 5
KEEP_DAYS = 30
MAX_CHARS = 500


async def record(session: AsyncSession, resident: Resident, text: str, note: str, now: datetime) -> None:
    """Keep this message (and what the bot made of it, in French), dropping the oldest beyond `KEEP`."""
    if not privacy.has_consent(resident) or resident.id is None:
        return
    session.add(RecentMessage(resident_id=resident.id, text=text[:MAX_CHARS], note=note[:200] or None, at=now))
    await session.flush()
    keep = select(RecentMessage.id).where(RecentMessage.resident_id == resident.id)
    keep = keep.order_by(RecentMessage.at.desc(), RecentMessage.id.desc()).limit(KEEP)
    await session.execute(
        delete(RecentMessage).where(RecentMessage.resident_id == resident.id, RecentMessage.id.not_in(keep))
    )


async def latest(session: AsyncSession, resident: Resident, now: datetime) -> list[RecentMessage]:
    """Oldest first, as a conversation reads; only what is still within `KEEP_DAYS`."""
    rows = await session.scalars(
        select(RecentMessage)
        .where(RecentMessage.resident_id == resident.id, RecentMessage.at >= now - timedelta(days=KEEP_DAYS))
        .order_by(RecentMessage.at.desc(), RecentMessage.id.desc())
        .limit(KEEP)
    )
    return list(reversed(list(rows)))


async def count(session: AsyncSession, resident: Resident) -> int:
    found = await session.scalar(select(func.count()).where(RecentMessage.resident_id == resident.id))
    return int(found or 0)


async def forget_old(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(RecentMessage).where(RecentMessage.at < now - timedelta(days=KEEP_DAYS)))
    return rows_changed(result)
