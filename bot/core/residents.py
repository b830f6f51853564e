"""Who is talking to us: one row per person and channel, holding their conversation state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Resident


async def find(session: AsyncSession, channel: str, user_id: str) -> Resident | None:
    result = await session.execute(select(Resident).where(Resident.channel == channel, Resident.external_id == user_id))
    return result.scalar_one_or_none()


async def known(session: AsyncSession, channel: str, user_ids: list[str]) -> frozenset[str]:
    """Which of these people have written to the bot on this channel."""
    if not user_ids:
        return frozenset()
    found = await session.scalars(
        select(Resident.external_id).where(Resident.channel == channel, Resident.external_id.in_(user_ids))
    )
    return frozenset(found.all())


async def find_or_create(
    session: AsyncSession, channel: str, user_id: str, language: str, now: datetime
) -> tuple[Resident, bool]:
    """Only the channel id and the language are stored before the resident agrees to more."""
    resident = await find(session, channel, user_id)
    if resident is not None:
        resident.last_seen_at = now
        if resident.blocked_at is not None:  # writing again means they unblocked the bot
            resident.blocked_at = None
        return resident, False
    resident = Resident(
        channel=channel,
        external_id=user_id,
        language=language,
        step="new",
        step_data={},
        screen=0,
        created_at=now,
        last_seen_at=now,
    )
    session.add(resident)
    await session.flush()
    return resident, True


async def bump_screen(session: AsyncSession, resident: Resident) -> int:
    """A new keyboard makes every older one stale; the counter lives in the database."""
    resident.screen += 1  # written with the resident's other changes when the transaction commits
    return resident.screen


async def set_language(session: AsyncSession, channel: str, user_id: str, language: str, now: datetime) -> None:
    """Used by the terminal chat's --lang, so a returning tester sees the language they asked for."""
    resident, _ = await find_or_create(session, channel, user_id, language, now)
    resident.language = language


async def remember_keyboard(session: AsyncSession, channel: str, user_id: str, message_id: str) -> None:
    """The adapter tells which message now holds the live keyboard, to retire it later."""
    await session.execute(
        update(Resident)
        .where(Resident.channel == channel, Resident.external_id == user_id)
        .values(keyboard_message=message_id)
    )
