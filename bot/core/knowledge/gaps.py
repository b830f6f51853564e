"""Questions typed to the FAQ, kept anonymous, so coordinators see what the base does not answer."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.normalise import normalise
from bot.db.engine import rows_changed
from bot.db.models import FaqQuestion

KEEP_DAYS = 180  # long enough to see what comes back every season, short enough to hold little
MAX_CHARS = 500
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+|00)?\d(?:[\s.-]?\d){7,}")


def mask(text: str, names: Iterable[str | None] = ()) -> str:
    """No phone number, e-mail address or name of the asker in the log (their first name, and the
    capitalised word after it, a surname): the question is what matters, not who asked."""
    text = PHONE.sub("…", EMAIL.sub("…", text.strip()))
    for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
        text = re.sub(rf"(?<!\w)(?i:{re.escape(name)})(?:\s+[A-ZÀ-ÖØ-Þ][\w'-]+)?(?!\w)", "…", text)
    return text[:MAX_CHARS]


async def record(
    session: AsyncSession,
    text: str,
    language: str,
    topic: str | None,
    outcome: str,
    now: datetime,
    names: Iterable[str | None] = (),
) -> str:
    """Keep one question, with no link to who asked; returns the token its 👍/👎 buttons carry."""
    token = secrets.token_urlsafe(9)
    row = FaqQuestion(
        token=token, text=mask(text, names), language=language, topic=topic, outcome=outcome, asked_at=now
    )
    session.add(row)
    return token


async def give_feedback(session: AsyncSession, token: str, helpful: bool) -> FaqQuestion | None:
    row = await session.scalar(select(FaqQuestion).where(FaqQuestion.token == token))
    if row is not None:
        row.feedback = "up" if helpful else "down"
    return row


async def give_topic(session: AsyncSession, token: str, topic: str) -> FaqQuestion | None:
    """The topic the resident picked after the question: for an unsure match, the example to add."""
    row = await session.scalar(select(FaqQuestion).where(FaqQuestion.token == token))
    if row is not None:
        row.topic = topic
    return row


@dataclass(frozen=True)
class Gap:
    """Questions the base did not answer well, grouped by what the matcher thought they were about."""

    reason: str  # "none" (nothing fits), "unsure", or "down" (answered, then 👎)
    topic: str | None
    count: int
    examples: tuple[tuple[str, int], ...]  # (question, times asked), most frequent first


async def report(session: AsyncSession, since: datetime) -> list[Gap]:
    rows = (
        await session.scalars(
            select(FaqQuestion)
            .where(FaqQuestion.asked_at >= since)
            .where(or_(FaqQuestion.outcome != "answered", FaqQuestion.feedback == "down"))
            .order_by(FaqQuestion.asked_at.desc())
        )
    ).all()
    groups: dict[tuple[str, str | None], Counter[str]] = {}
    first_text: dict[str, str] = {}
    for row in rows:
        reason = "down" if row.feedback == "down" else row.outcome
        key = normalise(" ".join(row.text.split()))
        first_text.setdefault(key, row.text)
        groups.setdefault((reason, row.topic if reason != "none" else None), Counter())[key] += 1
    found = [
        Gap(reason, topic, sum(c.values()), tuple((first_text[k], n) for k, n in c.most_common(5)))
        for (reason, topic), c in groups.items()
    ]
    return sorted(found, key=lambda g: (-g.count, g.reason, g.topic or ""))


async def forget_old(session: AsyncSession, now: datetime, days: int = KEEP_DAYS) -> int:
    result = await session.execute(delete(FaqQuestion).where(FaqQuestion.asked_at < now - timedelta(days=days)))
    return rows_changed(result)
