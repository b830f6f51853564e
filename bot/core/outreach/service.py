"""Where residents come from: outreach links per neighbourhood, event or campaign, and what the people
they brought did next, all counted as aggregates that never point back to a person.

A link's arrivals are counted once per person and link, before any consent (nothing else is kept
then). Each later step (consented, screened, booked…) is counted once per person, for the first link
that brought them, and only once they have consented; erasing someone leaves the counts as they are.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.privacy.service import has_consent
from bot.core.territory import Territory
from bot.db.engine import conflict_insert
from bot.db.models import OutreachArrival, OutreachCampaign, OutreachStep, Resident

log = logging.getLogger(__name__)

PAYLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EVENT_PATTERN = re.compile(r"^ev-[a-z0-9][a-z0-9-]{0,40}$")
CAMPAIGN_PREFIX = "cp"  # "cp<number>-<neighbourhood>[-<event>]"
# The funnel's steps after arriving, in order; screening outcomes are counted as "outcome:<group>".
STEPS = ("consented", "screened", "booked", "attended", "handed_over")


def parse_source(payload: str, territory: Territory) -> str | None:
    """Turn a neighbourhood or event payload into a source we trust; anything else is dropped."""
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


async def resolve_source(session: AsyncSession, payload: str, territory: Territory) -> str | None:
    """A campaign's payload if it exists, else a neighbourhood or event payload we trust."""
    payload = payload.strip()
    if re.match(rf"^{CAMPAIGN_PREFIX}\d+-", payload) and PAYLOAD_PATTERN.match(payload):
        found = await session.scalar(select(OutreachCampaign.payload).where(OutreachCampaign.payload == payload))
        if found is not None:
            return found
        log.info("ignored unknown campaign payload %r", payload)
        return None
    return parse_source(payload, territory)


async def _bump(session: AsyncSession, table: Any, values: dict[str, Any], keys: list[str]) -> None:
    """Add one to an aggregate row, creating it if needed, in one statement (two processes may race):
    `keys` are the columns of its unique constraint."""
    statement = conflict_insert(session, table).values({**values, "count": 1})
    await session.execute(statement.on_conflict_do_update(index_elements=keys, set_={"count": table.count + 1}))


async def count_arrival(session: AsyncSession, source: str, now: datetime) -> None:
    """Count one arrival for an outreach link, with nothing that points back to the person."""
    await _bump(session, OutreachArrival, {"source": source, "day": now.date()}, ["source", "day"])


async def arrive(session: AsyncSession, resident: Resident, source: str, now: datetime) -> None:
    """A resident opened the bot through an outreach link: counted once per person and link."""
    funnel = dict(resident.funnel or {})
    arrived = list(funnel.get("arrived", []))
    if source in arrived:
        return
    await count_arrival(session, source, now)
    resident.funnel = {**funnel, "arrived": [*arrived, source]}


async def credit(session: AsyncSession, resident: Resident, step: str, now: datetime) -> None:
    """One step of the funnel reached by a consenting resident, counted once, for their first link."""
    if not resident.source or not has_consent(resident):
        return
    funnel = dict(resident.funnel or {})
    done = list(funnel.get("steps", []))
    if step in done:
        return
    await _bump(
        session, OutreachStep, {"source": resident.source, "step": step, "day": now.date()}, ["source", "step", "day"]
    )
    resident.funnel = {**funnel, "steps": [*done, step]}
