"""Scoring the FAQ on the public evaluation set: shared by tests/test_faq_eval.py and bench/faq_eval.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Row:
    lang: str
    question: str
    topic: str  # the best topic, or "none" when the base does not answer it


@dataclass
class Stats:
    questions: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    nones: int = 0
    nones_not_answered: int = 0

    def share(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0


def load_set(folder: Path = FOLDER) -> list[Row]:
    rows = []
    for path in sorted(folder.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                question, topic = line.rsplit("\t", 1)
                rows.append(Row(path.stem, question.strip(), topic.strip()))
    return rows


def score(rows: Sequence[Row], found: Iterable[tuple[Sequence[str], bool]]) -> dict[str, Stats]:
    """`found` gives, per row, the topics proposed (best first) and whether the first was answered."""
    stats: dict[str, Stats] = {}
    for row, (topics, answered) in zip(rows, found, strict=True):
        s = stats.setdefault(row.lang, Stats())
        if row.topic == "none":
            s.nones += 1
            s.nones_not_answered += not answered
            continue
        s.questions += 1
        s.top1 += bool(topics) and topics[0] == row.topic
        s.top3 += row.topic in topics[:3]
        if answered:
            s.answered_right += topics[0] == row.topic
            s.answered_wrong += topics[0] != row.topic
    return stats


def total(stats: dict[str, Stats]) -> Stats:
    out = Stats()
    for s in stats.values():
        for name in vars(out):
            setattr(out, name, getattr(out, name) + getattr(s, name))
    return out


def table(stats: dict[str, Stats]) -> str:
    lines = [f"{'lang':5} {'n':>4} {'top-1':>6} {'top-3':>6} {'answered right/wrong':>21} {'none not answered':>18}"]
    for lang, s in [*sorted(stats.items()), ("all", total(stats))]:
        lines.append(
            f"{lang:5} {s.questions:4d} {s.share(s.top1, s.questions):6.1%} {s.share(s.top3, s.questions):6.1%}"
            f" {s.share(s.answered_right, s.questions):>13.1%} / {s.share(s.answered_wrong, s.questions):4.1%}"
            f" {s.share(s.nones_not_answered, s.nones):>12.1%} of {s.nones}"
        )
    return "\n".join(lines)
