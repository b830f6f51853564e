"""Where residents come from: outreach links per neighbourhood or event, counted without names."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.territory import Territory
from bot.db.models import OutreachArrival

log = logging.getLogger(__name__)

PAYLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EVENT_PATTERN = re.compile(r"^ev-[a-z0-9][a-z0-9-]{0,40}$")


def parse_source(payload: str, territory: Territory) -> str | None:
    """Turn a deep-link payload into a source we trust; anything else is logged and dropped."""
    payload = payload.strip()
    if not payload:
        return None
    if not PAYLOAD_PATTERN.match(payload):
        log.info("ignored malformed start payload %r", payload[:80])
        return None
    if payload.startswith("nb-") and territory.neighbourhood(payload[3:]) is not None:
        return payload
    if EVENT_PATTERN.match(payload):
        return payload
    log.info("ignored unknown start payload %r", payload)
    return None


async def count_arrival(session: AsyncSession, source: str, now: datetime) -> None:
    """Count one arrival for an outreach link, with nothing that points back to the person."""
    day = now.date()
    values = {"source": source, "day": day, "count": 1}
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect == "postgresql":
        pg = pg_insert(OutreachArrival).values(values)
        await session.execute(
            pg.on_conflict_do_update(
                constraint="uq_outreach_arrivals_source_day", set_={"count": OutreachArrival.count + 1}
            )
        )
    else:
        lite = sqlite_insert(OutreachArrival).values(values)
        await session.execute(
            lite.on_conflict_do_update(index_elements=["source", "day"], set_={"count": OutreachArrival.count + 1})
        )
