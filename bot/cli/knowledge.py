"""Coordinators' commands for the knowledge base: try questions in batch, and list the gaps."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.core.knowledge import gaps
from bot.core.knowledge.answers import Answers
from bot.core.knowledge.language import answer_language
from bot.db.engine import in_transaction
from bot.runtime import Runtime

REASONS = {"none": "no topic fits", "unsure": "unsure between topics", "down": "answered, then 👎"}


def faq_batch(
    settings: Settings, as_json: bool, lang: str | None = None, lines: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    """One question per line in, one result per line out, in the order given; with `lang`, as a
    resident who chose that language is answered (`lang` is then the language of the answer)."""
    answers = Answers(settings.content_dir, settings.cache_dir)
    answers.wait(complete=True)  # the same answers as a running bot's, not those of its first seconds
    try:
        for line in lines:
            question = line.rstrip("\n")
            if not question.strip():
                continue
            asked = answers.ask_now(question, lang)
            topics = [m.topic for m in asked.result.topics]
            scores = [round(m.score, 3) for m in asked.result.topics]
            said = answer_language(question, asked.language, lang) if lang else asked.language.code
            said = said or settings.default_language
            if as_json:
                row = {"q": question, "lang": said, "topics": topics, "scores": scores,
                       "answered": asked.result.answered, "outcome": asked.result.outcome}  # fmt: skip
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                found = ", ".join(f"{t} ({s:.2f})" for t, s in zip(topics, scores, strict=True)) or "—"
                out.write(f"[{said}] {asked.result.outcome:8} {found}  ← {question}\n")
            out.flush()
    finally:
        answers.close()
    return 0


async def gaps_command(runtime: Runtime, days: int) -> int:
    try:
        await runtime.migrate()
        since = runtime.core.clock() - timedelta(days=days)
        found = await in_transaction(runtime.sessions, lambda s: gaps.report(s, since))
    finally:
        await runtime.close()
    if not found:
        print(f"No unanswered or 👎 question in the last {days} days.")
        return 0
    print(f"Questions the knowledge base did not answer well, last {days} days, most frequent first:")
    for gap in found:
        about = f" — closest topic: {gap.topic}" if gap.topic else ""
        print(f"\n{gap.count:4d} × {REASONS.get(gap.reason, gap.reason)}{about}")
        for text, times in gap.examples:
            print(f"       {f'{times}× ' if times > 1 else ''}{text[:160]}")
    return 0


def check_knowledge(root: Path) -> int:
    from datetime import date

    from bot.core.knowledge.content import check

    problems = check(root, date.today())
    for line in problems:
        print(line)
    print(f"knowledge: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0
