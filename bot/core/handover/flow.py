"""Talk to a counsellor: the resident's side (asking, being relayed) and the counsellors' topic.

Everything that crosses between a resident's chat and the counsellors' group goes through the
outbox, written in the same transaction, so Telegram's limits and failures are handled by the worker
and nothing is lost. While a handover is open the bot stays silent and relays both ways.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.context import Turn, menu_row
from bot.core.handover import recent
from bot.core.handover import service as handovers
from bot.core.messages import Envelope, Inbound, Kind, Outbound
from bot.core.outreach import service as outreach
from bot.core.partners.content import Partners
from bot.core.partners.counsellor import send_card
from bot.core.screening import runs as screening_runs
from bot.core.screening.model import Screening
from bot.core.screening.runs import STEP as SCREENING
from bot.core.sessions import service as sessions
from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.db.models import Handover, Resident
from bot.i18n import Catalogs, format_clock, format_day

log = logging.getLogger(__name__)

NOTE = "//"  # a counsellor's message starting with this stays in the topic
ACKNOWLEDGED = "handover_ack"  # the handover whose waiting resident was told their messages are passed on


class HandoverFlow:
    def __init__(
        self, catalogs: Catalogs, territory: Territory, counsellors: str, channel: str, screening: Screening | None,
        partners: Partners | None = None,
    ) -> None:  # fmt: skip
        self.partners = partners or Partners()  # `/partner` sends one of their cards to the resident
        self.catalogs = catalogs
        self.territory = territory
        self.counsellors = counsellors  # the counsellors' group, on `channel`
        self.channel = channel
        self.screening = screening

    # -- the resident's side ---------------------------------------------------------------------

    async def ask(self, turn: Turn, reason: str) -> None:
        """Open (or renew) the handover, post the card in the resident's topic, say when a person answers."""
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        handover, created = await handovers.open_handover(session, resident, reason, now)
        await outreach.credit(session, resident, "handed_over", now)
        if created:  # a new card; the resident's topic, if a counsellor closed it, is opened again
            card = await self._card(session, resident, handover, now)
            message = Outbound(card, envelope=Envelope(remember=handovers.card_key(handover), reopen=True))
        else:
            message = Outbound(f"🔔 {Texts.escape(resident.first_name or 'La personne')} redemande quelqu'un.")
        self._to_topic(session, resident, handover, message, "handover_card", now)
        reply.messages.append(Outbound(handovers.expected_reply(self.territory, t, now), (menu_row(t),)))

    async def relay_in(self, turn: Turn) -> bool:
        """While a handover is open, what the resident writes goes to the topic. The bot says once that it
        is passed on, while nobody has taken it yet, then stays silent. An edit follows its message: the
        copy in the topic is edited (or, if it cannot be, sent anew)."""
        session, resident, inbound, t, reply, now = (
            turn.session,
            turn.resident,
            turn.inbound,
            turn.t,
            turn.reply,
            turn.now,
        )
        handover = await handovers.current(session, resident)
        if handover is None or inbound.kind not in (Kind.TEXT, Kind.MEDIA):
            return False
        if handover.status == handovers.OPEN and resident.step_data.get(ACKNOWLEDGED) != handover.id:
            resident.step_data = {**resident.step_data, ACKNOWLEDGED: handover.id}
            said = t("📨 Votre message est bien transmis.") + "\n" + handovers.expected_reply(self.territory, t, now)
            reply.messages.append(Outbound(said))
        key = handovers.source_key(inbound.user_id, inbound.message_id) if inbound.message_id else None
        if inbound.kind is Kind.TEXT and inbound.edited:
            message = Outbound("✏️ " + Texts.escape(inbound.text), envelope=Envelope(edit_of=key))
        elif inbound.kind is Kind.TEXT:
            message = Outbound("💬 " + Texts.escape(inbound.text), envelope=Envelope(remember=key))
        elif inbound.edited:  # a new caption under a photo or file: the copy's caption changes too
            message = Outbound(Texts.escape(inbound.text), envelope=Envelope(edit_of=key, edit_only=True, caption=True))
        elif inbound.message_id:  # a photo, voice note or document: copied as it is
            message = Outbound("", envelope=Envelope(copy_of=(inbound.user_id, inbound.message_id), remember=key))
        else:
            return True
        self._to_topic(session, resident, handover, message, "relay_in", now)
        return True

    async def undelivered(self, session: AsyncSession, channel: str, chat_id: str, error: str, now: datetime) -> None:
        """A counsellor's message could not reach the resident: say so in the topic, never drop it silently."""
        resident = await session.scalar(
            select(Resident).where(Resident.channel == channel, Resident.external_id == chat_id)
        )
        handover = await handovers.current(session, resident) if resident is not None else None
        if resident is None or handover is None:
            return
        text = f"⚠️ Message non remis : la personne a bloqué le bot ou supprimé son compte ({Texts.escape(error)})."
        self._to_topic(session, resident, handover, Outbound(text), "staff_notice", now)

    async def raise_forgotten(self, session: AsyncSession, now: datetime, after: timedelta) -> int:
        """While the office is open, a handover nobody took within `after` is raised in the general topic."""
        if not self.territory.is_open(now):
            return 0
        late = await handovers.to_raise_again(session, now, after)
        for handover in late:
            resident = await session.get(Resident, handover.resident_id)
            if resident is None:
                continue
            who = Texts.escape(handovers.topic_name(resident, self.territory))
            waited = handovers.waiting_time(handover, now)
            self._say(session, "", f"⏰ {who} attend depuis {waited} : /take dans son sujet.", now, resident)
            handover.raised_at = now
        return len(late)

    # -- the counsellors' side -------------------------------------------------------------------

    async def staff(self, session: AsyncSession, inbound: Inbound, now: datetime) -> None:
        """A message in the counsellors' group: a command, a note, or a reply to relay."""
        actor = inbound.user_id
        if inbound.kind is Kind.COMMAND and inbound.command == "queue":
            self._say(session, inbound.thread_id, await self._queue(session, now), now)
            return
        found = await self._by_thread(session, inbound.thread_id)
        if found is None:
            if inbound.kind is Kind.COMMAND and inbound.command in ("take", "release", "close"):
                self._say(session, inbound.thread_id, "Aucune demande ouverte dans ce sujet.", now)
            return
        handover, resident = found
        if inbound.kind is Kind.COMMAND:
            await self._command(session, inbound, handover, resident, now)
            return
        if inbound.kind not in (Kind.TEXT, Kind.MEDIA) or inbound.text.lstrip().startswith(NOTE):
            return  # notes stay in the topic
        key = handovers.source_key(inbound.group, inbound.message_id)
        if inbound.edited:  # the resident's copy is edited too, where Telegram allows it
            handovers.audit(session, actor, "edit", handover, now)
            if inbound.kind is Kind.TEXT:
                edit = Outbound(signed(inbound), envelope=Envelope(handover_id=handover.id, edit_of=key))
            else:
                caption = Envelope(edit_of=key, edit_only=True, caption=True)
                edit = Outbound(Texts.escape(inbound.text), envelope=caption)
            await outbox.enqueue(session, resident, edit, "relay_out", now, urgent=True)
            return
        if handover.status == handovers.OPEN:
            await self._take(session, resident, handover, actor, inbound.first_name or actor, now)
        handovers.audit(session, actor, "reply", handover, now)
        if inbound.kind is Kind.MEDIA:  # a photo, voice note or document: copied as it is
            copy = Envelope(copy_of=(inbound.group, inbound.message_id), handover_id=handover.id, remember=key)
            message = Outbound("", envelope=copy)
        else:
            message = Outbound(signed(inbound), envelope=Envelope(handover_id=handover.id, remember=key))
        await outbox.enqueue(session, resident, message, "relay_out", now, urgent=True)

    async def _command(
        self, session: AsyncSession, inbound: Inbound, handover: Handover, resident: Resident, now: datetime
    ) -> None:
        actor, name = inbound.user_id, inbound.first_name or inbound.user_id
        if inbound.command == "take":
            await self._take(session, resident, handover, actor, name, now)
            self._say(session, inbound.thread_id, f"✅ Pris en charge par {Texts.escape(name)}.", now, resident)
        elif inbound.command in ("release", "close"):
            outcome = "released" if inbound.command == "release" else inbound.args.strip().lower() or "none"
            if outcome not in (*handovers.OUTCOMES, "released"):
                self._say(
                    session, inbound.thread_id, "Issue inconnue : /close booked, /close partner ou /close none.", now
                )
                return
            handovers.close(session, handover, actor, outcome, now)
            t = Texts(self.catalogs, resident.language)
            back = t("🤖 La conversation avec la personne est terminée. Je suis de nouveau là : envoyez /menu.")
            await outbox.enqueue(session, resident, Outbound(back), "handover_end", now, urgent=True)
            label = "rendu au bot" if outcome == "released" else f"terminé : {handovers.OUTCOMES[outcome]}"
            self._say(session, inbound.thread_id, f"☑️ {label.capitalize()} ({Texts.escape(name)}).", now, resident)
        elif inbound.command == "partner":
            said, sent = await send_card(
                session, resident, self.partners, inbound.args, self.catalogs, now, self.territory.phone
            )
            if sent is not None:
                handovers.audit(session, actor, "partner", handover, now, sent)
            self._say(session, inbound.thread_id, said, now, resident)
        elif inbound.command == "note":
            return

    # -- pieces ----------------------------------------------------------------------------------

    async def _take(
        self, session: AsyncSession, resident: Resident, handover: Handover, actor: str, name: str, now: datetime
    ) -> None:
        """Assign the handover, and update the card at the top of the topic so it shows who has it."""
        handovers.take(session, handover, actor, name, now)
        edit = Envelope(edit_of=handovers.card_key(handover), edit_only=True)
        card = Outbound(await self._card(session, resident, handover, now), envelope=edit)
        self._to_topic(session, resident, handover, card, "handover_card", now)

    async def _card(self, session: AsyncSession, resident: Resident, handover: Handover, now: datetime) -> str:
        return handovers.card(
            resident,
            handover,
            self.territory,
            screening=await self._screening_card(session, resident),
            bookings=await self._bookings(session, resident, now),
            messages=await self._recent(session, resident, now),
        )

    def _to_topic(
        self, session: AsyncSession, resident: Resident, handover: Handover, message: Outbound, kind: str, now: datetime
    ) -> None:
        """Into the resident's topic, created (again) under its name when missing."""
        message = replace(
            message,
            envelope=replace(
                message.envelope,
                thread=handover.thread_id,
                thread_name=handovers.topic_name(resident, self.territory),
                handover_id=handover.id,
            ),
        )
        outbox.enqueue_to(session, resident.channel, self.counsellors, message, kind, now, about=resident.id)

    def _say(self, session: AsyncSession, thread: str, text: str, now: datetime, about: Resident | None = None) -> None:
        message = Outbound(text, envelope=Envelope(thread=thread or None))
        who = about.id if about is not None else None  # the resident it concerns: erased with them
        outbox.enqueue_to(session, self.channel, self.counsellors, message, "staff_notice", now, who)

    async def _by_thread(self, session: AsyncSession, thread_id: str) -> tuple[Handover, Resident] | None:
        if not thread_id:
            return None
        row = (
            await session.execute(
                select(Handover, Resident)
                .join(Resident, Resident.id == Handover.resident_id)
                .where(Handover.thread_id == thread_id, Handover.status.in_(handovers.ACTIVE))
            )
        ).first()
        return (row[0], row[1]) if row is not None else None

    async def _queue(self, session: AsyncSession, now: datetime) -> str:
        waiting = await handovers.queue(session)
        if not waiting:
            return "Aucune demande en attente."
        lines = ["<b>Demandes ouvertes</b> (la plus ancienne d'abord)"]
        for handover, resident in waiting:
            who = Texts.escape(handovers.topic_name(resident, self.territory))
            state = f"prise par {Texts.escape(handover.counsellor_name or '?')}" if handover.counsellor_id else "libre"
            lines.append(f"• {who} : {handovers.waiting_time(handover, now)}, {state}")
        return "\n".join(lines)

    async def _screening_card(self, session: AsyncSession, resident: Resident) -> str | None:
        run = await screening_runs.latest(session, resident)
        if run is None or self.screening is None:
            return None
        given = await screening_runs.answers(session, run)
        outcome = self.screening.outcome(given)
        card = screening_runs.counsellor_card(self.screening, self.catalogs, given, outcome, run.started_at)
        parked = await screening_runs.parked_since(session, resident, SCREENING, run.started_at)
        if parked:  # the summary promised the resident that a person would answer these
            card += "\n\n<b>Écrit pendant le questionnaire, à lui répondre</b>\n"
            card += "\n".join(f"• « {Texts.escape(text[:300])} »" for text in parked[:5])
        return card

    async def _recent(self, session: AsyncSession, resident: Resident, now: datetime) -> list[str]:
        """ "14:02 « c koi l'acre » → réponse : L'ACRE", oldest first: what was said before a person came."""
        lines = []
        for m in await recent.latest(session, resident, now):
            said = f"{format_day(m.at, 'fr')} {format_clock(m.at, 'fr')} « {m.text[:200]} »"
            lines.append(said + (f" → {m.note}" if m.note else ""))
        return lines

    async def _bookings(self, session: AsyncSession, resident: Resident, now: datetime) -> list[str]:
        found = await sessions.bookings_of(session, resident, now)
        return [
            f"{info.title.get('fr') or info.key} : {format_day(info.starts_at, 'fr')}"
            f" à {format_clock(info.starts_at, 'fr')} ({booking.status})"
            for booking, info in found
        ]


def signed(inbound: Inbound) -> str:
    """A counsellor's words as the resident sees them: under their first name, so it is clearly a person."""
    name = Texts.escape(inbound.first_name or "")
    return (f"🙋 <b>{name}</b>\n" if name else "🙋 ") + Texts.escape(inbound.text)
