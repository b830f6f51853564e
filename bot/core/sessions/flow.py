"""Information sessions as residents see them: the list, one tap to book, my bookings, offers.

Messages not answering a tap (an offered seat, a reminder, a cancelled session) go through the
outbox in the same transaction as the change. Their buttons carry the booking's opaque token
("x:" actions), so they stay valid whatever the resident does in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.messages import Button, Outbound, Reply, Venue
from bot.core.privacy import service as privacy
from bot.core.sessions import service as sessions
from bot.core.sessions.ics import ics
from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.db.models import Booking, InfoSession, Resident
from bot.i18n import LANGUAGE_NAMES, PARIS, Catalogs, format_clock, format_day

PAGE = 5
REMINDERS = ("reminder_day", "reminder_2h", "followup")


class SessionsFlow:
    def __init__(self, catalogs: Catalogs, territory: Territory) -> None:
        self.catalogs = catalogs
        self.territory = territory

    # -- what a session looks like --------------------------------------------------------------

    @staticmethod
    def title(info: InfoSession, lang: str) -> str:
        return str(info.title.get(lang) or info.title.get("fr") or info.key)

    def when(self, info: InfoSession, t: Texts) -> str:
        return t("{day} à {time}", day=format_day(info.starts_at, t.lang), time=format_clock(info.starts_at, t.lang))

    def short(self, info: InfoSession, lang: str) -> str:
        local = info.starts_at.astimezone(PARIS)
        day = format_date(local, format="EEE d MMM", locale=lang)
        if len(day) > 12:  # some languages have no short weekday names (Arabic): keep buttons short
            day = format_date(local, format="d MMM", locale=lang)
        return f"{day}, {format_clock(info.starts_at, lang)}"

    def place(self, info: InfoSession, t: Texts) -> str:
        if info.venue_address:
            return "📍 " + t.escape(", ".join(p for p in (info.venue_name, info.venue_address) if p))
        return "💻 " + t("En ligne : {url}", url=info.online_url or "")

    def card(self, info: InfoSession, t: Texts, heading: str) -> list[str]:
        """The lines every message about one session starts with: what, when, where."""
        return [
            heading,
            t.escape(self.title(info, t.lang)),
            "📆 <b>" + self.when(info, t) + "</b>",
            self.place(info, t),
        ]

    @staticmethod
    def spoken(info: InfoSession) -> str:
        """The languages spoken or interpreted, each named in its own language."""
        return "🗣️ " + ", ".join(LANGUAGE_NAMES.get(code, code) for code in info.languages or ["fr"])

    def seats(self, info: InfoSession, t: Texts) -> str:
        free = info.capacity - info.seats_taken
        if free <= 0:
            return t("🔴 Complet : liste d'attente possible")
        return t.plural("🟢 {n} place libre", "🟢 {n} places libres", free)

    # -- screens --------------------------------------------------------------------------------

    async def show_list(
        self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply, now: datetime, page: int = 0
    ) -> None:
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
                            self.spoken(info),
                            self.seats(info, t),
                        )
                    )
                )
                icon = "✅" if info.seats_taken < info.capacity else "⏳"
                rows.append((Button(f"{icon} {self.short(info, t.lang)}", f"ss.b.{info.key}"),))
            text = "\n\n".join(blocks)
            nav = []
            if page > 0:
                nav.append(Button(t("⬅️ Avant"), f"ss.p{page - 1}"))
            if (page + 1) * PAGE < len(found):
                nav.append(Button(t("➡️ Après"), f"ss.p{page + 1}"))
            if nav:
                rows.append(tuple(nav))
        rows.append((Button(t("🎫 Mes réservations"), "ss.mine"),))
        rows.append((Button(t("⬅️ Menu"), "menu"),))
        reply.messages.append(Outbound(text, tuple(rows), replace=True))

    def confirmation(self, info: InfoSession, t: Texts, now: datetime) -> Outbound:
        lines = self.card(info, t, t("✅ <b>C'est réservé !</b>"))
        description = info.description.get(t.lang) or info.description.get("fr")
        if description:
            lines.insert(2, t.escape(str(description)))
        if info.access_note:
            lines.append("♿ " + t.escape(info.access_note))
        lines += ["", t("📎 Le fichier ci-dessous ajoute la date à votre agenda.")]
        venue = None
        if info.latitude is not None and info.longitude is not None:
            venue = Venue(
                info.venue_name or self.title(info, "fr"), info.venue_address or "", info.latitude, info.longitude
            )
        location = ", ".join(p for p in (info.venue_name, info.venue_address or info.online_url) if p)
        document = ics(info.key, self.title(info, t.lang), info.starts_at, info.ends_at, location, now)
        buttons = ((Button(t("🎫 Mes réservations"), "ss.mine"),), (Button(t("⬅️ Menu"), "menu"),))
        return Outbound("\n".join(lines), buttons, venue=venue, document=document)

    async def book(
        self, session: AsyncSession, resident: Resident, key: str, t: Texts, reply: Reply, now: datetime
    ) -> None:
        info = await sessions.get(session, key)
        if info is None:
            reply.notice = t("Cette réunion n'existe plus.")
            await self.show_list(session, resident, t, reply, now)
            return
        if not privacy.has_consent(resident):
            resident.step_data = {"then": "sessions"}
            text = t("🔒 Pour garder votre réservation, j'ai besoin de votre accord.")
            buttons = ((Button(t("✅ Oui, d'accord"), "ok"),), (Button(t("⬅️ Menu"), "menu"),))
            reply.messages.append(Outbound(text, buttons, replace=True))
            return
        result = await sessions.book(session, resident, info, now)
        if result.status == "closed":
            reply.notice = t("Désolé, cette réunion n'est plus ouverte.")
            await self.show_list(session, resident, t, reply, now)
        elif result.status == "already":
            reply.notice = (
                t("Vous êtes déjà sur la liste d'attente (n° {position}).", position=result.position)
                if result.position
                else t("Vous avez déjà une place pour cette réunion 🙂")
            )
        elif result.status == sessions.BOOKED and result.booking is not None:
            await self.schedule_reminders(session, resident, result.booking, info, now)
            reply.messages.append(self.confirmation(info, t, now))
        else:
            text = t(
                "⏳ <b>C'est complet.</b> Vous êtes sur la liste d'attente (n° {position}).\n"
                "Si une place se libère, je vous préviens ici.",
                position=result.position,
            )
            buttons = ((Button(t("🎫 Mes réservations"), "ss.mine"),), (Button(t("⬅️ Menu"), "menu"),))
            reply.messages.append(Outbound(text, buttons))

    async def mine(self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply, now: datetime) -> None:
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
        rows.append((Button(t("⬅️ Menu"), "menu"),))
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

    async def ask_cancel(self, session: AsyncSession, resident: Resident, token: str, t: Texts, reply: Reply) -> bool:
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

    async def cancel(
        self, session: AsyncSession, resident: Resident, token: str, t: Texts, reply: Reply, now: datetime
    ) -> bool:
        found = await sessions.by_token(session, resident, token)
        if found is None or found[0].status not in (*sessions.HOLDS_SEAT, sessions.WAITLISTED):
            return False
        booking, info = found
        await outbox.cancel_pending(session, booking.id, REMINDERS)
        promoted = await sessions.release(session, booking, info, now, sessions.CANCELLED)
        if promoted is not None:
            await self.offer(session, promoted, info, now)
        text = t("✅ C'est annulé. Merci de nous avoir prévenus : la place ira à quelqu'un d'autre.")
        buttons = ((Button(t("📅 Réunions d'information"), "m.sessions"),), (Button(t("⬅️ Menu"), "menu"),))
        reply.messages.append(Outbound(text, buttons, replace=True))
        return True

    async def answer_offer(
        self, session: AsyncSession, resident: Resident, token: str, yes: bool, t: Texts, reply: Reply, now: datetime
    ) -> bool:
        found = await sessions.by_token(session, resident, token)
        if found is None or found[0].status != sessions.OFFERED:
            return False
        booking, info = found
        if yes:
            if not await sessions.accept_offer(session, booking, now):
                return False
            await self.schedule_reminders(session, resident, booking, info, now)
            reply.messages.append(Outbound(t("🎉 Super, la place est à vous !"), replace=True))
            reply.messages.append(self.confirmation(info, t, now))
            return True
        promoted = await sessions.release(session, booking, info, now, sessions.CANCELLED)
        if promoted is not None:
            await self.offer(session, promoted, info, now)
        reply.messages.append(Outbound(t("👍 D'accord, merci de nous avoir répondu."), replace=True))
        return True

    # -- messages that go through the outbox -------------------------------------------------

    def texts_for(self, resident: Resident) -> Texts:
        return Texts(self.catalogs, resident.language)

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
            (Button(t("✅ Oui, je viens"), f"x:ss.y.{booking.token}"),),
            (Button(t("❌ Non merci"), f"x:ss.n.{booking.token}"),),
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
            buttons = ((Button(t("❌ Je ne peux pas venir"), f"x:ss.c.{booking.token}"),),)
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
            (Button(t("👍 Oui"), f"x:ss.fy.{booking.token}"), Button(t("👎 Pas vraiment"), f"x:ss.fn.{booking.token}")),
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
            buttons = ((Button(t("📅 Voir les autres dates"), "x:m.sessions"),),)
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
            buttons = ((Button(t("❌ Je ne peux pas venir"), f"x:ss.c.{booking.token}"),),)
            await outbox.enqueue(session, resident, Outbound(text, buttons), "moved", now, booking_id=booking.id)

    async def feedback(
        self, session: AsyncSession, resident: Resident, token: str, useful: bool, t: Texts, reply: Reply
    ) -> bool:
        """After the session: was it useful? Either way, the next step is one tap away."""
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
            (Button(t("⬅️ Menu"), "menu"),),
        )
        reply.messages.append(Outbound(text, buttons, replace=True))
        return True

    async def release_all(self, session: AsyncSession, resident: Resident, now: datetime) -> None:
        """Before a resident's data is erased, their seats go back to the people waiting."""
        for booking, info in await sessions.bookings_of(session, resident, now):
            await outbox.cancel_pending(session, booking.id, REMINDERS)
            promoted = await sessions.release(session, booking, info, now, sessions.CANCELLED)
            if promoted is not None:
                await self.offer(session, promoted, info, now)
