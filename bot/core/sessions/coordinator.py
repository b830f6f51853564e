"""Coordinators in Telegram: sessions with their fill rate, who is coming, who came.

The staff side is written in French, the working language of the support networks; what residents
receive because of it (a no-show message) is in each resident's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from html import escape

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.callbacks import standing
from bot.core.context import Handler, Turn
from bot.core.messages import Button, Inbound, Outbound, Reply
from bot.core.outreach import service as outreach
from bot.core.sessions import service as sessions
from bot.core.sessions.flow import SessionsFlow
from bot.core.texts import Texts
from bot.db.models import Booking, InfoSession, OutboxMessage, Resident
from bot.i18n import PARIS, format_clock, format_day

RECENT = timedelta(days=2)  # sessions that ended lately stay listed, to note who came
MARKS = {None: "⬜", "present": "✅", "absent": "❌"}
NEXT_MARK = {None: "present", "present": "absent", "absent": None}
# A "we did not see you" message waits until the evening of the day it was noted (an hour at least),
# so a coordinator who tapped one name too many can undo it before the resident is told.
NO_SHOW_AT = time(18, 0)
NO_SHOW_UNDO = timedelta(hours=1)
NOT_BEGUN = "La présence se note à partir du début de la réunion."


class CoordinatorFlow:
    def __init__(self, flow: SessionsFlow) -> None:
        self.flow = flow

    def routes(self, allowed: Callable[[Inbound], bool]) -> dict[str, Handler]:
        """Coordinators' buttons; for anyone else they do nothing (a stale-button notice)."""

        async def listing(turn: Turn, _: str) -> bool:
            if not allowed(turn.inbound):
                return False
            await self.overview(turn.session, turn.reply, turn.now, replace=True)
            return True

        async def attendees(turn: Turn, key: str) -> bool:
            return allowed(turn.inbound) and await self.attendees(turn.session, key, turn.reply, turn.now)

        async def mark(turn: Turn, token: str) -> bool:
            return allowed(turn.inbound) and await self.mark(turn.session, token, turn.reply, turn.now)

        return {"co.list": listing, "co.s.": attendees, "co.a.": mark}

    async def overview(self, session: AsyncSession, reply: Reply, now: datetime, *, replace: bool = False) -> None:
        rows = await sessions.fill_rates(session, ending_after=now - RECENT, scheduled_only=True, limit=20)
        lines = ["🗂️ <b>Sessions à venir</b>"]
        buttons = []
        for info, queued in rows:
            when = f"{format_day(info.starts_at, 'fr')} {format_clock(info.starts_at, 'fr')}"
            lines.append(
                f"\n<b>{when}</b> — {escape(self.flow.title(info, 'fr'))}\n"
                f"{info.seats_taken}/{info.capacity} inscrits ({round(100 * info.seats_taken / info.capacity)} %), "
                f"{queued} en attente"
            )
            buttons.append((Button(f"📋 {self.flow.short(info, 'fr')}", f"co.s.{info.key}"),))
        if not rows:
            lines.append("Aucune session à venir. Publiez-en avec `tremplin sessions import`.")
        buttons.append((Button("⬅️ Menu", "menu"),))
        reply.messages.append(Outbound("\n".join(lines), tuple(buttons), replace=replace))

    async def attendees(self, session: AsyncSession, key: str, reply: Reply, now: datetime) -> bool:
        """Who is coming; once the session has started, a button per person to note who came."""
        info = await sessions.get(session, key)
        if info is None:
            return False
        started = now >= info.starts_at
        when = f"{format_day(info.starts_at, 'fr')} {format_clock(info.starts_at, 'fr')}"
        lines = [f"📋 <b>{escape(self.flow.title(info, 'fr'))}</b>", when, ""]
        buttons = []
        fr = Texts(self.flow.catalogs, "fr")
        for number, (booking, resident) in enumerate(await sessions.attendees(session, info), start=1):
            name = escape(resident.first_name or f"#{resident.id}")
            status = await self.flow.status(session, booking, fr)
            lines.append(f"{number}. {name} — {status}")
            if booking.status == sessions.BOOKED and started:
                buttons.append(
                    (
                        Button(
                            f"{MARKS[booking.attendance]} {resident.first_name or resident.id}"[:30],
                            f"co.a.{booking.token}",
                        ),
                    )
                )
        if len(lines) == 3:
            lines.append("Personne d'inscrit pour l'instant.")
        elif not started:
            lines += ["", NOT_BEGUN]
        else:
            lines += [
                "",
                "Touchez un nom pour noter : ⬜ → ✅ présent → ❌ absent.",
                f"Un absent reçoit un message à {NO_SHOW_AT:%H:%M} : jusque-là, vous pouvez corriger.",
            ]
        buttons.append((Button("🗂️ Toutes les sessions", "co.list"),))
        reply.messages.append(Outbound("\n".join(lines), tuple(buttons), replace=True))
        return True

    async def mark(self, session: AsyncSession, token: str, reply: Reply, now: datetime) -> bool:
        """Cycle attendance; an absence sends one kind message proposing another date."""
        row = (
            await session.execute(
                select(Booking, InfoSession)
                .join(InfoSession, InfoSession.id == Booking.session_id)
                .where(Booking.token == token)
            )
        ).first()
        if row is None or row[0].status != sessions.BOOKED:
            return False
        booking, info = row[0], row[1]
        if now < info.starts_at:  # a forged or early press: nobody is absent from what has not begun
            reply.notice = NOT_BEGUN
            return await self.attendees(session, info.key, reply, now)
        booking.attendance = NEXT_MARK[booking.attendance]
        if booking.attendance == "present":
            resident = await session.get(Resident, booking.resident_id)
            if resident is not None:
                await outreach.credit(session, resident, "attended", now)
        if booking.attendance == "absent":
            await outbox.cancel_pending(session, booking.id, ("followup",))
            told = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.booking_id == booking.id,
                    OutboxMessage.kind == "noshow",
                    OutboxMessage.status != "cancelled",
                )
            )
            if not told:
                await self.no_show(session, booking, info, now)
        else:  # a mistake undone in time: the resident is not told they were missed
            await outbox.cancel_pending(session, booking.id, ("noshow",))
        return await self.attendees(session, info.key, reply, now)

    async def no_show(self, session: AsyncSession, booking: Booking, info: InfoSession, now: datetime) -> None:
        resident = await session.get(Resident, booking.resident_id)
        if resident is None:
            return
        t = self.flow.texts_for(resident)
        text = t("👋 On ne vous a pas vu à la réunion du {when}. Pas de souci !", when=self.flow.when(info, t))
        text += "\n" + t("Voulez-vous venir à une autre date ?")
        buttons = ((Button(t("📅 Voir les autres dates"), standing("m.sessions")),),)
        evening = datetime.combine(now.astimezone(PARIS).date(), NO_SHOW_AT, PARIS)
        due = max(evening, now + NO_SHOW_UNDO)
        await outbox.enqueue(
            session, resident, Outbound(text, buttons), "noshow", now, due_at=due, booking_id=booking.id
        )
