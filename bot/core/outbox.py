"""The outbox: messages that matter, written in the same transaction as the change that caused them.

A worker claims due rows and sends them; a claim is a row lock on PostgreSQL (`FOR UPDATE SKIP
LOCKED`) and the single writer's lock on SQLite, so several bot processes never send twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Outbound
from bot.db.models import OutboxMessage, Resident
from bot.i18n import PARIS

CLAIM_TIMEOUT = timedelta(minutes=2)
MAX_ATTEMPTS = 6
GROUP_PER_MINUTE = 20  # Telegram: "no more than 20 messages per minute to the same group"
PER_CHAT_BATCH = 5  # messages to one chat are a second apart: more per run would hold up everyone else
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


class Unreachable(Exception):
    """The person cannot receive messages any more (blocked the bot, deleted account)."""


def polite(moment: datetime) -> datetime:
    """No announcement between 21:00 and 08:00 in Paris: such a message waits for the morning."""
    local = moment.astimezone(PARIS)
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, tzinfo=PARIS)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), QUIET_UNTIL, tzinfo=PARIS)
    return moment


def enqueue_to(session: AsyncSession, channel: str, chat_id: str, message: Outbound, kind: str, now: datetime) -> None:
    """A message for a chat that is not a resident's (the counsellors' group): sent at once, any hour."""
    session.add(
        OutboxMessage(
            channel=channel, chat_id=chat_id, kind=kind, payload=message.to_payload(), due_at=now, created_at=now
        )
    )


async def enqueue(
    session: AsyncSession,
    resident: Resident,
    message: Outbound,
    kind: str,
    now: datetime,
    *,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
    booking_id: int | None = None,
    urgent: bool = False,
) -> None:
    """`urgent` messages (a reminder for today) may go out during the quiet hours; others wait."""
    due = due_at or now
    if not urgent:
        due = polite(due)
    session.add(
        OutboxMessage(
            channel=resident.channel,
            chat_id=resident.external_id,
            kind=kind,
            booking_id=booking_id,
            payload=message.to_payload(),
            due_at=due,
            expires_at=expires_at,
            status="pending",
            attempts=0,
            created_at=now,
        )
    )


def is_group(chat_id: str) -> bool:
    """Telegram group and supergroup ids are negative; people's are positive."""
    return chat_id.startswith("-")


async def claim(session: AsyncSession, channel: str, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """Due rows for this channel, marked as being sent; rows past their use-by time are dropped.

    Within Telegram's limits: a group gets at most `GROUP_PER_MINUTE` messages a minute (counted in
    the table, so every bot process shares the budget) and one chat at most `PER_CHAT_BATCH` rows a
    run; what is left waits, in order, for the next run."""
    stale = now - CLAIM_TIMEOUT
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit * 3)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.execute(query)).scalars())
    groups = {row.chat_id for row in rows if is_group(row.chat_id)}
    taken: dict[str, int] = {}
    if groups:
        recent = await session.execute(
            select(OutboxMessage.chat_id, func.count())
            .where(
                OutboxMessage.chat_id.in_(groups),
                OutboxMessage.status == "sent",
                OutboxMessage.sent_at > now - timedelta(minutes=1),
            )
            .group_by(OutboxMessage.chat_id)
        )
        taken = {chat: int(n) for chat, n in recent}
    ready: list[OutboxMessage] = []
    batch: dict[str, int] = {}
    for row in rows:
        if row.expires_at is not None and row.expires_at <= now:
            row.status = "expired"
            continue
        chat = row.chat_id
        if len(ready) >= limit or batch.get(chat, 0) >= PER_CHAT_BATCH:
            continue
        if is_group(chat) and taken.get(chat, 0) + batch.get(chat, 0) >= GROUP_PER_MINUTE:
            continue
        batch[chat] = batch.get(chat, 0) + 1
        row.claimed_at = now
        row.attempts += 1
        ready.append(row)
    # Take turns between chats (each chat's own order kept), so the second-long gaps overlap.
    rank: dict[int, int] = {}
    seen: dict[str, int] = {}
    for row in ready:
        rank[row.id] = seen.get(row.chat_id, 0)
        seen[row.chat_id] = rank[row.id] + 1
    return sorted(ready, key=lambda row: rank[row.id])


async def sent(session: AsyncSession, message_id: int, now: datetime) -> None:
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(status="sent", sent_at=now, last_error=None)
    )


async def failed(session: AsyncSession, message_id: int, error: str, now: datetime, *, final: bool) -> None:
    """A failure is retried later with a growing delay, unless final (person unreachable)."""
    row = await session.get(OutboxMessage, message_id)
    if row is None:
        return
    row.last_error = error[:500]
    row.claimed_at = None
    if final or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.due_at = now + timedelta(seconds=min(600, 5 * 2**row.attempts))


async def cancel_pending(session: AsyncSession, booking_id: int, kinds: tuple[str, ...]) -> None:
    """Drop reminders of a booking that was cancelled or moved."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking_id,
            OutboxMessage.status == "pending",
            OutboxMessage.kind.in_(kinds),
        )
        .values(status="cancelled")
    )
