"""The conversation: which step a resident is at and what they see next.

Every decision is taken from the database row of the resident, never from process memory, so a
restarted bot, or another bot process behind the webhook, continues the same conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SUPPORTED_LANGUAGES
from bot.core import residents
from bot.core.handover import recent
from bot.core.handover.flow import HandoverFlow
from bot.core.handover.service import Flags, flag
from bot.core.knowledge.answers import Answers
from bot.core.knowledge.flow import MISSES, FaqFlow
from bot.core.messages import Button, Inbound, Kind, Outbound, Reply
from bot.core.outreach import service as outreach
from bot.core.privacy import service as privacy
from bot.core.screening import runs as screening_runs
from bot.core.screening.flow import STEP as STEP_SCREENING
from bot.core.screening.flow import ScreeningFlow
from bot.core.screening.model import Screening
from bot.core.sessions import service as sessions
from bot.core.sessions.coordinator import CoordinatorFlow
from bot.core.sessions.flow import SessionsFlow
from bot.core.territory import Territory
from bot.core.texts import N_, Texts
from bot.db.models import Resident
from bot.i18n import LANGUAGE_NAMES, Catalogs, format_clock, format_day, supported

log = logging.getLogger(__name__)

STEP_NEW = "new"
STEP_CONSENT = "consent"
STEP_MENU = "menu"
STEP_ERASE = "erase"

# Menu entries whose feature is still to come: action -> (label, what to say meanwhile).
HUMAN_SOON = N_("🙋 Bientôt, vous pourrez écrire ici à un conseiller.")
UPCOMING: Mapping[str, str] = MappingProxyType({"m.human": HUMAN_SOON, "m.human.s": HUMAN_SOON})

URGENT_HELP = N_(
    "❤️ Si vous êtes en danger ou très mal, appelez tout de suite, c'est gratuit, jour et nuit :\n"
    "• 3114 : si vous pensez au suicide\n"
    "• 115 : pour dormir à l'abri\n"
    "• 3919 : violences faites aux femmes\n"
    "• 17 ou 112 : danger immédiat"
)

# What a counsellor's card says the bot did with a message that asked for a person.
FLAG_NOTES: Mapping[str, str] = MappingProxyType(
    {"asked": "demande une personne", "distress": "mots inquiétants : numéros d'urgence donnés"}
)

STALE_BUTTON = N_("Ce bouton n'est plus actif. Envoyez /menu pour le menu.")

# The commands of the bot's menu in Telegram, kept to the few a resident uses.
COMMANDS = (
    ("start", N_("Commencer")),
    ("menu", N_("Le menu")),
    ("language", N_("Changer de langue")),
    ("help", N_("Aide et contacts")),
)


@dataclass(frozen=True)
class Core:
    """What the dialogue needs, built once at start and never changed afterwards."""

    catalogs: Catalogs
    territory: Territory
    screening: Screening | None = None
    answers: Answers | None = None
    counsellors: str = ""  # the counsellors' forum group (Telegram chat id); empty: handover not set up
    flags: Flags = field(default_factory=Flags)
    coordinators: frozenset[str] = frozenset()
    default_language: str = "fr"
    retention_days: int = 730
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def command_list(core: Core, lang: str) -> list[tuple[str, str]]:
    texts = Texts(core.catalogs, lang)
    return [(name, texts(description)) for name, description in COMMANDS]


class Dialogue:
    """Turns one inbound event into one reply, reading and writing only the resident's row."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.flow = ScreeningFlow(core.screening, core.catalogs) if core.screening is not None else None
        self.sessions = SessionsFlow(core.catalogs, core.territory)
        self.coordination = CoordinatorFlow(self.sessions)
        self.faq = FaqFlow(core.catalogs, core.answers, self._contact_block) if core.answers is not None else None
        self.handover = (
            HandoverFlow(core.catalogs, core.territory, core.counsellors, self.flow) if core.counsellors else None
        )

    async def handle(self, session: AsyncSession, inbound: Inbound) -> Reply:
        now = self.core.clock()
        if inbound.group:  # only the counsellors' group is listened to; no resident is created for it
            if self.handover is not None and inbound.group == self.core.counsellors:
                await self.handover.staff(session, inbound, now)
            return Reply()
        language = supported(inbound.language_code, self.core.default_language)
        resident, created = await residents.find_or_create(session, inbound.channel, inbound.user_id, language, now)
        t = Texts(self.core.catalogs, resident.language)
        reply = Reply()
        if inbound.kind is Kind.BUTTON:
            await self._press(session, resident, inbound, t, reply, now, created)
        elif inbound.kind is Kind.COMMAND:
            await self._command(session, resident, inbound, t, reply, now, created)
        elif created:
            self._welcome(resident, inbound, t, reply)
        elif self.handover is not None and await self.handover.relay_in(session, resident, inbound, t, reply, now):
            pass  # a person has the conversation: the bot stays silent
        elif inbound.kind is Kind.MEDIA and inbound.edited:
            pass  # a changed caption under a photo sent earlier: nothing new to answer
        elif inbound.kind is Kind.MEDIA:
            await self._media(session, resident, inbound, t, reply, now)
        elif (
            resident.step == STEP_SCREENING
            and self.flow is not None
            and await self.flow.typed(session, resident, inbound.text, t, reply, now)
        ):
            pass
        else:
            await self._text(session, resident, inbound, t, reply, now)
        await self._seal(session, resident, reply)
        return reply

    # -- entry points --------------------------------------------------------------------------

    async def _command(
        self,
        session: AsyncSession,
        resident: Resident,
        inbound: Inbound,
        t: Texts,
        reply: Reply,
        now: datetime,
        created: bool,
    ) -> None:
        command = inbound.command
        if command == "start":
            source = outreach.parse_source(inbound.args, self.core.territory)
            if source:
                await outreach.count_arrival(session, source, now)
                if privacy.has_consent(resident):
                    resident.source = resident.source or source
                elif resident.consent is None:
                    resident.step_data = {**resident.step_data, "source": source}
            if created or resident.consent is None:
                self._welcome(resident, inbound, t, reply)
            else:
                name = inbound.first_name if privacy.has_consent(resident) else None
                hello = t("Re-bonjour {name} 👋", name=name) if name else t("Re-bonjour 👋")
                reply.messages.append(Outbound(hello))
                self._menu(resident, t, reply)
        elif created:
            self._welcome(resident, inbound, t, reply)
        elif command == "menu":
            self._menu(resident, t, reply)
        elif command == "language":
            self._languages(t, reply)
        elif command == "help":
            self._help(t, reply, now)
        elif command == "sessions":
            if self._is_coordinator(inbound):
                await self.coordination.overview(session, reply, now)
            else:
                await self.sessions.show_list(session, resident, t, reply, now)
        elif command == "back":
            if self.flow is None or not await self.flow.back(session, resident, t, reply, now):
                reply.messages.append(Outbound(t("↩️ Il n'y a rien à changer pour l'instant. Voici le menu 👇")))
                self._menu(resident, t, reply, attach=True)
        else:
            reply.messages.append(Outbound(t("Je ne connais pas cette commande. Voici le menu 👇")))
            self._menu(resident, t, reply, attach=True)

    async def _press(
        self,
        session: AsyncSession,
        resident: Resident,
        inbound: Inbound,
        t: Texts,
        reply: Reply,
        now: datetime,
        created: bool,
    ) -> None:
        screen, _, action = inbound.data.partition(":")
        if screen == "x" and not created and await self._standing(session, resident, action, t, reply, now):
            return
        if created or not screen.isdigit() or int(screen) != resident.screen:
            log.info("stale or forged button %r from resident %s", inbound.data[:64], resident.id)
            reply.notice = t(STALE_BUTTON)
            if created:
                self._welcome(resident, inbound, t, reply)
            return
        if action == "menu":
            resident.step = STEP_MENU if resident.step != STEP_CONSENT else resident.step
            self._menu(resident, t, reply, edit=True)
        elif action == "lang":
            self._languages(t, reply, edit=True)
        elif action.startswith("lang.") and action[5:] in SUPPORTED_LANGUAGES:
            self._set_language(resident, action[5:], inbound, reply)
        elif action == "ok" and resident.consent != privacy.CONSENT_YES:
            then = resident.step_data.get("then")
            privacy.accept(resident, now, inbound.first_name)
            resident.step = STEP_MENU
            if then == "screening" and self.flow is not None:
                await self.flow.start(session, resident, t, reply, now)
                return
            if then == "sessions":
                await self.sessions.show_list(session, resident, t, reply, now)
                return
            if then == "human" and self.handover is not None:
                reason = str(resident.step_data.get("reason", "asked"))
                await self.handover.ask(session, resident, reason, t, reply, now)
                return
            reply.messages.append(Outbound(t("✅ Merci, c'est noté."), replace=True))
            self._menu(resident, t, reply)
        elif action == "no" and resident.step == STEP_CONSENT:
            privacy.decline(resident, now)
            resident.step = STEP_MENU
            reply.messages.append(Outbound(self._declined_text(t), replace=True))
            self._menu(resident, t, reply)
        elif action == "m.screen" and self.flow is not None:
            if privacy.has_consent(resident):
                await self.flow.open(session, resident, t, reply, now)
            else:
                resident.step_data = {"then": "screening"}
                text = t("🔒 Pour garder vos réponses, j'ai besoin de votre accord.") + "\n\n" + self._consent_text(t)
                buttons = ((Button(t("✅ Oui, d'accord"), "ok"),), self._back(t))
                reply.messages.append(Outbound(text, buttons, replace=True))
        elif action.startswith("s.") and self.flow is not None:
            if not await self.flow.press(session, resident, action, t, reply, now):
                reply.notice = t(STALE_BUTTON)
        elif action == "m.sessions":
            await self.sessions.show_list(session, resident, t, reply, now)
        elif action.startswith("ss.p") and action[4:].isdigit():
            await self.sessions.show_list(session, resident, t, reply, now, page=int(action[4:]))
        elif action.startswith("ss.b."):
            await self.sessions.book(session, resident, action[5:], t, reply, now)
        elif action == "ss.mine":
            await self.sessions.mine(session, resident, t, reply, now)
        elif action.startswith("ss.") and await self._standing(session, resident, action, t, reply, now):
            pass
        elif action.startswith("co.") and self._is_coordinator(inbound):
            if action == "co.list":
                await self.coordination.overview(session, reply, now, replace=True)
            elif not (
                (action.startswith("co.s.") and await self.coordination.attendees(session, action[5:], reply))
                or (action.startswith("co.a.") and await self.coordination.mark(session, action[5:], reply, now))
            ):
                reply.notice = t(STALE_BUTTON)
        elif action in ("m.human", "m.human.s") and self.handover is not None:
            await self._human(session, resident, "screening" if action == "m.human.s" else "asked", t, reply, now)
        elif action == "m.ask" and self.faq is not None:
            self.faq.prompt(resident, t, reply)
        elif action.startswith("k.") and self.faq is not None:
            if not await self.faq.press(session, resident, action, t, reply, now):
                reply.notice = t(STALE_BUTTON)
        elif action in UPCOMING:
            text = t(UPCOMING[action]) + "\n\n" + t("En attendant, une personne peut vous aider :")
            text += "\n\n" + self._contact_block(t, now)
            reply.messages.append(Outbound(text, (self._back(t),), replace=True))
        elif action == "data":
            await self._my_data(session, resident, t, reply)
        elif action == "data.answers":
            await self._my_answers(session, resident, t, reply)
        elif action == "data.agree" and not privacy.has_consent(resident):
            resident.step = STEP_CONSENT
            reply.messages.append(Outbound(self._consent_text(t), self._consent_buttons(t), replace=True))
        elif action == "data.withdraw" and privacy.has_consent(resident):
            privacy.decline(resident, now)
            await privacy.forget_answers(session, resident)
            resident.step = STEP_MENU
            text = t("🚫 C'est fait : votre accord est retiré et j'ai effacé votre prénom et d'où vous venez.")
            text += "\n" + t("Vos réponses au questionnaire sont effacées aussi.")
            reply.messages.append(Outbound(text, (self._back(t),), replace=True))
        elif action == "erase":
            resident.step = STEP_ERASE
            text = t(
                "🗑️ <b>Tout effacer ?</b>\nVotre langue, vos réponses et vos rendez-vous seront supprimés. "
                "On ne pourra pas revenir en arrière."
            )
            buttons = ((Button(t("🗑️ Oui, tout effacer"), "erase.yes"),), (Button(t("⬅️ Non, retour"), "data"),))
            reply.messages.append(Outbound(text, buttons, replace=True))
        elif action == "erase.yes" and resident.step == STEP_ERASE:
            await self.sessions.release_all(session, resident, now)
            await privacy.erase(session, resident)
            text = t("🗑️ C'est fait : tout est effacé.\nPour revenir, envoyez /start.")
            reply.messages.append(Outbound(text, replace=True))
        else:
            log.info("button %r does not fit step %s of resident %s", action, resident.step, resident.id)
            reply.notice = t(STALE_BUTTON)

    def _is_coordinator(self, inbound: Inbound) -> bool:
        """A plain id is a Telegram user id; "channel:id" names someone on another channel."""
        named = self.core.coordinators
        return f"{inbound.channel}:{inbound.user_id}" in named or (
            inbound.channel == "telegram" and inbound.user_id in named
        )

    async def _standing(
        self, session: AsyncSession, resident: Resident, action: str, t: Texts, reply: Reply, now: datetime
    ) -> bool:
        """Buttons that name a booking by its opaque token: valid until that booking changes."""
        kind, _, token = action.partition(".")[2].partition(".")
        if action == "m.sessions":
            await self.sessions.show_list(session, resident, t, reply, now)
            return True
        if not action.startswith("ss.") or not token:
            return False
        if kind == "c":
            return await self.sessions.ask_cancel(session, resident, token, t, reply)
        if kind == "cy":
            return await self.sessions.cancel(session, resident, token, t, reply, now)
        if kind in ("y", "n"):
            return await self.sessions.answer_offer(session, resident, token, kind == "y", t, reply, now)
        if kind in ("fy", "fn"):
            return await self.sessions.feedback(session, resident, token, kind == "fy", t, reply)
        return False

    # -- screens -------------------------------------------------------------------------------

    def _welcome(self, resident: Resident, inbound: Inbound, t: Texts, reply: Reply) -> None:
        """First contact: hello in their language, then the consent question."""
        name = inbound.first_name
        hello = t("Bonjour {name} 👋", name=name) if name else t("Bonjour 👋")
        intro = t(
            "Je suis le bot de <b>{organisation}</b>.\n"
            "Je vous aide à faire le premier pas vers votre projet d'entreprise. C'est gratuit.",
            organisation=self.core.territory.name,
        )
        reply.messages.append(Outbound(hello + "\n" + intro))
        resident.step = STEP_CONSENT
        reply.messages.append(Outbound(self._consent_text(t), self._consent_buttons(t)))

    def _consent_text(self, t: Texts) -> str:
        months = max(1, round(self.core.retention_days / 30.4))
        return "\n\n".join(
            (
                t("🔒 <b>Avant de commencer</b>"),
                t(
                    "Pour vous aider, je garde votre prénom, votre langue, vos réponses, vos derniers messages "
                    "et vos rendez-vous."
                ),
                t("Pourquoi ? Pour vous guider et pour vous rappeler vos rendez-vous."),
                t("Vous pouvez tout voir et tout effacer quand vous voulez : menu, puis 🔒 Mes données.")
                + " "
                + t.plural(
                    "Si vous ne m'écrivez plus pendant {n} mois, j'efface tout.",
                    "Si vous ne m'écrivez plus pendant {n} mois, j'efface tout.",
                    months,
                ),
                t("Êtes-vous d'accord ?"),
            )
        )

    def _consent_buttons(self, t: Texts) -> tuple[tuple[Button, ...], ...]:
        return (
            (Button(t("✅ Oui, d'accord"), "ok"),),
            (Button(t("🙅 Non merci"), "no"),),
            (Button(t("🌍 Langue"), "lang"),),
        )

    def _declined_text(self, t: Texts) -> str:
        return t(
            "D'accord. Je ne garde que votre langue.\n"
            "Vous pouvez quand même lire les réponses aux questions.\n"
            "Vous pouvez changer d'avis dans 🔒 Mes données."
        )

    def _menu_buttons(self, t: Texts) -> tuple[tuple[Button, ...], ...]:
        return (
            (Button(t("🧭 Où en est mon projet ?"), "m.screen"),),
            (Button(t("📅 Réunions d'information"), "m.sessions"),),
            (Button(t("❓ Poser une question"), "m.ask"),),
            (Button(t("🙋 Parler à un conseiller"), "m.human"),),
            (Button(t("🌍 Langue"), "lang"), Button(t("🔒 Mes données"), "data")),
        )

    def _menu(self, resident: Resident, t: Texts, reply: Reply, *, edit: bool = False, attach: bool = False) -> None:
        """The menu; `attach` puts its buttons under the message just written instead of a new one."""
        if resident.step != STEP_CONSENT:
            resident.step = STEP_MENU
        if resident.step == STEP_CONSENT:
            reply.messages.append(
                Outbound(
                    t("Pour continuer, répondez d'abord à cette question 👇") + "\n\n" + self._consent_text(t),
                    self._consent_buttons(t),
                    replace=edit,
                )
            )
            return
        if attach and reply.messages:
            last = reply.messages[-1]
            reply.messages[-1] = replace(last, buttons=self._menu_buttons(t))
            return
        reply.messages.append(Outbound(t("Que voulez-vous faire ? 👇"), self._menu_buttons(t), replace=edit))

    def _back(self, t: Texts) -> tuple[Button, ...]:
        return (Button(t("⬅️ Menu"), "menu"),)

    def _languages(self, t: Texts, reply: Reply, *, edit: bool = False) -> None:
        names = [Button(LANGUAGE_NAMES[code], f"lang.{code}") for code in SUPPORTED_LANGUAGES]
        rows = tuple(tuple(names[i : i + 2]) for i in range(0, len(names), 2))
        text = t("🌍 Choisissez votre langue :")
        reply.messages.append(Outbound(text, rows, replace=edit))

    def _set_language(self, resident: Resident, lang: str, inbound: Inbound, reply: Reply) -> None:
        resident.language = lang
        t = Texts(self.core.catalogs, lang)
        if resident.step == STEP_CONSENT:
            reply.messages.append(Outbound(self._consent_text(t), self._consent_buttons(t), replace=True))
            return
        reply.messages.append(Outbound(t("✅ C'est noté : je vous parle en français."), replace=True))
        self._menu(resident, t, reply)

    def _help(self, t: Texts, reply: Reply, now: datetime) -> None:
        text = "\n".join(
            (
                t("ℹ️ Je suis le bot de <b>{organisation}</b>.", organisation=self.core.territory.name),
                t("Je vous aide à faire le premier pas vers votre projet d'entreprise. C'est gratuit."),
                "",
                t("/menu : le menu"),
                t("/language : changer de langue"),
                t("/back : revenir à la question d'avant"),
                t("/help : cette aide"),
                "",
                t("Pour parler à une personne :"),
                self._contact_block(t, now),
            )
        )
        reply.messages.append(Outbound(text, (self._back(t),)))

    def _contact_block(self, t: Texts, now: datetime) -> str:
        territory = self.core.territory
        lines = [f"<b>{t.isolate(territory.name)}</b>"]
        if territory.phone:
            lines.append(f"📞 {t.isolate(territory.phone)}")
        if territory.address:
            lines.append(f"📍 {t.isolate(territory.address)}")
        if territory.is_open(now):
            lines.append(t("🟢 Ouvert maintenant."))
        else:
            opening = territory.next_opening(now)
            if opening is not None:
                lines.append(
                    t(
                        "🕘 Fermé maintenant. On ouvre {day} à {time}.",
                        day=format_day(opening, t.lang),
                        time=format_clock(opening, t.lang),
                    )
                )
        return "\n".join(lines)

    async def _my_data(self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply) -> None:
        if resident.consent == privacy.CONSENT_YES and resident.consent_at is not None:
            consent = t("oui, depuis le {day}", day=format_day(resident.consent_at, t.lang))
        elif resident.consent == privacy.CONSENT_NO:
            consent = t("non")
        else:
            consent = t("pas encore répondu")
        runs = await screening_runs.runs_count(session, resident)
        lines = [
            t("🔒 <b>Vos données</b>"),
            "",
            t("Langue : {language}", language=LANGUAGE_NAMES[resident.language]),
            t("Votre accord : {consent}", consent=consent),
            t("Prénom : {name}", name=resident.first_name or "—"),
            t("Lien utilisé : {source}", source=self._source_name(resident.source, t)),
            t("Premier message : {day}", day=format_day(resident.created_at, t.lang)),
            t("Questionnaires : {count}", count=runs),
            t("Messages notés : {count}", count=await self._noted(session, resident)),
            t("Réservations : {count}", count=len(await sessions.bookings_of(session, resident, self.core.clock()))),
            "",
            t("Pourquoi ? Pour vous guider et pour vous rappeler vos rendez-vous."),
            t("Rien n'est vendu. Rien n'est donné à d'autres sans vous le demander."),
        ]
        rows: list[tuple[Button, ...]] = []
        if runs:
            rows.append((Button(t("📋 Mes réponses"), "data.answers"),))
        rows.append((Button(t("🗑️ Tout effacer"), "erase"),))
        if privacy.has_consent(resident):
            rows.append((Button(t("🚫 Retirer mon accord"), "data.withdraw"),))
        else:
            rows.append((Button(t("✅ Donner mon accord"), "data.agree"),))
        rows.append(self._back(t))
        reply.messages.append(Outbound("\n".join(lines), tuple(rows), replace=True))

    @staticmethod
    async def _noted(session: AsyncSession, resident: Resident) -> int:
        """Messages kept with the person: typed during a flow, or among the last few for a counsellor."""
        return await screening_runs.parked_count(session, resident) + await recent.count(session, resident)

    async def _my_answers(self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply) -> None:
        """The right to see one's data: the latest questionnaire, in the resident's language."""
        run = await screening_runs.latest(session, resident)
        if run is None or self.core.screening is None:
            self._back_to_data(t, reply, "—")
            return
        given = await screening_runs.answers(session, run)
        lines = [t("📋 <b>Vos réponses du {day}</b>", day=format_day(run.started_at, t.lang)), ""]
        for line in screening_runs.card_lines(self.core.screening, given):
            answer = t(line.label) if line.label else t.escape(line.typed or "—")
            lines.append(f"• {t(line.question).splitlines()[0]}\n   → {answer}")
        self._back_to_data(t, reply, "\n".join(lines))

    def _back_to_data(self, t: Texts, reply: Reply, text: str) -> None:
        reply.messages.append(Outbound(text, ((Button(t("🔒 Mes données"), "data"),), self._back(t)), replace=True))

    def _source_name(self, source: str | None, t: Texts) -> str:
        if not source:
            return "—"
        if source.startswith("nb-"):
            place = self.core.territory.neighbourhood(source[3:])
            if place is not None:
                return t("le lien du quartier {name}", name=place.name)
        return t("le lien d'un événement")

    async def _human(
        self, session: AsyncSession, resident: Resident, reason: str, t: Texts, reply: Reply, now: datetime
    ) -> None:
        """A person will read the conversation: with consent, since the card shows name and answers."""
        assert self.handover is not None
        if privacy.has_consent(resident):
            await self.handover.ask(session, resident, reason, t, reply, now)
            return
        resident.step_data = {"then": "human", "reason": reason}
        text = t("🔒 Pour qu'une personne voie votre prénom et vos réponses, j'ai besoin de votre accord.")
        text += "\n\n" + self._consent_text(t)
        buttons = ((Button(t("✅ Oui, d'accord"), "ok"),), self._back(t))
        reply.messages.append(Outbound(text, buttons, replace=resident.step != STEP_CONSENT))

    async def _media(
        self, session: AsyncSession, resident: Resident, inbound: Inbound, t: Texts, reply: Reply, now: datetime
    ) -> None:
        if inbound.media == "voice":
            text = t("🎤 Je ne peux pas encore écouter les messages vocaux. Pouvez-vous écrire, même avec des fautes ?")
        elif inbound.media == "sticker":
            text = t("😊 Merci !")
        else:
            text = t("📎 Je ne peux pas encore lire les photos ni les fichiers. Pouvez-vous écrire votre message ?")
        if resident.step == STEP_SCREENING and self.flow is not None:
            reply.messages.append(Outbound(text))
            await self.flow.resume(session, resident, t, reply, now)
            return
        reply.messages.append(Outbound(text + "\n" + t("Ou choisissez dans le menu 👇")))
        self._menu(resident, t, reply, attach=True)

    async def _text(
        self, session: AsyncSession, resident: Resident, inbound: Inbound, t: Texts, reply: Reply, now: datetime
    ) -> None:
        """Free text outside a flow is a question for the knowledge base, even before consent:
        the answers are public and the question is kept with no link to the person."""
        reason = flag(inbound.text, self.core.flags) if self.handover is not None else None
        if reason is not None:
            await recent.record(session, resident, inbound.text, FLAG_NOTES[reason], now)
            if reason == "distress":
                reply.messages.append(Outbound(t(URGENT_HELP)))
            await self._human(session, resident, reason, t, reply, now)
            return
        if self.faq is None:
            self._menu(resident, t, reply)
            return
        note = await self.faq.question(session, resident, inbound.text, t, reply, now)
        await recent.record(session, resident, inbound.text, note, now)
        if not reply.messages[-1].buttons:
            self._menu(resident, t, reply, attach=True)
        if self.handover is not None and resident.step_data.get(MISSES, 0) >= 2 and privacy.has_consent(resident):
            resident.step_data = {**resident.step_data, MISSES: 0}  # twice unsure: a person looks at it
            await self.handover.ask(session, resident, "faq_unsure", t, reply, now)

    # -- keyboards -----------------------------------------------------------------------------

    async def _seal(self, session: AsyncSession, resident: Resident, reply: Reply) -> None:
        """Stamp this screen's number on every button, so older keyboards become stale."""
        if resident in session.deleted:
            return
        if not any(message.buttons for message in reply.messages):
            return
        reply.old_keyboard = resident.keyboard_message
        screen = await residents.bump_screen(session, resident)
        reply.messages = [
            replace(
                message,
                buttons=tuple(tuple(Button(b.label, f"{screen}:{b.data}") for b in row) for row in message.buttons),
            )
            for message in reply.messages
        ]
