"""Information sessions and workshops: publishing, booking, waiting lists. Never a seat given twice.

A seat is taken by one conditional UPDATE (`seats_taken < capacity`) in the booking's own
transaction: PostgreSQL's row lock and SQLite's single writer both make it atomic.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.outreach import service as outreach
from bot.db.models import Booking, InfoSession, Resident

PARIS = ZoneInfo("Europe/Paris")
KINDS = ("info", "workshop", "forum")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
BOOKED, WAITLISTED, OFFERED, CANCELLED, EXPIRED = "booked", "waitlisted", "offered", "cancelled", "expired"
HOLDS_SEAT = (BOOKED, OFFERED)
OFFER_TIME = timedelta(hours=24)


async def get(session: AsyncSession, key: str) -> InfoSession | None:
    return (await session.execute(select(InfoSession).where(InfoSession.key == key))).scalar_one_or_none()


async def upcoming(session: AsyncSession, now: datetime, neighbourhood: str | None = None) -> list[InfoSession]:
    """Scheduled sessions to come, the resident's neighbourhood first, then by date."""
    rows = (
        await session.execute(
            select(InfoSession)
            .where(InfoSession.status == "scheduled", InfoSession.starts_at > now)
            .order_by(InfoSession.starts_at, InfoSession.id)
        )
    ).scalars()
    found = list(rows)
    if neighbourhood:
        found.sort(key=lambda s: (neighbourhood not in (s.neighbourhoods or []), s.starts_at))
    return found


@dataclass(frozen=True)
class BookResult:
    status: str  # booked, waitlisted, already, closed
    booking: Booking | None
    position: int = 0


async def waitlist_position(session: AsyncSession, booking: Booking) -> int:
    ahead = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == booking.session_id, Booking.status == WAITLISTED, Booking.id < booking.id)
    )
    return int(ahead or 0) + 1


async def book(session: AsyncSession, resident: Resident, info: InfoSession, now: datetime) -> BookResult:
    """One tap: a seat if one is free, else a place on the waiting list."""
    existing = (
        await session.execute(select(Booking).where(Booking.session_id == info.id, Booking.resident_id == resident.id))
    ).scalar_one_or_none()
    if existing is not None and existing.status in (*HOLDS_SEAT, WAITLISTED):
        position = await waitlist_position(session, existing) if existing.status == WAITLISTED else 0
        return BookResult("already", existing, position)
    taken = await session.execute(
        update(InfoSession)
        .where(
            InfoSession.id == info.id,
            InfoSession.status == "scheduled",
            InfoSession.starts_at > now,
            InfoSession.seats_taken < InfoSession.capacity,
        )
        .values(seats_taken=InfoSession.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    got_seat = (getattr(taken, "rowcount", 0) or 0) == 1
    if not got_seat:
        await session.refresh(info)
        if info.status != "scheduled" or info.starts_at <= now:
            return BookResult("closed", existing)
    status = BOOKED if got_seat else WAITLISTED
    if existing is None:
        existing = Booking(
            session_id=info.id,
            resident_id=resident.id,
            status=status,
            token=secrets.token_hex(6),
            created_at=now,
            updated_at=now,
        )
        session.add(existing)
    else:
        existing.status, existing.updated_at, existing.offer_expires_at = status, now, None
    await session.flush()
    await session.refresh(info)
    if status == BOOKED:
        await outreach.credit(session, resident, "booked", now)
    position = await waitlist_position(session, existing) if status == WAITLISTED else 0
    return BookResult(status, existing, position)


async def bookings_of(session: AsyncSession, resident: Resident, now: datetime) -> list[tuple[Booking, InfoSession]]:
    rows = await session.execute(
        select(Booking, InfoSession)
        .join(InfoSession, InfoSession.id == Booking.session_id)
        .where(
            Booking.resident_id == resident.id,
            Booking.status.in_((*HOLDS_SEAT, WAITLISTED)),
            InfoSession.starts_at > now,
        )
        .order_by(InfoSession.starts_at)
    )
    return [(b, s) for b, s in rows.all()]


async def by_token(session: AsyncSession, resident: Resident, token: str) -> tuple[Booking, InfoSession] | None:
    """A booking named by the opaque token on a button, only if it is this resident's."""
    row = (
        await session.execute(
            select(Booking, InfoSession)
            .join(InfoSession, InfoSession.id == Booking.session_id)
            .where(Booking.token == token, Booking.resident_id == resident.id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def release(
    session: AsyncSession, booking: Booking, info: InfoSession, now: datetime, status: str
) -> Booking | None:
    """Give up a seat or a place in line; a freed seat is offered to the next in line, who is returned."""
    held = booking.status in HOLDS_SEAT
    booking.status, booking.updated_at, booking.offer_expires_at = status, now, None
    await session.flush()
    if not held:
        return None
    return await offer_next(session, info, now)


async def offer_next(session: AsyncSession, info: InfoSession, now: datetime) -> Booking | None:
    """The freed seat stays taken, held for the first person waiting, for a limited time."""
    nxt = (
        await session.execute(
            select(Booking)
            .where(Booking.session_id == info.id, Booking.status == WAITLISTED)
            .order_by(Booking.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if nxt is None or info.status != "scheduled" or info.starts_at <= now:
        await session.execute(
            update(InfoSession)
            .where(InfoSession.id == info.id, InfoSession.seats_taken > 0)
            .values(seats_taken=InfoSession.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(info)
        return None
    deadline = min(now + OFFER_TIME, info.starts_at - timedelta(hours=1))
    nxt.status, nxt.updated_at, nxt.offer_expires_at = OFFERED, now, max(deadline, now + timedelta(hours=1))
    await session.flush()
    return nxt


async def accept_offer(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    if booking.status != OFFERED or booking.offer_expires_at is None or booking.offer_expires_at <= now:
        return False
    booking.status, booking.updated_at, booking.offer_expires_at = BOOKED, now, None
    resident = await session.get(Resident, booking.resident_id)
    if resident is not None:
        await outreach.credit(session, resident, "booked", now)
    return True


async def expired_offers(session: AsyncSession, now: datetime) -> list[tuple[Booking, InfoSession]]:
    rows = await session.execute(
        select(Booking, InfoSession)
        .join(InfoSession, InfoSession.id == Booking.session_id)
        .where(Booking.status == OFFERED, Booking.offer_expires_at <= now)
        .order_by(Booking.id)
    )
    return [(b, s) for b, s in rows.all()]


async def attendees(session: AsyncSession, info: InfoSession) -> list[tuple[Booking, Resident]]:
    rows = await session.execute(
        select(Booking, Resident)
        .join(Resident, Resident.id == Booking.resident_id)
        .where(Booking.session_id == info.id, Booking.status.in_((*HOLDS_SEAT, WAITLISTED)))
        .order_by(Booking.id)
    )
    return [(b, r) for b, r in rows.all()]


async def cancel_session(session: AsyncSession, info: InfoSession, now: datetime) -> list[tuple[Booking, Resident]]:
    """Cancelled by a coordinator: everyone booked or waiting is returned, to be told."""
    affected = await attendees(session, info)
    info.status, info.updated_at = "cancelled", now
    for booking, _resident in affected:
        booking.status, booking.updated_at, booking.offer_expires_at = CANCELLED, now, None
    await session.execute(
        update(InfoSession)
        .where(InfoSession.id == info.id)
        .values(seats_taken=0)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return affected


async def fill_rates(
    session: AsyncSession,
    *,
    starting_after: datetime | None = None,
    ending_after: datetime | None = None,
    scheduled_only: bool = False,
    limit: int | None = None,
) -> list[tuple[InfoSession, int]]:
    """Sessions in date order, each with how many people wait for a seat (seats taken are on the row)."""
    waiting = (
        select(Booking.session_id, func.count(Booking.id).label("n"))
        .where(Booking.status == WAITLISTED)
        .group_by(Booking.session_id)
        .subquery()
    )
    query = select(InfoSession, func.coalesce(waiting.c.n, 0)).outerjoin(
        waiting, waiting.c.session_id == InfoSession.id
    )
    if starting_after is not None:
        query = query.where(InfoSession.starts_at > starting_after)
    if ending_after is not None:
        query = query.where(InfoSession.ends_at > ending_after)
    if scheduled_only:
        query = query.where(InfoSession.status == "scheduled")
    query = query.order_by(InfoSession.starts_at).limit(limit)
    return [(info, int(queued)) for info, queued in (await session.execute(query)).all()]
