"""`tremplin partners check`: every mistake in knowledge/partners.yml, with what to change."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.partners.content import read_partners
from bot.core.screening.loader import load_screening
from bot.core.territory import load_territory


def check_partners(content: Path, path: Path | None = None) -> int:
    knowledge = content / "knowledge"
    territory = load_territory(knowledge / "territory.yml")
    screening, _ = load_screening(content / "dialogues" / "screening.yml")
    steps = set(screening.steps)
    topics = {entry.stem for entry in (knowledge / "entries").glob("*.yml")}
    file = path or knowledge / "partners.yml"
    if not file.exists():
        print(f"tremplin: {file} not found", file=sys.stderr)
        return 1
    partners, problems = read_partners(file, territory, datetime.now(UTC).date(), steps, topics)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s); {len(partners.items)} partner(s) without any", file=sys.stderr)
        return 1
    print(f"{file.name}: {len(partners.items)} partners, all complete")
    return 0
