"""Background work on a schedule (APScheduler): for now, forgetting residents after the retention period."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import outbox, privacy
from bot.core.messages import Outbound
from bot.db.engine import in_transaction
from bot.runtime import Runtime

log = logging.getLogger(__name__)

Send = Callable[[str, Outbound], Awaitable[Any]]


async def forget_inactive(runtime: Runtime) -> int:
    """Erase residents we have not heard from within the retention period that the consent text promises."""
    now = runtime.core.clock()
    count = await in_transaction(
        runtime.sessions, lambda s: privacy.forget_inactive(s, now, runtime.settings.retention_days)
    )
    if count:
        log.info("retention: erased %d resident(s) inactive for %d days", count, runtime.settings.retention_days)
    return count


async def expire_offers(runtime: Runtime) -> int:
    """Seats offered and not taken in time go to the next person waiting."""
    now = runtime.core.clock()
    return await in_transaction(runtime.sessions, lambda s: runtime.dialogue.sessions.expire_offers(s, now))


async def pump_outbox(runtime: Runtime, channel: str, send: Send) -> int:
    """Send what is due for one channel; each row is marked in its own small transaction."""
    now = runtime.core.clock()
    rows = await in_transaction(runtime.sessions, lambda s: outbox.claim(s, channel, now))
    for row in rows:
        error: str | None = None
        final = False
        try:
            await send(row.chat_id, Outbound.from_payload(row.payload))
        except outbox.Unreachable as exc:
            log.info("outbox %s to %s: unreachable (%s)", row.id, row.chat_id, exc)
            error, final = str(exc), True
        except Exception as exc:
            log.warning("outbox %s to %s failed, will retry: %s", row.id, row.chat_id, exc)
            error = str(exc) or type(exc).__name__
        await in_transaction(runtime.sessions, _outcome(row.id, error, final, runtime.core.clock()))
    return len(rows)


def _outcome(row_id: int, error: str | None, final: bool, now: datetime) -> Callable[[Any], Awaitable[None]]:
    async def mark(session: Any) -> None:
        if error is None:
            await outbox.sent(session, row_id, now)
        else:
            await outbox.failed(session, row_id, error, now, final=final)

    return mark


def start_scheduler(runtime: Runtime, senders: dict[str, Send] | None = None) -> AsyncIOScheduler:
    """Jobs are idempotent and their state is in the database, so a restart loses nothing."""
    scheduler = AsyncIOScheduler(timezone="Europe/Paris")
    for channel, send in (senders or {}).items():
        scheduler.add_job(
            pump_outbox,
            "interval",
            seconds=2,
            args=[runtime, channel, send],
            id=f"outbox-{channel}",
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
    scheduler.add_job(expire_offers, "interval", minutes=1, args=[runtime], id="offers", coalesce=True, max_instances=1)
    scheduler.add_job(
        forget_inactive,
        "interval",
        hours=24,
        args=[runtime],
        id="retention",
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
        coalesce=True,
        max_instances=1,
    )
    scheduler.start()
    return scheduler
