"""Questions typed to the FAQ, kept anonymous, so coordinators see what the base does not answer."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.normalise import normalise
from bot.db.models import FaqQuestion

KEEP_DAYS = 180  # long enough to see what comes back every season, short enough to hold little
MAX_CHARS = 500
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+|00)?\d(?:[\s.-]?\d){7,}")


def mask(text: str) -> str:
    """No phone number or e-mail address in the log: the question is what matters, not who asked."""
    return PHONE.sub("…", EMAIL.sub("…", text.strip()))[:MAX_CHARS]


async def record(
    session: AsyncSession, text: str, language: str, topic: str | None, outcome: str, now: datetime
) -> str:
    """Keep one question; returns the token its 👍/👎 buttons carry."""
    token = secrets.token_urlsafe(9)
    row = FaqQuestion(token=token, text=mask(text), language=language, topic=topic, outcome=outcome, asked_at=now)
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
    return int(getattr(result, "rowcount", 0) or 0)
