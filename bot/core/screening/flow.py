"""The screening as a conversation: one question per screen, resumable, `/back`, typed answers checked.

Button answers edit the question message in place; the summary is a new message so it stays in the
history. A question typed in the middle is parked, not lost, and recalled in the summary.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import Handler, Turn
from bot.core.messages import Button, Outbound, Reply
from bot.core.normalise import plain_words
from bot.core.privacy import service as privacy
from bot.core.screening import runs as screening_runs
from bot.core.screening.model import TYPED, Answers, Outcome, Question, Screening
from bot.core.screening.runs import STEP
from bot.core.texts import Texts
from bot.db.models import Resident, ScreeningRun
from bot.i18n import Catalogs, format_day

ACTION_BUTTONS = {
    "sessions": ("📅 Réunions d'information", "m.sessions"),
    "counsellor": ("🙋 Parler à un conseiller", "m.human.s"),  # the card says the questionnaire advised it
}


class ScreeningFlow:
    def __init__(self, screening: Screening, catalogs: Catalogs) -> None:
        self.screening = screening
        self.catalogs = catalogs

    def routes(self, consented: Callable[[Turn, str, str], Awaitable[bool]]) -> dict[str, Handler]:
        """The questionnaire's buttons; `consented` asks for consent first when it is missing."""

        async def open_(turn: Turn, _: str) -> bool:
            why = turn.t("🔒 Pour garder vos réponses, j'ai besoin de votre accord.")
            if await consented(turn, why, "s.start"):
                await self.open(turn.session, turn.resident, turn.t, turn.reply, turn.now)
            return True

        async def start(turn: Turn, _: str) -> bool:
            await self.start(turn.session, turn.resident, turn.t, turn.reply, turn.now)
            return True

        async def press(turn: Turn, rest: str) -> bool:
            return await self.press(turn.session, turn.resident, "s." + rest, turn.t, turn.reply, turn.now)

        return {"m.screen": open_, "s.start": start, "s.": press}

    # -- entry points called by the dialogue -------------------------------------------------

    async def open(self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply, now: datetime) -> None:
        """From the menu: resume an unfinished run, or start."""
        run = await screening_runs.open_run(session, resident)
        if run is not None and await screening_runs.answers(session, run):
            text = t(
                "🧭 Vous aviez commencé le questionnaire le {day}. On continue ?",
                day=format_day(run.started_at, t.lang),
            )
            buttons = (
                (Button(t("▶️ Continuer"), "s.go"),),
                (Button(t("🔄 Recommencer"), "s.new"),),
                (Button(t("⬅️ Menu"), "menu"),),
            )
            reply.messages.append(Outbound(text, buttons, replace=True))
            return
        await self.start(session, resident, t, reply, now)

    async def start(self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply, now: datetime) -> None:
        run = await screening_runs.start_run(session, resident, self.screening, now)
        await self._ask(session, resident, run, t, reply, now, intro=True, replace=True)

    async def resume(
        self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply, now: datetime, *, replace: bool = False
    ) -> None:
        """Show the question the resident is at (the one shown last, if they went back)."""
        run = await screening_runs.open_run(session, resident)
        if run is None:
            await self.start(session, resident, t, reply, now)
            return
        given = await screening_runs.answers(session, run)
        current = self.screening.question(str(resident.step_data.get("q", "")))
        if resident.step == STEP and current is not None and self.screening.applies(current, given):
            await self._show(resident, run, current, given, t, reply, replace=replace)
            return
        await self._ask(session, resident, run, t, reply, now, replace=replace)

    async def press(
        self, session: AsyncSession, resident: Resident, action: str, t: Texts, reply: Reply, now: datetime
    ) -> bool:
        """Handle a screening button; False when it does not belong to the current question."""
        run = await self._current_run(session, resident)
        if action == "s.go":
            await self.resume(session, resident, t, reply, now, replace=True)
            return True
        if action == "s.new":
            await self.start(session, resident, t, reply, now)
            return True
        if run is None:
            return False
        current = str(resident.step_data.get("q", ""))
        if action.startswith("s.why."):
            question = self.screening.question(action[6:])
            if question is None:
                return False
            reply.notice = t(question.why)
            reply.alert = True
            return True
        if action == "s.back":
            await self.back(session, resident, t, reply, now, replace=True)
            return True
        parts = action.split(".")
        if len(parts) != 4 or parts[:2] != ["s", "a"] or parts[2] != current:
            return False
        question = self.screening.question(parts[2])
        if question is None or question.answer(parts[3]) is None:
            return False
        await screening_runs.record(session, run, question.id, parts[3], None, now)
        await self._ask(session, resident, run, t, reply, now, replace=True)
        return True

    async def back(
        self, session: AsyncSession, resident: Resident, t: Texts, reply: Reply, now: datetime, *, replace: bool = False
    ) -> bool:
        """Show the previous question again so its answer can be changed; False outside a run."""
        run = await self._current_run(session, resident)
        if run is None:
            return False
        given = await screening_runs.answers(session, run)
        current = resident.step_data.get("q")
        previous = self.screening.previous_question(str(current) if current else None, given)
        if previous is None:
            reply.notice = t("C'est la première question.")
            if not replace:
                await self._ask(session, resident, run, t, reply, now, replace=False)
            return True
        await self._show(resident, run, previous, given, t, reply, replace=replace)
        return True

    async def typed(
        self, session: AsyncSession, resident: Resident, text: str, t: Texts, reply: Reply, now: datetime
    ) -> bool:
        """Typed text during the screening: a typed answer, a button's words, or a message to park.

        False when there is no screening to continue (finished elsewhere, question removed since):
        the dialogue then answers as it would outside the screening.
        """
        run = await self._current_run(session, resident)
        question = self.screening.question(str(resident.step_data.get("q", "")))
        if run is None or question is None:
            resident.step = "menu"
            resident.step_data = {}
            return False
        if question.free is not None:
            value = question.free.parse(text)
            if value is None:
                reply.messages.append(Outbound("⚠️ " + t(question.free.error)))
                given = await screening_runs.answers(session, run)
                await self._show(resident, run, question, given, t, reply, replace=False)
                return True
            await screening_runs.record(session, run, question.id, TYPED, value, now)
            await self._ask(session, resident, run, t, reply, now, replace=False)
            return True
        words = plain_words(text)
        match = next((a for a in question.answers if words and plain_words(t(a.label)) == words), None)
        if match is not None:
            await screening_runs.record(session, run, question.id, match.id, None, now)
            await self._ask(session, resident, run, t, reply, now, replace=False)
            return True
        await screening_runs.park(session, resident, STEP, text, now)
        reply.messages.append(
            Outbound(t("📝 J'ai noté votre message. Une personne le lira. Finissons d'abord les questions 👇"))
        )
        given = await screening_runs.answers(session, run)
        await self._show(resident, run, question, given, t, reply, replace=False)
        return True

    # -- screens ------------------------------------------------------------------------------

    async def _current_run(self, session: AsyncSession, resident: Resident) -> ScreeningRun | None:
        run_id = resident.step_data.get("run")
        if resident.step != STEP or not isinstance(run_id, int):
            return None
        run = await screening_runs.get_run(session, resident, run_id)
        return run if run is not None and run.finished_at is None else None

    async def _ask(
        self,
        session: AsyncSession,
        resident: Resident,
        run: ScreeningRun,
        t: Texts,
        reply: Reply,
        now: datetime,
        *,
        intro: bool = False,
        replace: bool,
    ) -> None:
        given = await screening_runs.answers(session, run)
        question = self.screening.next_question(given)
        if question is None:
            await self._finish(session, resident, run, given, t, reply, now, replace=replace)
            return
        await self._show(resident, run, question, given, t, reply, replace=replace, intro=intro)

    async def _show(
        self,
        resident: Resident,
        run: ScreeningRun,
        question: Question,
        given: Answers,
        t: Texts,
        reply: Reply,
        *,
        replace: bool,
        intro: bool = False,
    ) -> None:
        resident.step = STEP
        resident.step_data = {"run": run.id, "q": question.id}
        order = [q.id for q in self.screening.questions]
        asked = self.screening.relevant(given)
        number = 1 + sum(1 for qid in asked if order.index(qid) < order.index(question.id))
        parts = []
        if intro:
            parts.append(t(self.screening.intro, count=len(self.screening.questions)))
        parts.append(t("<b>Question {number}</b>", number=number) + "\n" + t(question.text))
        if question.free is not None:
            parts.append(t("✍️ Écrivez votre réponse ici, dans le message."))
        previous = given.get(question.id)
        if previous is not None:
            chosen = question.answer(previous[0])
            shown = t(chosen.label) if chosen is not None else t.escape(previous[1] or "")
            parts.append(t("Votre réponse : {answer}", answer=shown))
        rows: list[tuple[Button, ...]] = [(Button(t(a.label), f"s.a.{question.id}.{a.id}"),) for a in question.answers]
        nav = [Button(t("❔ Pourquoi ?"), f"s.why.{question.id}")]
        if number > 1:
            nav.append(Button(t("↩️ Retour"), "s.back"))
        rows.append(tuple(nav))
        rows.append((Button(t("⏸️ Finir plus tard"), "menu"),))
        reply.messages.append(Outbound("\n\n".join(parts), tuple(rows), replace=replace))

    async def _finish(
        self,
        session: AsyncSession,
        resident: Resident,
        run: ScreeningRun,
        given: Answers,
        t: Texts,
        reply: Reply,
        now: datetime,
        *,
        replace: bool,
    ) -> None:
        relevant = self.screening.relevant(given)
        outcome = self.screening.outcome(relevant)
        screening_runs.finish(run, relevant, outcome, now)
        resident.step = "menu"
        resident.step_data = {}
        if replace:
            reply.messages.append(Outbound(t("✅ Merci, c'est fini !"), replace=True))
        parked = await screening_runs.parked_since(session, resident, STEP, run.started_at)
        reply.messages.append(summary(resident, outcome, parked, t))


def summary(resident: Resident, outcome: Outcome, parked: list[str], t: Texts) -> Outbound:
    """Encouraging, concrete, never a grade: 1-3 next steps."""
    name = resident.first_name if privacy.has_consent(resident) else None
    lines = [t("🧭 <b>Merci {name} !</b>", name=name) if name else t("🧭 <b>Merci !</b>")]
    if outcome.alternative:
        lines.append(t("Pour l'instant, voici ce qui peut vous aider le plus :"))
    else:
        lines.append(t("Voici ce que je vous propose :"))
    body = "\n".join(lines) + "\n\n" + "\n\n".join(t(step.text) for step in outcome.steps)
    if outcome.notes:
        body += "\n\n" + "\n\n".join(t(note) for note in outcome.notes)
    if parked:
        quoted = " / ".join(f"« {text[:120]} »" for text in parked[:3])
        body += "\n\n" + t(
            "📝 Vous m'avez aussi écrit : {messages}. Une personne pourra vous répondre.", messages=quoted
        )
    rows: list[tuple[Button, ...]] = []
    for step in outcome.steps:
        if step.action in ACTION_BUTTONS:
            label, action = ACTION_BUTTONS[step.action]
            rows.append((Button(t(label), action),))
    rows.append((Button(t("🔄 Refaire le questionnaire"), "s.new"),))
    rows.append((Button(t("⬅️ Menu"), "menu"),))
    return Outbound(body, tuple(rows))
