"""Messages about a booking that nobody asked for at that moment: a freed seat, reminders, a
cancelled or moved session. They go through the outbox in the same transaction as the change, and
their buttons carry the booking's opaque token ("x:" actions), so they stay valid on any screen.
Used by the flows, the jobs (expired offers) and the command line (import, cancel)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.callbacks import standing
from bot.core.messages import Button, Outbound
from bot.core.sessions import importing
from bot.core.sessions import service as sessions
from bot.core.sessions.cards import Cards
from bot.db.models import Booking, InfoSession, Resident
from bot.i18n import PARIS, format_clock, format_day

REMINDERS = ("reminder_day", "reminder_2h", "followup")


class Notices(Cards):
    """The rules of who is told what when a booking or a session changes."""

    async def offer(self, session: AsyncSession, booking: Booking, info: InfoSession, now: datetime) -> None:
        resident = await session.get(Resident, booking.resident_id)
        if resident is None or booking.offer_expires_at is None:
            return
        t = self.texts_for(resident)
        text = "\n".join(
            (
                *self.card(info, t, t("🎉 <b>Une place s'est libérée !</b>")),
                "",
                t(
                    "Vous la voulez ? Répondez avant {day} à {time}.",
                    day=format_day(booking.offer_expires_at, t.lang),
                    time=format_clock(booking.offer_expires_at, t.lang),
                ),
            )
        )
        buttons = (
            (Button(t("✅ Oui, je viens"), standing(f"ss.y.{booking.token}")),),
            (Button(t("❌ Non merci"), standing(f"ss.n.{booking.token}")),),
        )
        await outbox.enqueue(session, resident, Outbound(text, buttons), "offer", now, booking_id=booking.id)

    async def schedule_reminders(
        self, session: AsyncSession, resident: Resident, booking: Booking, info: InfoSession, now: datetime
    ) -> None:
        """The day before at 18:00 and two hours before; a reminder that would come too late is dropped."""
        await outbox.cancel_pending(session, booking.id, REMINDERS)
        t = self.texts_for(resident)
        local_start = info.starts_at.astimezone(PARIS)
        eve = datetime.combine(local_start.date() - timedelta(days=1), time(18, 0), tzinfo=PARIS)
        plans = (
            ("reminder_day", eve, t("⏰ <b>Rappel : demain</b>")),
            ("reminder_2h", info.starts_at - timedelta(hours=2), t("⏰ <b>Rappel : tout à l'heure</b>")),
        )
        for kind, due, heading in plans:
            if due <= now:
                continue
            text = "\n".join(self.card(info, t, heading))
            buttons = ((Button(t("❌ Je ne peux pas venir"), standing(f"ss.c.{booking.token}")),),)
            await outbox.enqueue(
                session,
                resident,
                Outbound(text, buttons),
                kind,
                now,
                due_at=due,
                expires_at=info.starts_at,
                booking_id=booking.id,
                urgent=kind == "reminder_2h",
            )
        question = t("👋 Comment s'est passée la réunion « {title} » ?", title=self.title(info, t.lang))
        question += "\n" + t("Est-ce qu'elle vous a aidé ?")
        rating = (
            (
                Button(t("👍 Oui"), standing(f"ss.fy.{booking.token}")),
                Button(t("👎 Pas vraiment"), standing(f"ss.fn.{booking.token}")),
            ),
        )
        after = info.ends_at + timedelta(hours=1)
        await outbox.enqueue(
            session, resident, Outbound(question, rating), "followup", now, due_at=after, booking_id=booking.id
        )

    async def expire_offers(self, session: AsyncSession, now: datetime) -> int:
        """Offers not answered in time go to the next person waiting."""
        count = 0
        for booking, info in await sessions.expired_offers(session, now):
            promoted = await sessions.release(session, booking, info, now, sessions.EXPIRED)
            if promoted is not None:
                await self.offer(session, promoted, info, now)
            count += 1
        return count

    async def cancel_session(self, session: AsyncSession, info: InfoSession, now: datetime) -> int:
        """A coordinator cancels: every resident booked or waiting is told, in their language."""
        affected: Sequence[tuple[Booking, Resident]] = await sessions.cancel_session(session, info, now)
        for booking, resident in affected:
            await outbox.cancel_pending(session, booking.id, REMINDERS)
            t = self.texts_for(resident)
            text = t(
                "❌ <b>Réunion annulée</b>\nLa réunion du {when} est annulée. Désolé !\n{title}",
                when=self.when(info, t),
                title=self.title(info, t.lang),
            )
            buttons = ((Button(t("📅 Voir les autres dates"), standing("m.sessions")),),)
            await outbox.enqueue(session, resident, Outbound(text, buttons), "cancelled", now, booking_id=booking.id)
        return len(affected)

    async def moved(self, session: AsyncSession, info: InfoSession, now: datetime) -> None:
        """A session's time changed: reminders follow, and people with a seat are told."""
        for booking, resident in await sessions.attendees(session, info):
            if booking.status not in sessions.HOLDS_SEAT:
                continue
            await self.schedule_reminders(session, resident, booking, info, now)
            t = self.texts_for(resident)
            text = "\n".join(self.card(info, t, t("📆 <b>Nouvel horaire</b>")))
            buttons = ((Button(t("❌ Je ne peux pas venir"), standing(f"ss.c.{booking.token}")),),)
            await outbox.enqueue(session, resident, Outbound(text, buttons), "moved", now, booking_id=booking.id)

    async def release_all(self, session: AsyncSession, resident: Resident, now: datetime) -> None:
        """Before a resident's data is erased, their seats go back to the people waiting."""
        for booking, info in await sessions.bookings_of(session, resident, now):
            await outbox.cancel_pending(session, booking.id, REMINDERS)
            promoted = await sessions.release(session, booking, info, now, sessions.CANCELLED)
            if promoted is not None:
                await self.offer(session, promoted, info, now)

    async def import_file(
        self, session: AsyncSession, rows: list[tuple[int, dict[str, Any]]], name: str, codes: set[str], now: datetime
    ) -> importing.ImportReport:
        """Create or update sessions; when one moved, the people with a seat are told. Nothing on errors."""
        report = await importing.import_rows(session, rows, name, codes, now)
        if report.errors:
            await session.rollback()
            return report
        for key in report.moved:
            info = await sessions.get(session, key)
            if info is not None:
                await self.moved(session, info, now)
        return report
