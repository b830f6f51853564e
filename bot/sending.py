"""Sending the outbox: lane by lane, within the channel's messages a second, each message once.

`pump_outbox` sends one batch of what is due (the terminal chat and the tests call it); `Sender`
calls it for as long as the bot runs, woken as soon as a transaction writes a message. Each row's
outcome is recorded in its own small transaction right after it is sent, so a process killed in the
middle of a broadcast sends again at most the one message that was in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox, residents
from bot.core.handover import service as handovers
from bot.core.messages import Outbound
from bot.db.engine import in_transaction
from bot.db.models import OutboxMessage
from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Sends one outbox message to a chat; returns (chat id, message id) of what landed, or None.
Send = Callable[[str, Outbound], Awaitable[tuple[str, str] | None]]

BATCH_SECONDS = 0.25  # a batch holds this much sending at full rate: a relay never waits longer behind one
IDLE_SECONDS = 1.0  # with nothing due, look again this often (another process may have written)
FAR_AHEAD = 5.0  # when the shared pace is further ahead than this (a 429 held it), claim nothing yet


class Pacer:
    """At most one message a second into any one chat (Telegram's advice), across the worker's runs."""

    def __init__(self, gap: float = 1.0) -> None:
        self.gap = gap
        self.last: dict[str, float] = {}  # chat id -> when we last sent there (monotonic seconds)

    async def wait(self, chat_id: str) -> None:
        now = time.monotonic()
        self.last = {chat: at for chat, at in self.last.items() if now - at < self.gap}
        if chat_id in self.last:
            await asyncio.sleep(self.gap - (now - self.last[chat_id]))
        self.last[chat_id] = time.monotonic()


@dataclass(frozen=True)
class Batch:
    rows: list[OutboxMessage]
    start: float  # when the first may leave (seconds since the epoch)


async def pump_outbox(
    runtime: Runtime,
    channel: str,
    send: Send,
    pacer: Pacer | None = None,
    rate: float | None = None,
    limit: int = 20,
    stopping: asyncio.Event | None = None,
    chat: str | None = None,
) -> int:
    """Send one batch of what is due for one channel; returns how many rows were tried.

    With `rate`, the batch's messages leave `1/rate` seconds apart on slots booked in the shared
    pace; the claim keeps each group within its messages a minute; the pacer spaces messages to one chat."""
    now = runtime.core.clock()
    interval = 1.0 / rate if rate else 0.0

    async def take(session: AsyncSession) -> Batch:
        at = time.time()
        if rate and await outbox.ahead(session, channel, at) > FAR_AHEAD:
            return Batch([], at)
        settings = runtime.settings
        rows = await outbox.claim(session, channel, now, limit, settings.broadcasts_per_day, chat, settings.quiet)
        start = await outbox.reserve(session, channel, len(rows), interval, at) if rate and rows else at
        return Batch(rows, start)

    batch = await in_transaction(runtime.sessions, take)
    rows = batch.rows
    touched = time.monotonic()
    for i, row in enumerate(rows):
        if stopping is not None and stopping.is_set():  # the bot is stopping: the rest is for the next start
            await _give_back(runtime, channel, [r.id for r in rows[i:]])
            return i
        error: str | None = None
        final = False
        landed: tuple[str, str] | None = None
        message = Outbound.from_payload(row.payload)
        try:
            if rate:
                await asyncio.sleep(max(0.0, batch.start + i * interval - time.time()))
            if pacer is not None:
                await pacer.wait(row.chat_id)
            landed = await send(row.chat_id, message)
        except outbox.Throttled as exc:
            if outbox.is_group(row.chat_id):  # that group's own limit: only its messages wait
                log.warning("outbox: group %s is asked to wait %.0f s", row.chat_id, exc.seconds)
                await _give_back(runtime, channel, [row.id], chat_waits=(row.chat_id, exc.seconds))
                continue
            log.warning("outbox: the channel %s asks to wait %.0f s; every message waits", channel, exc.seconds)
            await _give_back(runtime, channel, [r.id for r in rows[i:]], hold_until=time.time() + exc.seconds)
            return i
        except outbox.Unreachable as exc:
            log.info("outbox %s: unreachable (%s)", row.id, exc)
            error, final = str(exc), True
            if row.kind == "relay_out":
                await _report_undelivered(runtime, row.channel, row.chat_id, str(exc))
        except Exception as exc:
            log.warning("outbox %s failed, will retry: %s", row.id, exc)
            error = str(exc) or type(exc).__name__
        still = []
        if time.monotonic() - touched > outbox.CLAIM_TIMEOUT.total_seconds() / 3:
            still, touched = [r.id for r in rows[i + 1 :]], time.monotonic()
        outcome = Outcome(row, message, landed, error, final, runtime.core.clock(), still)
        await in_transaction(runtime.sessions, outcome.record)
    return len(rows)


async def _give_back(
    runtime: Runtime,
    channel: str,
    ids: list[int],
    hold_until: float | None = None,
    chat_waits: tuple[str, float] | None = None,
) -> None:
    """Rows claimed and not sent go back, no attempt spent; after a 429 the channel, or one group, waits."""
    now = runtime.core.clock()

    async def give_back(session: AsyncSession) -> None:
        if hold_until is not None:
            await outbox.hold(session, channel, hold_until)
        if chat_waits is not None:
            await outbox.postpone(session, channel, chat_waits[0], now + timedelta(seconds=chat_waits[1]))
        await outbox.release(session, ids)

    await in_transaction(runtime.sessions, give_back)


async def _report_undelivered(runtime: Runtime, channel: str, chat_id: str, error: str) -> None:
    """A counsellor's relay that cannot arrive is reported in the resident's topic."""
    flow = runtime.dialogue.handover
    if flow is None:
        return
    now = runtime.core.clock()

    async def report(session: AsyncSession) -> None:
        await flow.undelivered(session, channel, chat_id, error, now)

    await in_transaction(runtime.sessions, report)


@dataclass(frozen=True)
class Outcome:
    """What became of one outbox row, written in one transaction: sent or failed, and where it landed
    (a relayed message, so its edits can follow; a keyboard, so it can be retired later)."""

    row: OutboxMessage
    message: Outbound
    landed: tuple[str, str] | None
    error: str | None
    final: bool
    at: datetime
    still_claimed: list[int]  # the batch's rows not tried yet, whose claim is renewed

    async def record(self, session: AsyncSession) -> None:
        row, envelope, now = self.row, self.message.envelope, self.at
        await outbox.touch(session, self.still_claimed, now)
        if self.error is not None:
            await outbox.failed(session, row.id, self.error, now, final=self.final)
            if self.final and not outbox.is_group(row.chat_id):
                await outbox.blocked(session, row.channel, row.chat_id, now)
            return
        if self.landed is not None and envelope.remember and envelope.handover_id is not None:
            await handovers.remember_relay(session, envelope.handover_id, envelope.remember, *self.landed, now)
        if self.landed is not None and self.message.buttons and not outbox.is_group(row.chat_id):
            await residents.remember_keyboard(session, row.channel, row.chat_id, self.landed[1])
        await outbox.sent(session, row.id, now)


class Sender:
    """Sends a channel's outbox for as long as the bot runs, at the settings' messages a second."""

    def __init__(self, runtime: Runtime, channel: str, send: Send) -> None:
        self.runtime = runtime
        self.channel = channel
        self.send = send
        self.pacer = Pacer()
        self.rate = runtime.settings.send_rate
        self.limit = max(1, round(self.rate * BATCH_SECONDS))
        self.task: asyncio.Task[None] | None = None
        self.stopping = asyncio.Event()

    def start(self) -> Sender:
        self.task = asyncio.create_task(self.run(), name=f"outbox-{self.channel}")
        return self

    async def run(self) -> None:
        queued = self.runtime.queued
        while not self.stopping.is_set():
            queued.clear()  # a commit from now on wakes the wait below
            try:
                count = await pump_outbox(
                    self.runtime, self.channel, self.send, self.pacer, self.rate, self.limit, self.stopping
                )
            except Exception:
                log.exception("outbox: sending failed; trying again in a moment")
                count = 0
            if count == 0 and not self.stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queued.wait(), IDLE_SECONDS)

    async def stop(self, patience: float = 10.0) -> None:
        """Let the message being sent finish (so its outcome is recorded), then stop."""
        if self.task is None:
            return
        self.stopping.set()
        self.runtime.queued.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), patience)
        except TimeoutError:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
