"""What a resident sees first and comes back to: hello, consent, the menu, languages, help.

Every screen here offers a way back to the menu; the menu waits for consent to be answered first.
"""

from __future__ import annotations

from dataclasses import replace

from bot.config import SUPPORTED_LANGUAGES
from bot.core.contact import contact_block
from bot.core.context import STEP_MENU, Command, Core, Handler, Turn, menu_row
from bot.core.messages import Button
from bot.core.privacy.consent import STEP_CONSENT, consent_buttons, consent_text
from bot.core.texts import Texts
from bot.i18n import LANGUAGE_NAMES

# The counsellor buttons when no counsellors' group is set up: a phone number and opening hours.
UPCOMING = ("m.human", "m.human.s")


class WelcomeFlow:
    """Hello, the menu, languages and help: the screens every other flow comes back to."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def routes(self, *, upcoming: bool) -> dict[str, Handler]:
        """The buttons this flow owns; `upcoming` adds the "coming soon" answers for features not set up."""
        table: dict[str, Handler] = {"menu": self._to_menu, "lang": self._languages_pressed, "lang.": self._language}
        if upcoming:
            table.update({action: self._upcoming for action in UPCOMING})
        return table

    def commands(self) -> dict[str, Command]:
        async def menu(turn: Turn) -> None:
            self.menu(turn)

        async def language(turn: Turn) -> None:
            self.languages(turn)

        async def help_(turn: Turn) -> None:
            self.help(turn)

        return {"menu": menu, "language": language, "help": help_}

    def greet(self, turn: Turn) -> None:
        """First contact: hello in their language, then the consent question."""
        t = turn.t
        name = turn.inbound.first_name
        hello = t("Bonjour {name} 👋", name=name) if name else t("Bonjour 👋")
        intro = t(
            "Je suis le bot de <b>{organisation}</b>.\n"
            "Je vous aide à faire le premier pas vers votre projet d'entreprise. C'est gratuit.",
            organisation=self.core.territory.name,
        )
        turn.say(hello + "\n" + intro)
        turn.resident.step = STEP_CONSENT
        turn.say(self.consent_text(t), consent_buttons(t))

    def consent_text(self, t: Texts) -> str:
        return consent_text(t, self.core.retention_days)

    def menu(self, turn: Turn, *, edit: bool = False, attach: bool = False) -> None:
        """The menu; `attach` puts its buttons under the message just written instead of a new one."""
        t, reply = turn.t, turn.reply
        if turn.resident.step == STEP_CONSENT:
            text = t("Pour continuer, répondez d'abord à cette question 👇") + "\n\n" + self.consent_text(t)
            turn.say(text, consent_buttons(t), replace=edit)
            return
        turn.resident.step = STEP_MENU
        if attach and reply.messages:
            reply.messages[-1] = replace(reply.messages[-1], buttons=self.menu_buttons(t))
            return
        turn.say(t("Que voulez-vous faire ? 👇"), self.menu_buttons(t), replace=edit)

    def menu_buttons(self, t: Texts) -> tuple[tuple[Button, ...], ...]:
        guide = ((Button(t("🤝 Qui peut m'aider ?"), "m.who"),),) if self.core.partners.items else ()
        return (
            (Button(t("🧭 Où en est mon projet ?"), "m.screen"),),
            (Button(t("📅 Réunions d'information"), "m.sessions"),),
            *guide,
            (Button(t("❓ Poser une question"), "m.ask"),),
            (Button(t("🙋 Parler à un conseiller"), "m.human"),),
            (Button(t("🌍 Langue"), "lang"), Button(t("🔒 Mes données"), "data")),
        )

    def languages(self, turn: Turn, *, edit: bool = False) -> None:
        names = [Button(LANGUAGE_NAMES[code], f"lang.{code}") for code in SUPPORTED_LANGUAGES]
        rows = tuple(tuple(names[i : i + 2]) for i in range(0, len(names), 2))
        turn.say(turn.t("🌍 Choisissez votre langue :"), rows, replace=edit)

    def help(self, turn: Turn) -> None:
        t = turn.t
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
                contact_block(self.core.territory, t, turn.now),
            )
        )
        turn.say(text, (menu_row(t),))

    def media_text(self, turn: Turn) -> str:
        """A kind answer to what the bot cannot read yet, saying what to do instead: the menu follows."""
        t, media = turn.t, turn.inbound.media
        if media in ("voice", "audio", "video_note"):
            return t(
                "🎤 Je ne peux pas encore écouter les messages vocaux. Écrivez-moi, même avec des fautes,"
                " ou touchez « 🙋 Parler à un conseiller »."
            )
        if media == "sticker":
            return t("😊 Merci !")
        if media == "contact":  # nothing to keep: the bot needs no one's phone number
            return t("📇 Merci, mais je ne garde pas les contacts. Écrivez-moi plutôt votre question.")
        if media in ("location", "venue"):
            return t("📍 Merci ! Pour les réunions près de chez vous, touchez « 📅 Réunions d'information ».")
        if media == "poll":
            return t("📊 Je ne sais pas répondre aux sondages. Écrivez-moi votre question ?")
        if media == "dice":
            return t("🎲 Bien joué ! Moi, je réponds aux questions pour créer son activité. Que voulez-vous savoir ?")
        return t("📎 Je ne peux pas encore lire les photos ni les fichiers. Pouvez-vous écrire votre message ?")

    # -- buttons -------------------------------------------------------------------------------

    async def _to_menu(self, turn: Turn, _: str) -> bool:
        self.menu(turn, edit=True)
        return True

    async def _languages_pressed(self, turn: Turn, _: str) -> bool:
        self.languages(turn, edit=True)
        return True

    async def _language(self, turn: Turn, lang: str) -> bool:
        if lang not in SUPPORTED_LANGUAGES:
            return False
        turn.resident.language = lang
        turn.t = t = Texts(self.core.catalogs, lang)
        if turn.resident.step == STEP_CONSENT:
            turn.say(self.consent_text(t), consent_buttons(t), replace=True)
            return True
        turn.say(t("✅ C'est noté : je vous parle en français."), replace=True)
        self.menu(turn)
        return True

    async def _upcoming(self, turn: Turn, _: str) -> bool:
        self.by_phone(turn, replace=True)
        return True

    def by_phone(self, turn: Turn, *, replace: bool = False) -> None:
        """No counsellor answers in the chat here: who to call or visit, and when it is open."""
        t = turn.t
        text = t("🙋 Pour parler à un conseiller, appelez-nous ou venez nous voir :")
        text += "\n\n" + contact_block(self.core.territory, t, turn.now)
        text += "\n\n" + t("Bientôt, vous pourrez aussi écrire à un conseiller dans ce chat.")
        turn.say(text, (menu_row(t),), replace=replace)
