"""Reading `dialogues/screening.yml`: every mistake is reported with where it is, nothing is guessed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.core.screening.model import (
    ACTIONS,
    FREE_TYPES,
    ID_PATTERN,
    TYPED,
    Answer,
    Condition,
    Free,
    Note,
    Question,
    Rule,
    Screening,
    Step,
)
from bot.core.territory import ContentError


class _Reader:
    """Builds the Screening from YAML, collecting every mistake with where it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.path.name}: {where}: {message}")

    def text(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            self.error(where, "needs a text")
            return ""
        return value

    def condition(self, where: str, raw: Any) -> Condition:
        if raw is None:
            return Condition()
        if not isinstance(raw, dict):
            self.error(where, "a condition is a mapping like {stage: [idea]}")
            return Condition()
        choices: dict[str, frozenset[str]] = {}
        ranges: dict[str, tuple[int | None, int | None]] = {}
        scores: dict[str, tuple[int | None, int | None]] = {}
        tags: set[str] = set()
        anys: tuple[Condition, ...] = ()
        negated = None
        for key, value in raw.items():
            if key == "any":
                if not isinstance(value, list) or not value:
                    self.error(where, "'any' takes a list of conditions")
                    continue
                anys = tuple(self.condition(f"{where}.any[{i}]", c) for i, c in enumerate(value))
            elif key == "not":
                negated = self.condition(f"{where}.not", value)
            elif key == "tag":
                tags |= {str(t) for t in (value if isinstance(value, list) else [value])}
            elif key == "score":
                if not isinstance(value, dict):
                    self.error(where, "'score' takes {dimension: {min: N, max: M}}")
                    continue
                for dim, bounds in value.items():
                    scores[str(dim)] = self.bounds(f"{where}.score.{dim}", bounds)
            elif isinstance(value, list):
                choices[str(key)] = frozenset(str(v) for v in value)
            elif isinstance(value, dict):
                ranges[str(key)] = self.bounds(f"{where}.{key}", value)
            else:
                self.error(where, f"{key}: expected a list of answer ids or {{min, max}}")
        return Condition(
            MappingProxyType(choices),
            MappingProxyType(ranges),
            MappingProxyType(scores),
            frozenset(tags),
            anys,
            negated,
        )

    def bounds(self, where: str, raw: Any) -> tuple[int | None, int | None]:
        if not isinstance(raw, dict) or not set(raw) <= {"min", "max"} or not raw:
            self.error(where, "expected {min: N, max: M}")
            return (None, None)
        low, high = raw.get("min"), raw.get("max")
        if any(v is not None and not isinstance(v, int) for v in (low, high)):
            self.error(where, "min and max are whole numbers")
            return (None, None)
        return (low, high)

    def answer(self, where: str, raw: Any) -> Answer | None:
        if not isinstance(raw, dict):
            self.error(where, "an answer is a mapping with id, label and score")
            return None
        aid = str(raw.get("id", ""))
        if not ID_PATTERN.match(aid) or aid == TYPED:
            self.error(where, f"answer id {aid!r} must be 1-16 characters of a-z, 0-9 and _ (not {TYPED!r})")
        if "score" not in raw:
            self.error(where, f"answer {aid!r} has no score (write score: {{}} for none)")
        score = raw.get("score") or {}
        if not isinstance(score, dict) or not all(isinstance(v, int) for v in score.values()):
            self.error(where, f"answer {aid!r}: score is {{dimension: points}}")
            score = {}
        tags = raw.get("tags") or []
        return Answer(aid, self.text(f"{where}.label", raw.get("label")), MappingProxyType(dict(score)), tuple(tags))

    def question(self, where: str, raw: Any) -> Question | None:
        if not isinstance(raw, dict):
            self.error(where, "a question is a mapping")
            return None
        qid = str(raw.get("id", ""))
        if not ID_PATTERN.match(qid):
            self.error(where, f"question id {qid!r} must be 1-16 characters of a-z, 0-9 and _")
        where = f"question {qid}"
        answers = tuple(
            a for i, r in enumerate(raw.get("answers") or []) if (a := self.answer(f"{where}.answers[{i}]", r))
        )
        if len({a.id for a in answers}) != len(answers):
            self.error(where, "two answers share an id")
        free = None
        if raw.get("free") is not None:
            f = raw["free"]
            if not isinstance(f, dict) or f.get("type") not in FREE_TYPES:
                self.error(f"{where}.free", "type must be text or integer")
            else:
                free = Free(
                    str(f["type"]),
                    int(f.get("min", 1)),
                    int(f.get("max", 200)),
                    self.text(f"{where}.free.error", f.get("error")),
                )
        if not answers and free is None:
            self.error(where, "needs answers (buttons) or free (a typed answer)")
        when = self.condition(f"{where}.when", raw["when"]) if "when" in raw else None
        return Question(
            qid,
            self.text(f"{where}.text", raw.get("text")),
            self.text(f"{where}.why", raw.get("why")),
            answers,
            free,
            when,
        )


def _version(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:12]


def load_screening(path: Path) -> tuple[Screening, list[str]]:
    """Read the file; returns the screening and every mistake found (an empty list when valid)."""
    try:
        raw_bytes = path.read_bytes()
        data = yaml.safe_load(raw_bytes)
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: screening file not found") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping with questions, steps and rules")
    reader = _Reader(path)
    questions = tuple(
        q for i, r in enumerate(data.get("questions") or []) if (q := reader.question(f"questions[{i}]", r))
    )
    if not questions:
        reader.error("questions", "no question")
    if len({q.id for q in questions}) != len(questions):
        reader.error("questions", "two questions share an id")
    steps = {}
    for sid, raw in (data.get("steps") or {}).items():
        if not isinstance(raw, dict):
            reader.error(f"step {sid}", "a step is a mapping with text (and action)")
            continue
        action = raw.get("action")
        if action is not None and action not in ACTIONS:
            reader.error(f"step {sid}", f"unknown action {action!r} (use {', '.join(sorted(ACTIONS))})")
        steps[str(sid)] = Step(str(sid), reader.text(f"step {sid}.text", raw.get("text")), action)
    rules = []
    for i, raw in enumerate(data.get("rules") or []):
        where = f"rules[{i}]"
        if not isinstance(raw, dict):
            reader.error(where, "a rule is a mapping with when and steps")
            continue
        for sid in raw.get("steps") or []:
            if sid not in steps:
                reader.error(where, f"unknown step {sid!r}")
        rules.append(
            Rule(
                reader.condition(f"{where}.when", raw.get("when")),
                tuple(s for s in raw.get("steps") or [] if s in steps),
                tuple(reader.text(f"{where}.notes", n) for n in raw.get("notes") or []),
                bool(raw.get("alternative", False)),
            )
        )
    if not rules:
        reader.error("rules", "no rule: the summary would propose nothing")
    notes = tuple(
        Note(
            str(nid),
            reader.condition(f"note {nid}.when", raw.get("when")),
            reader.text(f"note {nid}.text", raw.get("text")),
        )
        for nid, raw in (data.get("notes") or {}).items()
        if isinstance(raw, dict)
    )
    screening = Screening(
        intro=reader.text("intro", data.get("intro")),
        questions=questions,
        steps=MappingProxyType(steps),
        rules=tuple(rules),
        notes=notes,
        version=_version(raw_bytes),
    )
    _check_references(screening, reader)
    _check_reachable(screening, reader)
    return screening, reader.errors


def _conditions(screening: Screening) -> Iterator[tuple[str, Condition]]:
    for q in screening.questions:
        if q.when is not None:
            yield f"question {q.id}.when", q.when
    for i, rule in enumerate(screening.rules):
        yield f"rules[{i}].when", rule.when
    for note in screening.notes:
        yield f"note {note.id}.when", note.when


def _walk(condition: Condition) -> Iterator[Condition]:
    yield condition
    for sub in condition.any:
        yield from _walk(sub)
    if condition.negated is not None:
        yield from _walk(condition.negated)


def _check_references(screening: Screening, reader: _Reader) -> None:
    """Every id a condition names must exist: a typo would silently never match."""
    known_tags = {t for q in screening.questions for a in q.answers for t in a.tags}
    known_dims = {d for q in screening.questions for a in q.answers for d in a.score}
    order = [q.id for q in screening.questions]
    for where, top in _conditions(screening):
        for cond in _walk(top):
            for qid, allowed in cond.choices.items():
                question = screening.question(qid)
                if question is None:
                    reader.error(where, f"unknown question {qid!r}")
                    continue
                for aid in sorted(allowed - {a.id for a in question.answers}):
                    reader.error(where, f"unknown answer {aid!r} of question {qid!r}")
            for qid in cond.ranges:
                question = screening.question(qid)
                if question is None:
                    reader.error(where, f"unknown question {qid!r}")
                elif question.free is None or question.free.type != "integer":
                    reader.error(where, f"question {qid!r} has no typed number to compare")
            for tag in sorted(cond.tags - known_tags):
                reader.error(where, f"unknown tag {tag!r}")
            for dim in sorted(set(cond.scores) - known_dims):
                reader.error(where, f"unknown score {dim!r}")
        if where.startswith("question "):
            qid = where.split()[1].split(".")[0]
            if top.reads_everything():
                reader.error(where, "a question's condition may only name earlier questions, not tags or scores")
            for ref in top.questions():
                if ref in order and order.index(ref) >= order.index(qid):
                    reader.error(where, f"refers to {ref!r}, which is not asked before it: the question is unreachable")


def _possible_values(question: Question) -> list[tuple[str, str | None] | None]:
    values: list[tuple[str, str | None] | None] = [None]
    values += [(a.id, None) for a in question.answers]
    if question.free is not None:
        if question.free.type == "integer":
            values += [(TYPED, str(n)) for n in range(question.free.min, question.free.max + 1)]
        else:
            values.append((TYPED, "x" * max(question.free.min, 1)))
    return values


def _check_reachable(screening: Screening, reader: _Reader) -> None:
    """A question whose condition can never hold is never asked: say so instead of hiding it."""
    if reader.errors:
        return
    for question in screening.questions:
        if question.when is None:
            continue
        refs = [screening.question(r) for r in sorted(question.when.questions())]
        choices = [_possible_values(q) for q in refs if q is not None]
        found = False
        for combo in itertools.islice(itertools.product(*choices), 20000):
            answers = {q.id: v for q, v in zip(refs, combo, strict=False) if q is not None and v is not None}
            consistent = all(screening.applies(q, answers) for q in refs if q is not None and q.id in answers)
            if consistent and question.when.holds(answers, screening):
                found = True
                break
        if not found:
            reader.error(f"question {question.id}.when", "can never hold: the question is unreachable")
