"""Information sessions as residents see them: the list, one tap to book, my bookings, offers.

Messages not answering a tap (an offered seat, a reminder, a cancelled session) go through the
outbox in the same transaction as the change. Their buttons carry the booking's opaque token
("x:" actions), so they stay valid whatever the resident does in between.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.context import Handler, Turn, menu_row
from bot.core.messages import Button, Outbound
from bot.core.privacy import service as privacy
from bot.core.sessions import service as sessions
from bot.core.sessions.cards import Cards
from bot.core.sessions.notices import REMINDERS, Notices
from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.db.models import Booking
from bot.i18n import Catalogs, format_clock, format_day

PAGE = 5


class SessionsFlow(Cards):
    """The list, booking, my bookings, cancelling and answering an offer: what a resident taps."""

    def __init__(self, catalogs: Catalogs, territory: Territory) -> None:
        super().__init__(catalogs, territory)
        self.notices = Notices(catalogs, territory)

    # Buttons that name a booking by its opaque token: valid until that booking changes, on any screen.
    STANDING = ("m.sessions", "ss.c.", "ss.cy.", "ss.y.", "ss.n.", "ss.fy.", "ss.fn.")

    def routes(self) -> dict[str, Handler]:
        """The buttons this flow owns, by action or "prefix." (the rest is a session key or a token)."""

        async def listing(turn: Turn, page: str) -> bool:
            if page and not page.isdigit():
                return False
            await self.show_list(turn, page=int(page or 0))
            return True

        async def book(turn: Turn, key: str) -> bool:
            await self.book(turn, key)
            return True

        async def mine(turn: Turn, _: str) -> bool:
            await self.mine(turn)
            return True

        def offer(yes: bool) -> Handler:
            return lambda turn, token: self.answer_offer(turn, token, yes)

        def feedback(useful: bool) -> Handler:
            return lambda turn, token: self.feedback(turn, token, useful)

        return {
            "m.sessions": listing,
            "ss.p.": listing,
            "ss.b.": book,
            "ss.mine": mine,
            "ss.c.": lambda turn, token: self.ask_cancel(turn, token),
            "ss.cy.": lambda turn, token: self.cancel(turn, token),
            "ss.y.": offer(True),
            "ss.n.": offer(False),
            "ss.fy.": feedback(True),
            "ss.fn.": feedback(False),
        }

    # -- screens --------------------------------------------------------------------------------

    async def show_list(self, turn: Turn, page: int = 0) -> None:
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        home = resident.source[3:] if resident.source and resident.source.startswith("nb-") else None
        found = await sessions.upcoming(session, now, home)
        rows: list[tuple[Button, ...]] = []
        if not found:
            text = t("📅 Il n'y a pas de réunion prévue pour le moment.")
            if self.territory.phone:
                text += "\n" + t("Appelez-nous pour la prochaine date : {phone}", phone=self.territory.phone)
        else:
            page = max(0, min(page, (len(found) - 1) // PAGE))
            shown = found[page * PAGE : (page + 1) * PAGE]
            blocks = [t("📅 <b>Prochaines réunions</b>") + "\n" + t("Touchez une date pour réserver. C'est gratuit.")]
            for info in shown:
                blocks.append(
                    "\n".join(
                        (
                            f"<b>{self.when(info, t)}</b>",
                            t.escape(self.title(info, t.lang)),
                            self.place(info, t),
                            self.spoken(info, t),
                            self.seats(info, t),
                        )
                    )
                )
                icon = "✅" if info.seats_taken < info.capacity else "⏳"
                rows.append((Button(f"{icon} {self.short(info, t.lang)}", f"ss.b.{info.key}"),))
            text = "\n\n".join(blocks)
            nav = []
            if page > 0:
                nav.append(Button(t("⬅️ Avant"), f"ss.p.{page - 1}"))
            if (page + 1) * PAGE < len(found):
                nav.append(Button(t("➡️ Après"), f"ss.p.{page + 1}"))
            if nav:
                rows.append(tuple(nav))
        rows.append((Button(t("🎫 Mes réservations"), "ss.mine"),))
        rows.append(menu_row(t))
        reply.messages.append(Outbound(text, tuple(rows), replace=True))

    async def book(self, turn: Turn, key: str) -> None:
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        info = await sessions.get(session, key)
        if info is None:
            reply.notice = t("Cette réunion n'existe plus.")
            await self.show_list(turn)
            return
        if not privacy.has_consent(resident):
            resident.step_data = {"then": "sessions"}
            text = t("🔒 Pour garder votre réservation, j'ai besoin de votre accord.")
            buttons = ((Button(t("✅ Oui, d'accord"), "ok"),), menu_row(t))
            reply.messages.append(Outbound(text, buttons, replace=True))
            return
        result = await sessions.book(session, resident, info, now)
        if result.status == "closed":
            reply.notice = t("Désolé, cette réunion n'est plus ouverte.")
            await self.show_list(turn)
        elif result.status == "already":
            reply.notice = (
                t("Vous êtes déjà sur la liste d'attente (n° {position}).", position=result.position)
                if result.position
                else t("Vous avez déjà une place pour cette réunion 🙂")
            )
        elif result.status == sessions.BOOKED and result.booking is not None:
            await self.notices.schedule_reminders(session, resident, result.booking, info, now)
            reply.messages.append(self.confirmation(info, t, now))
        else:
            text = t(
                "⏳ <b>C'est complet.</b> Vous êtes sur la liste d'attente (n° {position}).\n"
                "Si une place se libère, je vous préviens ici.",
                position=result.position,
            )
            buttons = ((Button(t("🎫 Mes réservations"), "ss.mine"),), menu_row(t))
            reply.messages.append(Outbound(text, buttons))

    async def mine(self, turn: Turn) -> None:
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        found = await sessions.bookings_of(session, resident, now)
        rows: list[tuple[Button, ...]] = []
        if not found:
            text = t("🎫 Vous n'avez pas de réservation pour le moment.")
        else:
            blocks = [t("🎫 <b>Mes réservations</b>")]
            for booking, info in found:
                status = await self.status(session, booking, t)
                blocks.append(f"<b>{self.when(info, t)}</b>\n{t.escape(self.title(info, t.lang))}\n{status}")
                if booking.status == sessions.OFFERED:
                    rows.append((Button(t("✅ Oui, je viens"), f"ss.y.{booking.token}"),))
                rows.append((Button(t("❌ Annuler : {day}", day=self.short(info, t.lang)), f"ss.c.{booking.token}"),))
            text = "\n\n".join(blocks)
        rows.append((Button(t("📅 Réunions d'information"), "m.sessions"),))
        rows.append(menu_row(t))
        reply.messages.append(Outbound(text, tuple(rows), replace=True))

    async def status(self, session: AsyncSession, booking: Booking, t: Texts) -> str:
        if booking.status == sessions.BOOKED:
            return t("✅ Place réservée")
        if booking.status == sessions.OFFERED and booking.offer_expires_at is not None:
            return t(
                "🎉 Une place vous attend : répondez avant {day} à {time}",
                day=format_day(booking.offer_expires_at, t.lang),
                time=format_clock(booking.offer_expires_at, t.lang),
            )
        return t("⏳ Liste d'attente (n° {position})", position=await sessions.waitlist_position(session, booking))

    async def ask_cancel(self, turn: Turn, token: str) -> bool:
        session, resident, t, reply = turn.session, turn.resident, turn.t, turn.reply
        found = await sessions.by_token(session, resident, token)
        if found is None or found[0].status not in (*sessions.HOLDS_SEAT, sessions.WAITLISTED):
            return False
        booking, info = found
        text = t("Annuler votre place du {when} ?", when=self.when(info, t))
        buttons = (
            (Button(t("❌ Oui, annuler"), f"ss.cy.{booking.token}"),),
            (Button(t("⬅️ Non, je garde ma place"), "ss.mine"),),
        )
        reply.messages.append(Outbound(text, buttons, replace=True))
        return True

    async def cancel(self, turn: Turn, token: str) -> bool:
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        found = await sessions.by_token(session, resident, token)
        if found is None or found[0].status not in (*sessions.HOLDS_SEAT, sessions.WAITLISTED):
            return False
        booking, info = found
        await outbox.cancel_pending(session, booking.id, REMINDERS)
        promoted = await sessions.release(session, booking, info, now, sessions.CANCELLED)
        if promoted is not None:
            await self.notices.offer(session, promoted, info, now)
        text = t("✅ C'est annulé. Merci de nous avoir prévenus : la place ira à quelqu'un d'autre.")
        buttons = ((Button(t("📅 Réunions d'information"), "m.sessions"),), menu_row(t))
        reply.messages.append(Outbound(text, buttons, replace=True))
        return True

    async def answer_offer(self, turn: Turn, token: str, yes: bool) -> bool:
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        found = await sessions.by_token(session, resident, token)
        if found is None or found[0].status != sessions.OFFERED:
            return False
        booking, info = found
        if yes:
            if not await sessions.accept_offer(session, booking, now):
                return False
            await self.notices.schedule_reminders(session, resident, booking, info, now)
            reply.messages.append(Outbound(t("🎉 Super, la place est à vous !"), replace=True))
            reply.messages.append(self.confirmation(info, t, now))
            return True
        promoted = await sessions.release(session, booking, info, now, sessions.CANCELLED)
        if promoted is not None:
            await self.notices.offer(session, promoted, info, now)
        reply.messages.append(Outbound(t("👍 D'accord, merci de nous avoir répondu."), replace=True))
        return True

    async def feedback(self, turn: Turn, token: str, useful: bool) -> bool:
        """After the session: was it useful? Either way, the next step is one tap away."""
        session, resident, t, reply = turn.session, turn.resident, turn.t, turn.reply
        found = await sessions.by_token(session, resident, token)
        if found is None or found[0].status != sessions.BOOKED:
            return False
        found[0].feedback = "yes" if useful else "no"
        text = (
            t("🙏 Merci ! Et maintenant, que voulez-vous faire ?")
            if useful
            else t("🙏 Merci de nous le dire. Une personne peut vous aider autrement :")
        )
        buttons = (
            (Button(t("🧭 Où en est mon projet ?"), "m.screen"),),
            (Button(t("🙋 Parler à un conseiller"), "m.human"),),
            menu_row(t),
        )
        reply.messages.append(Outbound(text, buttons, replace=True))
        return True
