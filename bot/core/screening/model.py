"""The "Am I ready to start?" questionnaire: read from `dialogues/screening.yml`, checked, evaluated.

Questions, answers, scoring, conditions and outcomes are data, so a coordinator rewords or adds a
question without touching code. This module knows nothing of channels or the database: it answers
"which question comes next?" and "what do these answers suggest?".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

ID_PATTERN = re.compile(r"^[a-z0-9_]{1,16}$")
TYPED = "typed"  # answer id stored for a typed (free) answer
MAX_STEPS = 3
ACTIONS = frozenset({"sessions", "counsellor", "ask"})
FREE_TYPES = frozenset({"text", "integer"})
DIGITS = re.compile(r"\d+")  # any script's digits: int() reads "٢٤" as 24

# What a resident answered: question id -> (answer id, typed text or None).
Answers = Mapping[str, tuple[str, str | None]]
READY_SCORE = 9  # the "ready" score at which screening.yml sends people to funding (its rules say so too)


@dataclass(frozen=True)
class Answer:
    id: str
    label: str
    score: Mapping[str, int]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Free:
    type: str
    min: int
    max: int
    error: str

    def parse(self, text: str) -> str | None:
        """The typed answer as stored, or None when it must be asked again."""
        text = " ".join(text.split())
        if self.type == "integer":
            numbers = typed_numbers(text)
            fitting = [n for n in numbers if self.min <= n <= self.max]
            return str(fitting[0]) if len(fitting) == 1 else None
        return text if self.min <= len(text) <= self.max else None


def typed_numbers(text: str) -> list[int]:
    """The numbers in a sentence ("j'ai 24 ans", "24ans", "عمري ٢٤", "3omri 24", "I am 24").

    Any script's digits count (Arabic-Indic too). A lone digit glued to letters is a letter of
    Arabic typed in Latin script ("3omri", "7ta"), not a number; "-5" is a negative number."""
    found = []
    for match in DIGITS.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if end - start == 1 and (before.isalpha() or after.isalpha()):
            continue
        number = int(match.group())
        negative = before in "-−" and (start < 2 or not text[start - 2].isalnum())
        found.append(-number if negative else number)
    return found


@dataclass(frozen=True)
class Condition:
    """All entries must hold; see the header of screening.yml for the grammar."""

    choices: Mapping[str, frozenset[str]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    scores: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    any: tuple[Condition, ...] = ()
    negated: Condition | None = None

    def holds(self, answers: Answers, screening: Screening) -> bool:
        for qid, allowed in self.choices.items():
            if qid not in answers or answers[qid][0] not in allowed:
                return False
        for qid, (low, high) in self.ranges.items():
            given = answers.get(qid)
            if given is None or given[0] != TYPED or given[1] is None or not given[1].isdigit():
                return False
            if not _within(int(given[1]), low, high):
                return False
        if self.scores:
            totals = screening.scores(answers)
            if not all(_within(totals.get(dim, 0), low, high) for dim, (low, high) in self.scores.items()):
                return False
        if self.tags and not self.tags <= screening.tags(answers):
            return False
        if self.any and not any(c.holds(answers, screening) for c in self.any):
            return False
        return not (self.negated is not None and self.negated.holds(answers, screening))

    def questions(self) -> set[str]:
        """Questions this condition reads (tags and scores read them all, see `Screening.depends`)."""
        found = set(self.choices) | set(self.ranges)
        for sub in (*self.any, *([self.negated] if self.negated else [])):
            found |= sub.questions()
        return found

    def reads_everything(self) -> bool:
        subs = (*self.any, *([self.negated] if self.negated else []))
        return bool(self.tags or self.scores) or any(c.reads_everything() for c in subs)


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    why: str
    answers: tuple[Answer, ...]
    free: Free | None
    when: Condition | None

    def answer(self, answer_id: str) -> Answer | None:
        return next((a for a in self.answers if a.id == answer_id), None)


@dataclass(frozen=True)
class Step:
    id: str
    text: str
    action: str | None


@dataclass(frozen=True)
class Rule:
    when: Condition
    steps: tuple[str, ...]
    notes: tuple[str, ...]
    alternative: bool


@dataclass(frozen=True)
class Note:
    id: str
    when: Condition
    text: str


@dataclass(frozen=True)
class Outcome:
    """What the summary shows: 1-3 steps, notes, and whether it is the honest "not now" advice."""

    steps: tuple[Step, ...]
    notes: tuple[str, ...]
    alternative: bool


@dataclass(frozen=True)
class Screening:
    intro: str
    questions: tuple[Question, ...]
    steps: Mapping[str, Step]
    rules: tuple[Rule, ...]
    notes: tuple[Note, ...]
    version: str

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def applies(self, question: Question, answers: Answers) -> bool:
        return question.when is None or question.when.holds(answers, self)

    def next_question(self, answers: Answers) -> Question | None:
        """The first question that applies and is not answered yet; None when done."""
        return next((q for q in self.questions if q.id not in answers and self.applies(q, answers)), None)

    def previous_question(self, current: str | None, answers: Answers) -> Question | None:
        """The question asked just before `current` (or the last one, once all are answered)."""
        asked = [q for q in self.questions if q.id in answers and self.applies(q, answers)]
        if current is None:
            return asked[-1] if asked else None
        order = [q.id for q in self.questions]
        before = [q for q in asked if order.index(q.id) < order.index(current)]
        return before[-1] if before else None

    def relevant(self, answers: Answers) -> dict[str, tuple[str, str | None]]:
        """Answers to questions that still apply (a changed answer can make a later one moot)."""
        kept: dict[str, tuple[str, str | None]] = {}
        for question in self.questions:
            if question.id in answers and (question.when is None or question.when.holds(kept, self)):
                kept[question.id] = answers[question.id]
        return kept

    def chosen(self, answers: Answers) -> Iterator[Answer]:
        for question in self.questions:
            given = answers.get(question.id)
            if given is not None:
                answer = question.answer(given[0])
                if answer is not None:
                    yield answer

    def scores(self, answers: Answers) -> dict[str, int]:
        totals: dict[str, int] = {}
        for answer in self.chosen(answers):
            for dim, points in answer.score.items():
                totals[dim] = totals.get(dim, 0) + points
        return totals

    def tags(self, answers: Answers) -> set[str]:
        return {tag for answer in self.chosen(answers) for tag in answer.tags}

    def advice(self, answers: Answers, outcome: Outcome) -> str:
        """The advice as funders group it: "job_first" (a job or training fits better now), "ready"
        (the score at which the rules send people to funding), or "not_yet"."""
        if outcome.alternative:
            return "job_first"
        return "ready" if self.scores(answers).get("ready", 0) >= READY_SCORE else "not_yet"

    def outcome(self, answers: Answers) -> Outcome:
        """1-3 next steps from the first rules that match; never a grade."""
        answers = self.relevant(answers)
        steps: list[Step] = []
        notes: list[str] = []
        alternative = False
        for rule in self.rules:
            if not rule.when.holds(answers, self):
                continue
            alternative = alternative or rule.alternative
            notes.extend(n for n in rule.notes if n not in notes)
            for sid in rule.steps:
                if len(steps) < MAX_STEPS and self.steps[sid] not in steps:
                    steps.append(self.steps[sid])
        notes.extend(n.text for n in self.notes if n.when.holds(answers, self) and n.text not in notes)
        return Outcome(tuple(steps), tuple(notes), alternative)

    def texts(self) -> Iterator[str]:
        """Every message id in the file, for catalogs and checks."""
        yield self.intro
        for q in self.questions:
            yield q.text
            yield q.why
            if q.free is not None:
                yield q.free.error
            yield from (a.label for a in q.answers)
        yield from (s.text for s in self.steps.values())
        for rule in self.rules:
            yield from rule.notes
        yield from (n.text for n in self.notes)
