"""🔒 My data: what is kept and why, my answers, giving or withdrawing consent, erasing everything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.broadcasts import service as broadcasts
from bot.core.context import STEP_MENU, Core, Handler, Turn, menu_row
from bot.core.handover import recent
from bot.core.messages import Button
from bot.core.privacy import service as privacy
from bot.core.privacy.consent import STEP_CONSENT, consent_buttons, consent_text
from bot.core.screening import runs as screening_runs
from bot.core.sessions import service as sessions
from bot.i18n import LANGUAGE_NAMES, format_day

STEP_ERASE = "erase"


class PrivacyFlow:
    """The resident's rights on their phone: see, export by reading, withdraw, erase."""

    def __init__(self, core: Core, before_erase: Callable[[Turn], Awaitable[None]]) -> None:
        self.core = core
        self.before_erase = before_erase  # gives booked seats to the people waiting, before the rows go

    def routes(self) -> dict[str, Handler]:
        return {
            "data": self._my_data,
            "data.answers": self._my_answers,
            "data.agree": self._agree,
            "data.withdraw": self._withdraw,
            "data.an": self._announcements,
            "erase": self._erase,
            "erase.yes": self._erase_confirmed,
        }

    async def _my_data(self, turn: Turn, _: str) -> bool:
        t, resident, session = turn.t, turn.resident, turn.session
        if resident.consent == privacy.CONSENT_YES and resident.consent_at is not None:
            consent = t("oui, depuis le {day}", day=format_day(resident.consent_at, t.lang))
        elif resident.consent == privacy.CONSENT_NO:
            consent = t("non")
        else:
            consent = t("pas encore répondu")
        runs = await screening_runs.runs_count(session, resident)
        # Messages kept with the person: typed during a flow, or among the last few for a counsellor.
        noted = await screening_runs.parked_count(session, resident) + await recent.count(session, resident)
        booked = len(await sessions.bookings_of(session, resident, turn.now))
        lines = [
            t("🔒 <b>Vos données</b>"),
            "",
            t("Langue : {language}", language=LANGUAGE_NAMES[resident.language]),
            t("Votre accord : {consent}", consent=consent),
            t("Prénom : {name}", name=resident.first_name or "—"),
            t("Lien utilisé : {source}", source=self._source_name(turn, resident.source)),
            t("Premier message : {day}", day=format_day(resident.created_at, t.lang)),
            t("Questionnaires : {count}", count=runs),
            t("Messages notés : {count}", count=noted),
            t("Réservations : {count}", count=booked),
            t("Annonces d'ateliers : {answer}", answer=self._announced(turn)),
            "",
            t("Pourquoi ? Pour vous guider et pour vous rappeler vos rendez-vous."),
            t("Rien n'est vendu. Rien n'est donné à d'autres sans vous le demander."),
        ]
        rows: list[tuple[Button, ...]] = []
        if runs:
            rows.append((Button(t("📋 Mes réponses"), "data.answers"),))
        rows.append((Button(t("🗑️ Tout effacer"), "erase"),))
        if privacy.has_consent(resident):
            if resident.announcements == broadcasts.YES:
                rows.append((Button(t("🔕 Ne plus recevoir les annonces"), "data.an"),))
            else:
                rows.append((Button(t("🔔 Recevoir les annonces"), "data.an"),))
            rows.append((Button(t("🚫 Retirer mon accord"), "data.withdraw"),))
        else:
            rows.append((Button(t("✅ Donner mon accord"), "data.agree"),))
        rows.append(menu_row(t))
        turn.say("\n".join(lines), tuple(rows), replace=True)
        return True

    def _announced(self, turn: Turn) -> str:
        if turn.resident.announcements == broadcasts.YES and privacy.has_consent(turn.resident):
            return turn.t("oui")
        return turn.t("non") if turn.resident.announcements else turn.t("pas encore répondu")

    async def _announcements(self, turn: Turn, _: str) -> bool:
        """Announcements on or off, from My data (they need consent: the bot keeps who wants them)."""
        if not privacy.has_consent(turn.resident):
            return False
        await broadcasts.choose(turn.session, turn.resident, turn.resident.announcements != broadcasts.YES)
        return await self._my_data(turn, "")

    async def _my_answers(self, turn: Turn, _: str) -> bool:
        """The right to see one's data: the latest questionnaire, in the resident's language."""
        t = turn.t
        run = await screening_runs.latest(turn.session, turn.resident)
        if run is None or self.core.screening is None:
            self._back_to_data(turn, "—")
            return True
        given = await screening_runs.answers(turn.session, run)
        lines = [t("📋 <b>Vos réponses du {day}</b>", day=format_day(run.started_at, t.lang)), ""]
        for line in screening_runs.card_lines(self.core.screening, given):
            answer = t(line.label) if line.label else t.escape(line.typed or "—")
            lines.append(f"• {t(line.question).splitlines()[0]}\n   → {answer}")
        self._back_to_data(turn, "\n".join(lines))
        return True

    async def _agree(self, turn: Turn, _: str) -> bool:
        if privacy.has_consent(turn.resident):
            return False
        turn.resident.step = STEP_CONSENT
        turn.say(consent_text(turn.t, self.core.retention_days), consent_buttons(turn.t), replace=True)
        return True

    async def _withdraw(self, turn: Turn, _: str) -> bool:
        resident, t = turn.resident, turn.t
        if not privacy.has_consent(resident):
            return False
        privacy.decline(resident, turn.now)
        await privacy.forget_answers(turn.session, resident)
        await broadcasts.choose(turn.session, resident, False)
        resident.announcements = None  # asked again if they agree again
        resident.step = STEP_MENU
        text = t("🚫 C'est fait : votre accord est retiré et j'ai effacé votre prénom et d'où vous venez.")
        text += "\n" + t("Vos réponses au questionnaire sont effacées aussi.")
        turn.say(text, (menu_row(t),), replace=True)
        return True

    async def _erase(self, turn: Turn, _: str) -> bool:
        t = turn.t
        turn.resident.step = STEP_ERASE
        text = t(
            "🗑️ <b>Tout effacer ?</b>\nVotre langue, vos réponses et vos rendez-vous seront supprimés. "
            "On ne pourra pas revenir en arrière."
        )
        buttons = ((Button(t("🗑️ Oui, tout effacer"), "erase.yes"),), (Button(t("⬅️ Non, retour"), "data"),))
        turn.say(text, buttons, replace=True)
        return True

    async def _erase_confirmed(self, turn: Turn, _: str) -> bool:
        if turn.resident.step != STEP_ERASE:
            return False
        await self.before_erase(turn)
        await privacy.erase(turn.session, turn.resident)
        turn.say(turn.t("🗑️ C'est fait : tout est effacé.\nPour revenir, envoyez /start."), replace=True)
        return True

    def _back_to_data(self, turn: Turn, text: str) -> None:
        t = turn.t
        turn.say(text, ((Button(t("🔒 Mes données"), "data"),), menu_row(t)), replace=True)

    def _source_name(self, turn: Turn, source: str | None) -> str:
        if not source:
            return "—"
        if source.startswith("nb-"):
            place = self.core.territory.neighbourhood(source[3:])
            if place is not None:
                return turn.t("le lien du quartier {name}", name=place.name)
        return turn.t("le lien d'un événement")
