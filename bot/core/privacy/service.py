"""Consent, seeing one's data, erasing it, and forgetting people who left long ago (GDPR)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.db.engine import rows_changed
from bot.db.models import Handover, ParkedMessage, RecentMessage, Relay, Resident, ScreeningRun

CONSENT_YES = "yes"
CONSENT_NO = "no"


def accept(resident: Resident, now: datetime, first_name: str | None) -> None:
    """Agreeing is what allows keeping the first name and the outreach source."""
    resident.consent = CONSENT_YES
    resident.consent_at = now
    resident.first_name = (first_name or "").strip()[:128] or None
    pending = resident.step_data.get("source")
    if pending and not resident.source:
        resident.source = str(pending)
    resident.step_data = {k: v for k, v in resident.step_data.items() if k != "source"}


def decline(resident: Resident, now: datetime) -> None:
    """Declining keeps only the id and language, which the bot needs to answer at all."""
    resident.consent = CONSENT_NO
    resident.consent_at = now
    resident.first_name = None
    resident.source = None
    resident.step_data = {}


def has_consent(resident: Resident) -> bool:
    return resident.consent == CONSENT_YES


async def erase(session: AsyncSession, resident: Resident) -> None:
    """Erase means gone: the row is deleted, not flagged, with the announcements meant for them."""
    await outbox.forget_lane(session, resident.channel, [resident.external_id], outbox.LANE_BROADCASTS)
    await session.delete(resident)


async def forget_inactive(session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Delete residents nobody heard from within the retention period; returns how many."""
    cutoff = now - timedelta(days=retention_days)
    gone = (
        await session.execute(select(Resident.channel, Resident.external_id).where(Resident.last_seen_at < cutoff))
    ).all()
    for channel in {c for c, _ in gone}:
        chats = [chat for c, chat in gone if c == channel]
        await outbox.forget_lane(session, channel, chats, outbox.LANE_BROADCASTS)
    result = await session.execute(delete(Resident).where(Resident.last_seen_at < cutoff))
    return rows_changed(result)


async def forget_answers(session: AsyncSession, resident: Resident) -> None:
    """Withdrawing consent also removes what was kept under it: answers, noted and recent messages, and
    the map of relayed messages (their chat id; edits stop following)."""
    await session.execute(delete(ScreeningRun).where(ScreeningRun.resident_id == resident.id))
    await session.execute(delete(ParkedMessage).where(ParkedMessage.resident_id == resident.id))
    await session.execute(delete(RecentMessage).where(RecentMessage.resident_id == resident.id))
    mine = select(Handover.id).where(Handover.resident_id == resident.id).scalar_subquery()
    await session.execute(delete(Relay).where(Relay.handover_id.in_(mine)))  # their chat id, message by message
