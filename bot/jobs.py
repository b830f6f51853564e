"""Background work on a schedule (APScheduler): the outbox, expired seat offers, and retention."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox, residents
from bot.core.handover import recent
from bot.core.handover import service as handovers
from bot.core.knowledge import gaps
from bot.core.messages import Outbound
from bot.core.privacy import service as privacy
from bot.core.sessions.notices import Notices
from bot.db.engine import in_transaction
from bot.db.models import OutboxMessage
from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Sends one outbox message to a chat; returns (chat id, message id) of what landed, or None.
Send = Callable[[str, Outbound], Awaitable[tuple[str, str] | None]]


async def forget_inactive(runtime: Runtime) -> int:
    """Erase residents we have not heard from within the retention period that the consent text promises."""
    now = runtime.core.clock()
    count = await in_transaction(
        runtime.sessions, lambda s: privacy.forget_inactive(s, now, runtime.settings.retention_days)
    )
    if count:
        log.info("retention: erased %d resident(s) inactive for %d days", count, runtime.settings.retention_days)
    questions = await in_transaction(runtime.sessions, lambda s: gaps.forget_old(s, now))
    if questions:
        log.info("retention: deleted %d anonymous FAQ question(s) older than %d days", questions, gaps.KEEP_DAYS)
    messages = await in_transaction(runtime.sessions, lambda s: recent.forget_old(s, now))
    if messages:
        log.info("retention: deleted %d recent message(s) older than %d days", messages, recent.KEEP_DAYS)
    return count


async def expire_offers(runtime: Runtime) -> int:
    """Seats offered and not taken in time go to the next person waiting."""
    now = runtime.core.clock()
    notices = Notices(runtime.core.catalogs, runtime.core.territory)
    return await in_transaction(runtime.sessions, lambda s: notices.expire_offers(s, now))


async def raise_forgotten(runtime: Runtime) -> int:
    """Handovers nobody took in time are raised again in the counsellors' general topic (office hours)."""
    flow = runtime.dialogue.handover
    if flow is None:
        return 0
    now = runtime.core.clock()
    after = timedelta(minutes=runtime.settings.handover_raise_minutes)
    return await in_transaction(runtime.sessions, lambda s: flow.raise_forgotten(s, now, after))


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


async def pump_outbox(runtime: Runtime, channel: str, send: Send, pacer: Pacer | None = None) -> int:
    """Send what is due for one channel; each row is marked in its own small transaction.

    The claim keeps each group within its messages a minute; the pacer spaces messages to one chat."""
    now = runtime.core.clock()
    rows = await in_transaction(runtime.sessions, lambda s: outbox.claim(s, channel, now))
    for row in rows:
        error: str | None = None
        final = False
        landed: tuple[str, str] | None = None
        message = Outbound.from_payload(row.payload)
        try:
            if pacer is not None:
                await pacer.wait(row.chat_id)
            landed = await send(row.chat_id, message)
        except outbox.Unreachable as exc:
            log.info("outbox %s to %s: unreachable (%s)", row.id, row.chat_id, exc)
            error, final = str(exc), True
            if row.kind == "relay_out":
                await _report_undelivered(runtime, row.channel, row.chat_id, str(exc))
        except Exception as exc:
            log.warning("outbox %s to %s failed, will retry: %s", row.id, row.chat_id, exc)
            error = str(exc) or type(exc).__name__
        outcome = Outcome(row, message, landed, error, final, runtime.core.clock())
        await in_transaction(runtime.sessions, outcome.record)
    return len(rows)


async def _report_undelivered(runtime: Runtime, channel: str, chat_id: str, error: str) -> None:
    """A counsellor's relay that cannot arrive is reported in the resident's topic."""
    flow = runtime.dialogue.handover
    if flow is None:
        return
    now = runtime.core.clock()

    async def report(session: Any) -> None:
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

    async def record(self, session: AsyncSession) -> None:
        row, envelope, now = self.row, self.message.envelope, self.at
        if self.error is not None:
            await outbox.failed(session, row.id, self.error, now, final=self.final)
            return
        if self.landed is not None and envelope.remember and envelope.handover_id is not None:
            await handovers.remember_relay(session, envelope.handover_id, envelope.remember, *self.landed, now)
        if self.landed is not None and self.message.buttons and not outbox.is_group(row.chat_id):
            await residents.remember_keyboard(session, row.channel, row.chat_id, self.landed[1])
        await outbox.sent(session, row.id, now)


class Jobs:
    """The scheduler and the jobs it runs; `stop` lets a running job finish before the loop closes."""

    def __init__(self, runtime: Runtime, senders: dict[str, Send] | None = None) -> None:
        self.runtime = runtime
        self.running = 0
        self.pacer = Pacer()
        self.scheduler = AsyncIOScheduler(timezone="Europe/Paris")
        now = datetime.now(UTC)
        for channel, send in (senders or {}).items():
            self._every(
                timedelta(seconds=2), f"outbox-{channel}", pump_outbox, runtime, channel, send, self.pacer, first=now
            )
        self._every(timedelta(minutes=1), "offers", expire_offers, runtime)
        if runtime.dialogue.handover is not None:
            self._every(timedelta(minutes=1), "handovers", raise_forgotten, runtime)
        self._every(timedelta(hours=24), "retention", forget_inactive, runtime, first=now + timedelta(minutes=1))

    def _every(
        self,
        period: timedelta,
        name: str,
        job: Callable[..., Awaitable[Any]],
        *args: Any,
        first: datetime | None = None,
    ) -> None:
        async def guarded() -> None:
            self.running += 1
            try:
                await job(*args)
            except Exception:
                log.exception("job %s failed; it will run again", name)
            finally:
                self.running -= 1

        self.scheduler.add_job(
            guarded,
            "interval",
            seconds=period.total_seconds(),
            id=name,
            coalesce=True,
            max_instances=1,
            **({"next_run_time": first} if first is not None else {}),
        )

    def start(self) -> Jobs:
        self.scheduler.start()
        return self

    async def stop(self, patience: float = 10.0) -> None:
        self.scheduler.pause()
        waited = 0.0
        while self.running and waited < patience:
            await asyncio.sleep(0.05)
            waited += 0.05
        self.scheduler.shutdown(wait=False)
