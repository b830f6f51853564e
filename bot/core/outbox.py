"""The outbox: messages that matter, written in the same transaction as the change that caused them.

A worker claims due rows and sends them; a claim is a row lock on PostgreSQL (`FOR UPDATE SKIP
LOCKED`) and the single writer's lock on SQLite, so several bot processes never send twice. Rows
wait in lanes: replies, relays and notices first, reminders next, broadcasts last, so a counsellor's
reply never queues behind an announcement to thousands. Every process books its sending slots in
one shared row (`send_pace`), so together they stay within the channel's messages a second.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Outbound
from bot.db.engine import conflict_insert
from bot.db.models import OutboxMessage, Resident, SendPace
from bot.i18n import PARIS

LANE_NOW, LANE_REMINDERS, LANE_BROADCASTS = 0, 1, 2
LANE_OF_KIND = {"reminder_day": LANE_REMINDERS, "reminder_2h": LANE_REMINDERS, "followup": LANE_REMINDERS}
LANE_OF_KIND |= {"noshow": LANE_REMINDERS, "broadcast": LANE_BROADCASTS}
# A live worker keeps its claims fresh and lets them go before any long wait: an older claim is
# a crashed process's, and its rows are sent again (at most the one in flight, sent twice).
CLAIM_TIMEOUT = timedelta(seconds=30)
MAX_ATTEMPTS = 6
GROUP_PER_MINUTE = 20  # Telegram: "no more than 20 messages per minute to the same group"
PER_CHAT_BATCH = 5  # messages to one chat are a second apart: more per run would hold up everyone else
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


class Unreachable(Exception):
    """The person cannot receive messages any more (blocked the bot, deleted account)."""


class Throttled(Exception):
    """The channel asked us to send nothing for `seconds` (Telegram's 429 with retry_after)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"asked to wait {seconds:g} s")
        self.seconds = seconds


def polite(moment: datetime, quiet: tuple[time, time] | None = (QUIET_FROM, QUIET_UNTIL)) -> datetime:
    """No announcement between 21:00 and 08:00 in Paris: such a message waits for the morning."""
    if quiet is None:
        return moment
    start, end = quiet
    local = moment.astimezone(PARIS)
    if local.time() >= start and start >= end:  # the evening of a night that ends tomorrow
        return datetime.combine(local.date() + timedelta(days=1), end, tzinfo=PARIS)
    if local.time() < end and (start >= end or local.time() >= start):
        return datetime.combine(local.date(), end, tzinfo=PARIS)
    return moment


def enqueue_to(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    message: Outbound,
    kind: str,
    now: datetime,
    about: int | None = None,
) -> None:
    """A message for a chat that is not a resident's (the counsellors' group): sent at once, any hour.
    `about` is the resident it concerns (their card, their words), erased with them."""
    session.add(
        OutboxMessage(
            channel=channel,
            chat_id=chat_id,
            kind=kind,
            payload=message.to_payload(),
            due_at=now,
            created_at=now,
            lane=LANE_OF_KIND.get(kind, LANE_NOW),
            resident_id=about,
        )
    )
    queued(session)


def queued(session: AsyncSession) -> None:
    """Noted on the session, so the sender is woken as soon as the transaction commits."""
    session.info["queued"] = True


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
    broadcast_id: int | None = None,
    urgent: bool = False,
) -> None:
    """`urgent` messages (a reminder for today) may go out during the quiet hours; others wait."""
    due = due_at or now
    if not urgent:
        due = polite(due)
    if resident.id is None:  # a resident met in this very transaction: their id ties the row to them
        await session.flush()
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
            lane=LANE_OF_KIND.get(kind, LANE_NOW),
            broadcast_id=broadcast_id,
            language=resident.language if broadcast_id is not None else None,
            resident_id=resident.id,
        )
    )
    queued(session)


def is_group(chat_id: str) -> bool:
    """Telegram group and supergroup ids are negative; people's are positive."""
    return chat_id.startswith("-")


async def claim(
    session: AsyncSession,
    channel: str,
    now: datetime,
    limit: int = 20,
    per_day: int = 1,
    chat: str | None = None,
    quiet: tuple[time, time] | None = (QUIET_FROM, QUIET_UNTIL),
) -> list[OutboxMessage]:
    """Due rows for this channel, lane by lane, marked as being sent; rows past their use-by time are dropped.

    Within Telegram's limits: a group gets at most `GROUP_PER_MINUTE` messages a minute (counted in
    the table, so every bot process shares the budget) and one chat at most `PER_CHAT_BATCH` rows a
    run; what is left waits, in order, for the next run. Broadcasts keep the quiet hours even when
    they take long to send, and a resident gets at most `per_day` of them a day: the rest wait for
    the next morning. With `chat`, only that chat's rows (a terminal user's)."""
    morning = polite(now, quiet)
    if morning != now:  # quiet hours: announcements due now wait, in one statement
        await session.execute(
            update(OutboxMessage)
            .where(*_waiting(channel, now), OutboxMessage.lane == LANE_BROADCASTS)
            .values(due_at=morning)
        )
    # Groups already at their messages a minute are left out of the query, so that their backlog
    # never fills the batch and holds everyone else up.
    waiting_groups = await session.scalars(
        select(OutboxMessage.chat_id).distinct().where(*_waiting(channel, now), OutboxMessage.chat_id.startswith("-"))
    )
    sent_lately = await _sent_since(session, set(waiting_groups), now - timedelta(minutes=1))
    full = [group for group, count in sent_lately.items() if count >= GROUP_PER_MINUTE]
    query = (
        select(OutboxMessage)
        .where(*_waiting(channel, now), _unclaimed(now), *([OutboxMessage.chat_id == chat] if chat else []))
        .where(*([OutboxMessage.chat_id.not_in(full)] if full else []))
        .order_by(OutboxMessage.lane, OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit * 3)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.execute(query)).scalars())
    announced = {row.chat_id for row in rows if row.lane == LANE_BROADCASTS}
    taken = sent_lately
    today = await _sent_since(session, announced, _midnight(now), lane=LANE_BROADCASTS)
    ready: list[OutboxMessage] = []
    batch: dict[str, int] = {}
    for row in rows:
        if row.expires_at is not None and row.expires_at <= now:
            row.status = "expired"
            continue
        chat = row.chat_id
        if row.lane == LANE_BROADCASTS and today.get(chat, 0) >= per_day:
            row.due_at = polite(_midnight(now) + timedelta(days=1), quiet)
            continue
        if len(ready) >= limit or batch.get(chat, 0) >= PER_CHAT_BATCH:
            continue
        if is_group(chat) and taken.get(chat, 0) + batch.get(chat, 0) >= GROUP_PER_MINUTE:
            continue
        batch[chat] = batch.get(chat, 0) + 1
        if row.lane == LANE_BROADCASTS:
            today[chat] = today.get(chat, 0) + 1
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


def _waiting(channel: str, now: datetime) -> tuple[Any, ...]:
    return (OutboxMessage.channel == channel, OutboxMessage.status == "pending", OutboxMessage.due_at <= now)


def _unclaimed(now: datetime) -> Any:
    return or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)


def _midnight(now: datetime) -> datetime:
    """The start of today in Paris."""
    return datetime.combine(now.astimezone(PARIS).date(), time(0, 0), tzinfo=PARIS)


async def _sent_since(
    session: AsyncSession, chats: set[str], since: datetime, lane: int | None = None
) -> dict[str, int]:
    """How many messages each of these chats was sent since then (in one lane, or all)."""
    if not chats:
        return {}
    query = select(OutboxMessage.chat_id, func.count()).where(
        OutboxMessage.chat_id.in_(chats), OutboxMessage.status == "sent", OutboxMessage.sent_at > since
    )
    if lane is not None:
        query = query.where(OutboxMessage.lane == lane)
    return {chat: int(n) for chat, n in await session.execute(query.group_by(OutboxMessage.chat_id))}


async def touch(session: AsyncSession, ids: list[int], now: datetime) -> None:
    """A worker still busy with its claimed rows says so, so that nobody takes them for a crashed one's."""
    if ids:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(claimed_at=now))


async def release(session: AsyncSession, ids: list[int]) -> None:
    """Claimed rows not tried after all (the channel asked us to wait): free for the next run, no attempt spent."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(claimed_at=None, attempts=OutboxMessage.attempts - 1)
        )


async def reserve(session: AsyncSession, channel: str, count: int, interval: float, at: float) -> float:
    """Book `count` sending slots `interval` seconds apart for this channel, shared with every other
    process; returns when the first one may leave (seconds since the epoch, `at` or later)."""
    pace = await _pace(session, channel, at)
    start = max(pace.next_at, at)
    pace.next_at = start + count * interval
    return start


async def ahead(session: AsyncSession, channel: str, at: float) -> float:
    """How far ahead of `at` the channel's next free slot is (seconds; 0 when free now)."""
    pace = await session.get(SendPace, channel)
    return max(0.0, pace.next_at - at) if pace is not None else 0.0


async def hold(session: AsyncSession, channel: str, until: float) -> None:
    """Nothing leaves on this channel before `until`, from any process (after a 429)."""
    pace = await _pace(session, channel, until)
    pace.next_at = max(pace.next_at, until)


async def _pace(session: AsyncSession, channel: str, at: float) -> SendPace:
    """The channel's row, locked; made if missing (two processes may try at once: one insert wins)."""
    await session.execute(
        conflict_insert(session, SendPace).values(channel=channel, next_at=at).on_conflict_do_nothing()
    )
    pace = await session.get(SendPace, channel, with_for_update=True, populate_existing=True)
    assert pace is not None
    return pace


async def postpone(session: AsyncSession, channel: str, chat_id: str, until: datetime) -> None:
    """Everything due for one chat waits until then (the group asked us to slow down)."""
    await session.execute(
        update(OutboxMessage).where(*_waiting(channel, until), OutboxMessage.chat_id == chat_id).values(due_at=until)
    )


async def blocked(session: AsyncSession, channel: str, chat_id: str, now: datetime) -> None:
    """The person blocked the bot: marked, and no announcement is tried again (until they write)."""
    await session.execute(
        update(Resident).where(Resident.channel == channel, Resident.external_id == chat_id).values(blocked_at=now)
    )
    await cancel_lane(session, channel, chat_id, LANE_BROADCASTS)


async def cancel_lane(session: AsyncSession, channel: str, chat_id: str, lane: int) -> None:
    """Drop what a chat was still to receive in one lane (announcements after "stop")."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.lane == lane,
            OutboxMessage.status == "pending",
        )
        .values(status="cancelled")
    )


async def forget_lane(session: AsyncSession, channel: str, chats: list[str], lane: int) -> None:
    """Delete what these chats received or were to receive in one lane (their people are erased)."""
    if chats:
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.channel == channel, OutboxMessage.chat_id.in_(chats), OutboxMessage.lane == lane
            )
        )


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
