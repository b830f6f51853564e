"""The conversation's switchboard: one inbound event in, one reply out, dispatched from tables.

Every decision is taken from the database row of the resident, never from process memory, so a
restarted bot, or another bot process behind the webhook, continues the same conversation. Each
flow declares the buttons it owns (`routes`); this module only looks them up.
"""

from __future__ import annotations

import functools
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks, residents
from bot.core.broadcasts.coordinator import AnnouncingFlow
from bot.core.broadcasts.flow import BroadcastsFlow
from bot.core.contact import contact_block
from bot.core.context import STEP_MENU, Command, Core, Handler, Turn
from bot.core.handover import recent
from bot.core.handover.flags import flag
from bot.core.handover.flow import HandoverFlow
from bot.core.knowledge.flow import MISSES, FaqFlow
from bot.core.messages import Inbound, Kind, Reply
from bot.core.outreach import service as outreach
from bot.core.outreach.flow import OutreachFlow
from bot.core.partners.flow import PartnersFlow
from bot.core.privacy import service as privacy
from bot.core.privacy.consent import AGREE, STEP_CONSENT, ask_first, declined_text
from bot.core.privacy.flow import PrivacyFlow
from bot.core.screening.flow import ScreeningFlow
from bot.core.screening.runs import STEP as STEP_SCREENING
from bot.core.sessions.coordinator import CoordinatorFlow
from bot.core.sessions.flow import SessionsFlow
from bot.core.texts import N_, Texts
from bot.core.welcome.flow import WelcomeFlow
from bot.i18n import supported

log = logging.getLogger(__name__)

STALE_BUTTON = N_("Ce bouton n'est plus actif. Envoyez /menu pour le menu.")

URGENT_HELP = N_(
    "❤️ Si vous êtes en danger ou très mal, appelez tout de suite, c'est gratuit, jour et nuit :\n"
    "• 3114 : si vous pensez au suicide\n"
    "• 115 : pour dormir à l'abri\n"
    "• 3919 : violences faites aux femmes\n"
    "• 17 ou 112 : danger immédiat"
)

# What a counsellor's card says the bot did with a message that asked for a person.
FLAG_NOTES = {"asked": "demande une personne", "distress": "mots inquiétants : numéros d'urgence donnés"}

# What to carry on with once consent is given, as saved by rows written before actions were used there.
LEGACY_THEN = {"screening": "s.start", "sessions": "m.sessions", "human": "h.ask."}


class Dialogue:
    """Turns one inbound event into one reply, reading and writing only the resident's rows."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.welcome = WelcomeFlow(core)
        self.flow = ScreeningFlow(core.screening, core) if core.screening is not None else None
        self.sessions = SessionsFlow(core.catalogs, core.territory)
        self.coordination = CoordinatorFlow(self.sessions)
        self.outreach = OutreachFlow(core, lambda inbound: is_coordinator(self.core, inbound))
        self.announcing = AnnouncingFlow(core, lambda inbound: is_coordinator(self.core, inbound))
        contacts = functools.partial(contact_block, core.territory)  # (texts, now): who to call, and when
        self.faq = FaqFlow(core.catalogs, core.answers, contacts, core.partners) if core.answers is not None else None
        self.partners = PartnersFlow(core.partners, contacts, core.territory.phone)
        staffed = (core.catalogs, core.territory, core.counsellors, core.counsellors_channel, core.screening)
        self.handover = HandoverFlow(*staffed, core.partners) if core.counsellors else None
        notices = self.sessions.notices
        self.privacy = PrivacyFlow(core, lambda turn: notices.release_all(turn.session, turn.resident, turn.now))
        self.broadcasts = BroadcastsFlow(self.dispatch)
        self.routes = self._routes()
        self.standing = frozenset((*self.sessions.STANDING, *self.broadcasts.STANDING))  # need no screen stamp
        self.commands: dict[str, Command] = {
            "start": self._start,
            **self.welcome.commands(),
            **self.broadcasts.commands(),
            "sessions": self._sessions_command,
            "back": self._back,
        }
        self.staff_commands = {**self.outreach.commands(), **self.announcing.commands()}  # unknown to others

    def _routes(self) -> dict[str, Handler]:
        """Every button's action, by its name or its prefix ("ss.b." + a session key)."""
        table: dict[str, Handler] = {AGREE: self._agree, "no": self._decline}
        owned: list[dict[str, Handler]] = [
            self.welcome.routes(upcoming=self.handover is None),
            self.privacy.routes(),
            self.sessions.routes(),
            self.coordination.routes(lambda inbound: is_coordinator(self.core, inbound)),
            self.outreach.routes(),
            self.broadcasts.routes(),
            self.announcing.routes(),
            self.partners.routes(),
        ]
        if self.flow is not None:
            owned.append(self.flow.routes(self._needs_consent))
        if self.faq is not None:
            owned.append(self.faq.routes())
        if self.handover is not None:  # "m.human.s": the questionnaire advised it; "h.ask.<reason>": after consent
            human: dict[str, Handler] = {"m.human.s": lambda turn, _: self._human(turn, "screening")}
            owned.append({"m.human": lambda turn, _: self._human(turn, "asked"), "h.ask.": self._human, **human})
        for routes in owned:
            clash = table.keys() & routes.keys()
            if clash:
                raise ValueError(f"two flows claim the same buttons: {sorted(clash)}")
            table.update(routes)
        return table

    async def handle(self, session: AsyncSession, inbound: Inbound) -> Reply:
        now = self.core.clock()
        if inbound.group:  # only the counsellors' group is listened to; no resident is created for it
            if self.handover is not None and inbound.group == self.core.counsellors:
                await self.handover.staff(session, inbound, now)
            return Reply()
        language = supported(inbound.language_code, self.core.default_language)
        resident, created = await residents.find_or_create(session, inbound.channel, inbound.user_id, language, now)
        turn = Turn(session, resident, inbound, Texts(self.core.catalogs, resident.language), Reply(), now, created)
        if inbound.kind is Kind.BUTTON:
            await self._press(turn)
        elif inbound.kind is Kind.COMMAND:
            await self._command(turn)
        elif created:
            self.welcome.greet(turn)
        elif self.handover is not None and await self.handover.relay_in(turn):
            pass  # a person has the conversation: the bot stays silent
        elif inbound.kind is Kind.MEDIA and inbound.edited:
            pass  # a changed caption under a photo sent earlier: nothing new to answer
        elif inbound.kind is Kind.MEDIA:
            await self._media(turn)
        elif await self.outreach.typed(turn) or await self.announcing.typed(turn):
            pass  # a coordinator named the event of a new campaign, or wrote an announcement
        elif not await self._typed_in_screening(turn):
            await self._text(turn)
        await seal(turn)
        return turn.reply

    async def dispatch(self, turn: Turn, action: str, only: frozenset[str] | None = None) -> bool:
        """Run the handler that owns `action`: its exact name, else its longest "prefix." route.

        `only` limits the routes that may answer (standing buttons reach only booking answers)."""
        prefixes = (action[: end + 1] for end in range(len(action) - 2, 0, -1) if action[end] == ".")
        for route in (action, *prefixes):
            handler = self.routes.get(route)
            if handler is not None and (only is None or route in only):
                return await handler(turn, action[len(route) :])
        return False

    # -- entry points --------------------------------------------------------------------------

    async def _command(self, turn: Turn) -> None:
        command = self.commands.get(turn.inbound.command)
        if command is None and is_coordinator(self.core, turn.inbound):
            command = self.staff_commands.get(turn.inbound.command)
        if command is not None and (turn.inbound.command == "start" or not turn.created):
            await command(turn)
        elif turn.created:
            self.welcome.greet(turn)
        else:
            turn.say(turn.t("Je ne connais pas cette commande. Voici le menu 👇"))
            self.welcome.menu(turn, attach=True)

    async def _press(self, turn: Turn) -> None:
        resident, data = turn.resident, turn.inbound.data
        press = callbacks.parse(data)
        standing = press.standing if press is not None and not turn.created else None
        if standing is not None and await self.dispatch(turn, standing, only=self.standing):
            return
        actions = resident.actions or []
        if turn.created or press is None or press.index is None or press.screen != resident.screen:
            log.info("stale or forged button %r from resident %s", data[:64], resident.id)
            turn.reply.notice = turn.t(STALE_BUTTON)
            if turn.created:
                self.welcome.greet(turn)
            return
        if press.index >= len(actions) or not await self.dispatch(turn, actions[press.index]):
            log.info("button %r does not fit step %s of resident %s", data[:64], resident.step, resident.id)
            turn.reply.notice = turn.t(STALE_BUTTON)

    async def _start(self, turn: Turn) -> None:
        resident, inbound, t = turn.resident, turn.inbound, turn.t
        source = await outreach.resolve_source(turn.session, inbound.args, self.core.territory)
        if source:
            await outreach.arrive(turn.session, resident, source, turn.now)
            if privacy.has_consent(resident):
                resident.source = resident.source or source
            elif resident.consent is None:
                resident.step_data = {**resident.step_data, "source": source}
        if turn.created or resident.consent is None:
            self.welcome.greet(turn)
            return
        name = inbound.first_name if privacy.has_consent(resident) else None
        turn.say(t("Re-bonjour {name} 👋", name=name) if name else t("Re-bonjour 👋"))
        if name and resident.announcements is None:  # agreed before announcements existed: asked once now
            self.broadcasts.ask(turn, "", thanks=False)
            return
        self.welcome.menu(turn)

    async def _sessions_command(self, turn: Turn) -> None:
        if is_coordinator(self.core, turn.inbound):
            await self.coordination.overview(turn.session, turn.reply, turn.now)
        else:
            await self.sessions.show_list(turn)

    async def _back(self, turn: Turn) -> None:
        if self.flow is None or not await self.flow.back(turn):
            turn.say(turn.t("↩️ Il n'y a rien à changer pour l'instant. Voici le menu 👇"))
            self.welcome.menu(turn, attach=True)

    # -- consent -------------------------------------------------------------------------------

    async def _agree(self, turn: Turn, _: str) -> bool:
        """Consent given: carry on with what the resident was doing when it was asked, else the menu."""
        resident = turn.resident
        if resident.consent == privacy.CONSENT_YES:
            return False
        then = str(resident.step_data.get("then") or "")
        then = LEGACY_THEN.get(then, then)
        if then == "h.ask.":
            then += str(resident.step_data.get("reason", "asked"))
        privacy.accept(resident, turn.now, turn.inbound.first_name)
        await outreach.credit(turn.session, resident, "consented", turn.now)
        resident.step = STEP_MENU
        if resident.announcements is None:  # asked once, right after consent; then on with `then`
            self.broadcasts.ask(turn, then)
            return True
        if then and await self.dispatch(turn, then):
            return True
        turn.say(turn.t("✅ Merci, c'est noté."), replace=True)
        self.welcome.menu(turn)
        return True

    async def _decline(self, turn: Turn, _: str) -> bool:
        if turn.resident.step != STEP_CONSENT:
            return False
        privacy.decline(turn.resident, turn.now)
        turn.resident.step = STEP_MENU
        turn.say(declined_text(turn.t), replace=True)
        self.welcome.menu(turn)
        return True

    async def _needs_consent(self, turn: Turn, why: str, then: str) -> bool:
        """True when consent is there; otherwise ask for it, to carry on with `then` once given."""
        if privacy.has_consent(turn.resident):
            return True
        ask_first(turn, why, then, self.core.retention_days)
        return False

    # -- a person --------------------------------------------------------------------------------

    async def _human(self, turn: Turn, reason: str) -> bool:
        """A person will read the conversation: with consent, since the card shows name and answers."""
        assert self.handover is not None
        why = turn.t("🔒 Pour qu'une personne voie votre prénom et vos réponses, j'ai besoin de votre accord.")
        if await self._needs_consent(turn, why, "h.ask." + (reason or "asked")):
            await self.handover.ask(turn, reason or "asked")
        return True

    # -- what was typed or sent ------------------------------------------------------------------

    async def _media(self, turn: Turn) -> None:
        text = self.welcome.media_text(turn)
        if turn.resident.step == STEP_SCREENING and self.flow is not None:
            turn.say(text)
            await self.flow.resume(turn)
            return
        turn.say(text + "\n" + turn.t("Ou choisissez dans le menu 👇"))
        self.welcome.menu(turn, attach=True)

    async def _typed_in_screening(self, turn: Turn) -> bool:
        if turn.resident.step != STEP_SCREENING or self.flow is None:
            return False
        return await self.flow.typed(turn, turn.inbound.text)

    async def _text(self, turn: Turn) -> None:
        """Free text outside a flow is a question for the knowledge base, even before consent:
        the answers are public and the question is kept with no link to the person."""
        session, resident, text, now = turn.session, turn.resident, turn.inbound.text, turn.now
        reason = flag(text, self.core.flags)
        if reason is not None:
            await recent.record(session, resident, text, FLAG_NOTES[reason], now)
            if reason == "distress":
                turn.say(turn.t(URGENT_HELP))
            if self.handover is not None:
                await self._human(turn, reason)
            else:  # no counsellor reads the chat here: who to call, and when
                self.welcome.by_phone(turn)
            return
        if self.faq is None:
            self.welcome.menu(turn)
            return
        note = await self.faq.question(turn, text)
        await recent.record(session, resident, text, note, now)
        if not turn.reply.messages[-1].buttons:
            self.welcome.menu(turn, attach=True)
        if self.handover is not None and resident.step_data.get(MISSES, 0) >= 2 and privacy.has_consent(resident):
            resident.step_data = {**resident.step_data, MISSES: 0}  # twice unsure: a person looks at it
            await self.handover.ask(turn, "faq_unsure")


def is_coordinator(core: Core, inbound: Inbound) -> bool:
    """Coordinators are named "channel:user id" (the settings turn a plain Telegram id into one)."""
    return f"{inbound.channel}:{inbound.user_id}" in core.coordinators


def keeps_keyboard_in_place(reply: Reply) -> bool:
    """True when the last keyboard of the reply is the one that edits the pressed message: the first
    message asking to replace it (the adapter edits only that one, and sends the others anew)."""
    with_buttons = [i for i, message in enumerate(reply.messages) if message.buttons]
    editing = next((i for i, message in enumerate(reply.messages) if message.replace), None)
    return bool(with_buttons) and with_buttons[-1] == editing


async def seal(turn: Turn) -> None:
    """Stamp this screen's number on every button, so older keyboards become stale; the actions
    stay on the resident's row and the buttons carry only their place."""
    resident, reply = turn.resident, turn.reply
    if resident in turn.session.deleted or not any(message.buttons for message in reply.messages):
        return
    reply.old_keyboard = resident.keyboard_message
    screen = await residents.bump_screen(turn.session, resident)
    reply.messages, resident.actions = callbacks.stamp(reply.messages, screen)
    pressed = turn.inbound.message_id if turn.inbound.kind is Kind.BUTTON else ""
    if pressed and keeps_keyboard_in_place(reply):
        resident.keyboard_message = reply.keyboard = pressed
