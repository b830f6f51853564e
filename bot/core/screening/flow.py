"""The screening as a conversation: one question per screen, resumable, `/back`, typed answers checked.

Button answers edit the question message in place; the summary is a new message so it stays in the
history. A question typed in the middle is parked, not lost, and recalled in the summary.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import STEP_MENU, Core, Handler, Turn, menu_row
from bot.core.messages import Button, Outbound
from bot.core.normalise import plain_words
from bot.core.outreach import service as outreach
from bot.core.screening import runs as screening_runs
from bot.core.screening.model import TYPED, Answers, Question, Screening
from bot.core.screening.runs import STEP
from bot.core.screening.summary import Summary
from bot.db.models import Resident, ScreeningRun
from bot.i18n import format_day


class ScreeningFlow:
    def __init__(self, screening: Screening, core: Core) -> None:
        self.screening = screening
        self.catalogs = core.catalogs
        self.summary = Summary(core.territory, counsellors=bool(core.counsellors), partners=core.partners)

    def routes(self, consented: Callable[[Turn, str, str], Awaitable[bool]]) -> dict[str, Handler]:
        """The questionnaire's buttons; `consented` asks for consent first when it is missing."""

        async def open_(turn: Turn, _: str) -> bool:
            why = turn.t("🔒 Pour garder vos réponses, j'ai besoin de votre accord.")
            if await consented(turn, why, "s.start"):
                await self.open(turn)
            return True

        async def start(turn: Turn, _: str) -> bool:
            await self.start(turn)
            return True

        async def go(turn: Turn, _: str) -> bool:
            await self.resume(turn, replace=True)
            return True

        async def back(turn: Turn, _: str) -> bool:
            return await self.back(turn, replace=True)

        return {
            "m.screen": open_,
            "s.start": start,
            "s.new": start,
            "s.go": go,
            "s.back": back,
            "s.why.": self.why,
            "s.a.": self.answer,
        }

    # -- entry points called by the dialogue -------------------------------------------------

    async def open(self, turn: Turn) -> None:
        """From the menu: resume an unfinished run, else show the last result, else start."""
        session, resident, t, reply = turn.session, turn.resident, turn.t, turn.reply
        run = await screening_runs.open_run(session, resident)
        if run is not None and await screening_runs.answers(session, run):
            text = t(
                "🧭 Vous aviez commencé le questionnaire le {day}. On continue ?",
                day=format_day(run.started_at, t.lang),
            )
            buttons = (
                (Button(t("▶️ Continuer"), "s.go"),),
                (Button(t("🔄 Recommencer"), "s.new"),),
                menu_row(t),
            )
            reply.messages.append(Outbound(text, buttons, replace=True))
            return
        if not await self.last_result(turn):
            await self.start(turn)

    async def last_result(self, turn: Turn) -> bool:
        """The summary of the last finished questionnaire, with a way to start again; False if none."""
        finished = await screening_runs.last_result(turn.session, turn.resident)
        if finished is None or finished.finished_at is None:
            return False
        t = turn.t
        outcome = screening_runs.stored_outcome(self.screening, finished)
        heading = t("🧭 <b>Votre résultat du {day}</b>", day=format_day(finished.finished_at, t.lang))
        turn.reply.messages.append(self.summary.message(turn.resident, outcome, t, heading=heading, replace=True))
        return True

    async def start(self, turn: Turn) -> None:
        session, resident, now = turn.session, turn.resident, turn.now
        run = await screening_runs.start_run(session, resident, self.screening, now)
        await self._ask(turn, run, intro=True, replace=True)

    async def resume(self, turn: Turn, *, replace: bool = False) -> None:
        """Show the question the resident is at (the one shown last, if they went back)."""
        session, resident = turn.session, turn.resident
        run = await screening_runs.open_run(session, resident)
        if run is None:
            await self.start(turn)
            return
        given = await screening_runs.answers(session, run)
        current = self.screening.question(str(resident.step_data.get("q", "")))
        if resident.step == STEP and current is not None and self.screening.applies(current, given):
            await self._show(turn, run, current, given, replace=replace)
            return
        await self._ask(turn, run, replace=replace)

    async def why(self, turn: Turn, question_id: str) -> bool:
        """❔ Why this question: the reason, in a box the resident closes."""
        question = self.screening.question(question_id)
        if question is None or await self._current_run(turn.session, turn.resident) is None:
            return False
        turn.reply.notice = turn.t(question.why)
        turn.reply.alert = True
        return True

    async def answer(self, turn: Turn, rest: str) -> bool:
        """An answer button ("<question>.<answer>"); False unless it answers the question on screen."""
        run = await self._current_run(turn.session, turn.resident)
        question_id, _, answer_id = rest.partition(".")
        if run is None or question_id != str(turn.resident.step_data.get("q", "")) or "." in answer_id:
            return False
        question = self.screening.question(question_id)
        if question is None or question.answer(answer_id) is None:
            return False
        await screening_runs.record(turn.session, run, question.id, answer_id, None, turn.now)
        await self._ask(turn, run, replace=True)
        return True

    async def back(self, turn: Turn, *, replace: bool = False) -> bool:
        """Show the previous question again so its answer can be changed; False outside a run."""
        session, resident, t, reply = turn.session, turn.resident, turn.t, turn.reply
        run = await self._current_run(session, resident)
        if run is None:
            return False
        given = await screening_runs.answers(session, run)
        current = resident.step_data.get("q")
        previous = self.screening.previous_question(str(current) if current else None, given)
        if previous is None:
            reply.notice = t("C'est la première question.")
            if not replace:
                await self._ask(turn, run, replace=False)
            return True
        await self._show(turn, run, previous, given, replace=replace)
        return True

    async def typed(self, turn: Turn, text: str) -> bool:
        """Typed text during the screening: a typed answer, a button's words, or a message to park.

        False when there is no screening to continue (finished elsewhere, question removed since):
        the dialogue then answers as it would outside the screening.
        """
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        run = await self._current_run(session, resident)
        question = self.screening.question(str(resident.step_data.get("q", "")))
        if run is None or question is None:
            resident.step = STEP_MENU
            resident.step_data = {}
            return False
        if question.free is not None:
            value = question.free.parse(text)
            if value is None:
                reply.messages.append(Outbound("⚠️ " + t(question.free.error)))
                given = await screening_runs.answers(session, run)
                await self._show(turn, run, question, given, replace=False)
                return True
            await screening_runs.record(session, run, question.id, TYPED, value, now)
            await self._ask(turn, run, replace=False)
            return True
        words = plain_words(text)
        match = next((a for a in question.answers if words and plain_words(t(a.label)) == words), None)
        if match is not None:
            await screening_runs.record(session, run, question.id, match.id, None, now)
            await self._ask(turn, run, replace=False)
            return True
        await screening_runs.park(session, resident, STEP, text, now)
        if self.summary.counsellors:
            noted = t("📝 J'ai noté votre message. Une personne le lira. Finissons d'abord les questions 👇")
        else:
            noted = t("📝 J'ai noté votre message : je vous le rappelle à la fin. Finissons d'abord les questions 👇")
        reply.messages.append(Outbound(noted))
        given = await screening_runs.answers(session, run)
        await self._show(turn, run, question, given, replace=False)
        return True

    # -- screens ------------------------------------------------------------------------------

    async def _current_run(self, session: AsyncSession, resident: Resident) -> ScreeningRun | None:
        run_id = resident.step_data.get("run")
        if resident.step != STEP or not isinstance(run_id, int):
            return None
        run = await screening_runs.get_run(session, resident, run_id)
        return run if run is not None and run.finished_at is None else None

    async def _ask(self, turn: Turn, run: ScreeningRun, *, intro: bool = False, replace: bool) -> None:
        session = turn.session
        given = await screening_runs.answers(session, run)
        question = self.screening.next_question(given)
        if question is None:
            await self._finish(turn, run, given, replace=replace)
            return
        await self._show(turn, run, question, given, replace=replace, intro=intro)

    async def _show(
        self, turn: Turn, run: ScreeningRun, question: Question, given: Answers, *, replace: bool, intro: bool = False
    ) -> None:
        resident, t, reply = turn.resident, turn.t, turn.reply
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

    async def _finish(self, turn: Turn, run: ScreeningRun, given: Answers, *, replace: bool) -> None:
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        relevant = self.screening.relevant(given)
        outcome = self.screening.outcome(relevant)
        screening_runs.finish(run, relevant, outcome, now)
        await outreach.credit(session, resident, "screened", now)
        await outreach.credit(session, resident, f"outcome:{self.screening.advice(relevant, outcome)}", now)
        resident.step = STEP_MENU
        resident.step_data = {}
        if replace:
            reply.messages.append(Outbound(t("✅ Merci, c'est fini !"), replace=True))
        parked = await screening_runs.parked_since(session, resident, STEP, run.started_at)
        reply.messages.append(self.summary.message(resident, outcome, t, parked=parked))
