"""Background work on a schedule (APScheduler): expired seat offers, forgotten handovers, retention;
and, for as long as the bot runs, the outbox's sender of each channel (`bot/sending.py`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import events
from bot.core.broadcasts import report as broadcast_report
from bot.core.broadcasts import service as broadcasts
from bot.core.handover import recent
from bot.core.knowledge import gaps
from bot.core.privacy import service as privacy
from bot.core.sessions.notices import Notices
from bot.db.engine import in_transaction
from bot.runtime import Runtime
from bot.sending import Send, Sender

log = logging.getLogger(__name__)


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
    sent = await in_transaction(runtime.sessions, lambda s: broadcasts.forget_rows(s, now))
    if sent:
        log.info("retention: deleted %d row(s) of finished broadcasts (their counts stay)", sent)
    messages = await in_transaction(runtime.sessions, lambda s: recent.forget_old(s, now))
    if messages:
        log.info("retention: deleted %d recent message(s) older than %d days", messages, recent.KEEP_DAYS)
    await in_transaction(runtime.sessions, lambda s: events.forget_old(s, now))  # update ids, nothing personal
    return count


async def report_broadcasts(runtime: Runtime) -> int:
    """Broadcasts with nothing left to send are reported to who sent them (and their bookings, days later)."""
    now = runtime.core.clock()
    return await in_transaction(runtime.sessions, lambda s: broadcast_report.report(s, runtime.core.catalogs, now))


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


class Jobs:
    """The scheduler and the jobs it runs; `stop` lets a running job finish before the loop closes."""

    def __init__(self, runtime: Runtime, senders: dict[str, Send] | None = None) -> None:
        self.runtime = runtime
        self.running = 0
        self.senders = [Sender(runtime, channel, send) for channel, send in (senders or {}).items()]
        self.scheduler = AsyncIOScheduler(timezone="Europe/Paris")
        now = datetime.now(UTC)
        self._every(timedelta(minutes=1), "offers", expire_offers, runtime)
        self._every(timedelta(seconds=10), "broadcast-reports", report_broadcasts, runtime)
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
        for sender in self.senders:
            sender.start()
        return self

    async def stop(self, patience: float = 10.0) -> None:
        self.scheduler.pause()
        for sender in self.senders:
            await sender.stop(patience)
        waited = 0.0
        while self.running and waited < patience:
            await asyncio.sleep(0.05)
            waited += 0.05
        self.scheduler.shutdown(wait=False)
