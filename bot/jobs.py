"""Background work on a schedule (APScheduler): for now, forgetting residents after the retention period."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import privacy
from bot.db.engine import in_transaction
from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def forget_inactive(runtime: Runtime) -> int:
    """Erase residents we have not heard from within the retention period that the consent text promises."""
    now = runtime.core.clock()
    count = await in_transaction(
        runtime.sessions, lambda s: privacy.forget_inactive(s, now, runtime.settings.retention_days)
    )
    if count:
        log.info("retention: erased %d resident(s) inactive for %d days", count, runtime.settings.retention_days)
    return count


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Jobs are idempotent and recomputed at start, so nothing is lost when the process restarts."""
    scheduler = AsyncIOScheduler(timezone="Europe/Paris")
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
