"""What the bot knows of each resident's forum topic, since Telegram has no way to ask: its name and
whether it is closed. Kept from the bot's own changes and from the service messages Telegram sends
when a counsellor closes, reopens or renames a topic by hand, so that a returning resident's topic
is reopened or renamed only when that changes something (Telegram refuses the call otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ForumTopic, Handover


@dataclass(frozen=True)
class TopicState:
    name: str
    closed: bool


async def state(session: AsyncSession, thread_id: str) -> TopicState | None:
    """None for a topic the bot has no record of (made before it kept them, or not a resident's)."""
    row = await session.get(ForumTopic, thread_id)
    return TopicState(row.name, row.closed) if row is not None else None


async def remember(
    session: AsyncSession, thread_id: str, *, name: str | None = None, closed: bool | None = None
) -> None:
    """Record a change; a topic that belongs to no resident (made by hand) is not kept."""
    row = await session.get(ForumTopic, thread_id)
    if row is None:
        resident_id = await session.scalar(select(Handover.resident_id).where(Handover.thread_id == thread_id).limit(1))
        if resident_id is None:
            return
        row = ForumTopic(thread_id=thread_id, resident_id=resident_id, name=name or "", closed=bool(closed))
        session.add(row)
    if name is not None:
        row.name = name
    if closed is not None:
        row.closed = closed
