"""Screening runs in the database: answers with their time, history kept, and parked messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.screening.model import Answers, Outcome, Screening
from bot.core.texts import Texts
from bot.db.models import ParkedMessage, Resident, ScreeningAnswer, ScreeningRun
from bot.i18n import Catalogs, format_day

STEP = "screening"  # the resident's step while answering, and where their typed messages are parked


async def open_run(session: AsyncSession, resident: Resident) -> ScreeningRun | None:
    """The unfinished run a resident can resume, if any."""
    result = await session.execute(
        select(ScreeningRun)
        .where(ScreeningRun.resident_id == resident.id, ScreeningRun.finished_at.is_(None))
        .order_by(ScreeningRun.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def get_run(session: AsyncSession, resident: Resident, run_id: int) -> ScreeningRun | None:
    run = await session.get(ScreeningRun, run_id)
    return run if run is not None and run.resident_id == resident.id else None


async def start_run(session: AsyncSession, resident: Resident, screening: Screening, now: datetime) -> ScreeningRun:
    """A new run; an unfinished older one is closed without outcome, and stays in the history."""
    previous = await open_run(session, resident)
    if previous is not None:
        previous.finished_at = now
    run = ScreeningRun(resident_id=resident.id, version=screening.version, started_at=now, updated_at=now)
    session.add(run)
    await session.flush()
    return run


async def answers(session: AsyncSession, run: ScreeningRun) -> dict[str, tuple[str, str | None]]:
    """The latest answer to each question of a run."""
    result = await session.execute(
        select(ScreeningAnswer).where(ScreeningAnswer.run_id == run.id).order_by(ScreeningAnswer.id)
    )
    return {row.question: (row.answer, row.value) for row in result.scalars()}


async def record(
    session: AsyncSession, run: ScreeningRun, question: str, answer: str, value: str | None, now: datetime
) -> None:
    session.add(ScreeningAnswer(run_id=run.id, question=question, answer=answer, value=value, answered_at=now))
    run.updated_at = now
    await session.flush()


def finish(run: ScreeningRun, given: Answers, outcome: Outcome, now: datetime) -> None:
    run.finished_at = now
    run.updated_at = now
    run.outcome = {
        "steps": [step.id for step in outcome.steps],
        "alternative": outcome.alternative,
        "answers": {qid: list(value) for qid, value in given.items()},
    }


async def runs_count(session: AsyncSession, resident: Resident) -> int:
    count = await session.scalar(
        select(func.count()).select_from(ScreeningRun).where(ScreeningRun.resident_id == resident.id)
    )
    return int(count or 0)


async def parked_count(session: AsyncSession, resident: Resident) -> int:
    count = await session.scalar(
        select(func.count()).select_from(ParkedMessage).where(ParkedMessage.resident_id == resident.id)
    )
    return int(count or 0)


async def latest(session: AsyncSession, resident: Resident) -> ScreeningRun | None:
    """The newest run, finished or not: what "My answers" shows."""
    result = await session.execute(
        select(ScreeningRun).where(ScreeningRun.resident_id == resident.id).order_by(ScreeningRun.id.desc()).limit(1)
    )
    return result.scalar_one_or_none()


async def last_result(session: AsyncSession, resident: Resident) -> ScreeningRun | None:
    """The newest run that reached its summary (a run left half-way has no outcome)."""
    result = await session.execute(
        select(ScreeningRun)
        .where(ScreeningRun.resident_id == resident.id, ScreeningRun.finished_at.is_not(None))
        .order_by(ScreeningRun.id.desc())
        .limit(20)
    )
    return next((run for run in result.scalars() if run.outcome), None)


def stored_outcome(screening: Screening, run: ScreeningRun) -> Outcome:
    """What the summary said back then: the steps kept with the run (those still in the file), and
    the notes its answers bring; the questionnaire's rules decide again only if no step is left."""
    saved = run.outcome or {}
    given = {qid: (str(value[0]), value[1]) for qid, value in (saved.get("answers") or {}).items()}
    steps = tuple(screening.steps[sid] for sid in saved.get("steps") or [] if sid in screening.steps)
    fresh = screening.outcome(given)
    if not steps:
        return fresh
    return Outcome(steps, fresh.notes, bool(saved.get("alternative")))


async def park(session: AsyncSession, resident: Resident, context: str, text: str, now: datetime) -> None:
    session.add(ParkedMessage(resident_id=resident.id, context=context, text=text[:4000], created_at=now))
    await session.flush()


async def parked_since(session: AsyncSession, resident: Resident, context: str, since: datetime) -> list[str]:
    result = await session.execute(
        select(ParkedMessage.text)
        .where(
            ParkedMessage.resident_id == resident.id,
            ParkedMessage.context == context,
            ParkedMessage.created_at >= since,
        )
        .order_by(ParkedMessage.id)
    )
    return list(result.scalars())


@dataclass(frozen=True)
class CardLine:
    question: str
    label: str | None
    typed: str | None


def card_lines(screening: Screening, given: Answers) -> list[CardLine]:
    """Question and answer pairs in questionnaire order, for the counsellors' summary card."""
    lines = []
    for question in screening.questions:
        value = given.get(question.id)
        if value is None:
            continue
        chosen = question.answer(value[0])
        lines.append(CardLine(question.text, chosen.label if chosen is not None else None, value[1]))
    return lines


def counsellor_card(screening: Screening, catalogs: Catalogs, given: Answers, outcome: Outcome, when: datetime) -> str:
    """The summary card for counsellors, always in French."""
    fr = Texts(catalogs, "fr")
    lines = [f"<b>Questionnaire du {format_day(when, 'fr')}</b>"]
    for line in card_lines(screening, given):
        answer = fr(line.label) if line.label else fr.escape(line.typed or "—")
        lines.append(f"• {fr(line.question).splitlines()[0]} → {answer}")
    lines.append("")
    lines.append("<b>Pistes proposées</b>" + (" (d'abord une autre voie)" if outcome.alternative else ""))
    lines.extend(f"• {fr(step.text)}" for step in outcome.steps)
    return "\n".join(lines)
