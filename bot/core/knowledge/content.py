"""The knowledge base: one YAML file per topic in `knowledge/entries/`, amounts in `knowledge/amounts/`.

Each entry carries its answer in the seven languages, the questions residents ask about it, its
official sources and the date it was last checked. Amounts and thresholds are written once, in
knowledge/amounts/, and referred to as {{name}} in the texts, so a yearly update is one change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.config import SUPPORTED_LANGUAGES
from bot.core.territory import ContentError

MANDATORY = (
    "about-service", "info-session", "creation-steps", "market-study", "business-plan", "legal-status",
    "micro-entreprise", "registration", "cae", "cape", "couveuse", "funding-overview", "honour-loan",
    "microcredit", "acre", "unemployment-benefits", "rsa-creation", "citeslab", "qpv", "local-grants",
    "mission-locale", "youth-coop", "women-entrepreneurs", "no-diploma", "little-money", "why-support",
    "not-ready", "immersion", "training", "insurance", "bank-account", "taxes-vat", "accounting",
    "home-business", "side-business", "foreign-nationals", "language-help", "digital-help",
    "business-takeover", "social-economy", "street-vendor", "food-business", "disability", "seniors",
    "talk-to-counsellor", "privacy",
)  # fmt: skip
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")  # ≤ 30: buttons carry it within 64 bytes
VARIABLE = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")
MAX_WORDS = 130  # "about 60-120 words": a little slack for languages that need more words
MIN_EXAMPLES = 3
STALE_AFTER = timedelta(days=365)
NEUTRAL_VALUE = re.compile(r"^[0-9  .,%€+\-/]+$")  # one value fills seven languages: no words


@dataclass(frozen=True)
class Source:
    name: str
    url: str


@dataclass(frozen=True)
class Entry:
    id: str
    title: dict[str, str]
    answer: dict[str, str]
    details: dict[str, str]
    examples: dict[str, list[str]]
    related: tuple[str, ...]
    sources: tuple[Source, ...]
    checked: date | None
    unverified: str | None


@dataclass(frozen=True)
class Amount:
    name: str
    value: str
    source: str
    checked: date | None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _texts(raw: Any) -> dict[str, str]:
    return {str(k): str(v).strip() for k, v in (raw or {}).items() if v} if isinstance(raw, dict) else {}


def load_amounts(folder: Path) -> tuple[dict[str, Amount], list[str]]:
    """All amounts from `knowledge/amounts/*.yml` (one file per theme); a name defined twice is an error."""
    amounts: dict[str, Amount] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.yml")) if folder.exists() else []:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, item in data.items():
            if not isinstance(item, dict):
                problems.append(f"amounts/{path.name}: {name} needs value, source and checked")
                continue
            if name in amounts:
                problems.append(f"amounts/{path.name}: {name} is already defined in another file")
            amounts[str(name)] = Amount(
                str(name), str(item.get("value", "")), str(item.get("source", "")), _date(item.get("checked"))
            )
    return amounts, problems


def load_entries(folder: Path) -> list[Entry]:
    entries = []
    for path in sorted(folder.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ContentError(f"{path.name}: not valid YAML ({exc})") from exc
        if not isinstance(data, dict):
            raise ContentError(f"{path.name}: expected a mapping")
        entries.append(
            Entry(
                id=str(data.get("id", path.stem)),
                title=_texts(data.get("title")),
                answer=_texts(data.get("answer")),
                details=_texts(data.get("details")),
                examples={str(k): [str(q) for q in v or []] for k, v in (data.get("examples") or {}).items()},
                related=tuple(str(r) for r in data.get("related") or []),
                sources=tuple(
                    Source(str(s.get("name", "")), str(s.get("url", "")))
                    for s in data.get("sources") or []
                    if isinstance(s, dict)
                ),
                checked=_date(data.get("checked")),
                unverified=data.get("unverified"),
            )
        )
    return entries


def load_questions(folder: Path) -> dict[str, dict[str, list[str]]]:
    """`knowledge/questions/<lang>.yml`: more questions as residents type them, per topic (and `none`
    for questions the base does not answer). They teach the matcher; residents never see them."""
    questions: dict[str, dict[str, list[str]]] = {}
    for path in sorted(folder.glob("*.yml")) if folder.exists() else []:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ContentError(f"questions/{path.name}: not valid YAML ({exc})") from exc
        if not isinstance(data, dict):
            raise ContentError(f"questions/{path.name}: expected topic ids, each with a list of questions")
        questions[path.stem] = {
            str(topic): [str(q).strip() for q in texts if str(q).strip()]
            for topic, texts in data.items()
            if isinstance(texts, list)
        }
    return questions


def fill(text: str, amounts: dict[str, Amount], rtl: bool = False) -> str:
    """Put the current amounts into a text; in right-to-left text each is isolated ("203 100 €" would
    otherwise show as "100 203 €")."""

    def value(match: re.Match[str]) -> str:
        amount = amounts.get(match.group(1))
        if amount is None:
            return match.group(0)
        return f"\u2068{amount.value}\u2069" if rtl else amount.value

    return VARIABLE.sub(value, text)


def check(root: Path, today: date) -> list[str]:
    """Every problem in the base, each naming the entry and the language."""
    folder = root / "knowledge" / "entries"
    amounts, problems = load_amounts(root / "knowledge" / "amounts")
    entries = load_entries(folder)
    ids = {e.id for e in entries}
    for missing in sorted(set(MANDATORY) - ids):
        problems.append(f"{missing}: mandatory entry is missing (knowledge/entries/{missing}.yml)")
    for name, amount in sorted(amounts.items()):
        if not amount.value or not amount.source:
            problems.append(f"amounts: {name} needs a value and a source")
        elif not NEUTRAL_VALUE.match(amount.value):
            problems.append(
                f"amounts: {name} = {amount.value!r} has words in it; keep the number (and % or €) and write the unit "
                "in each language's text"
            )
        if amount.checked is None or today - amount.checked > STALE_AFTER:
            problems.append(f"amounts: {name} was last checked more than a year ago (or never)")
    for entry in entries:
        where = entry.id
        if not ID_PATTERN.match(entry.id):
            problems.append(f"{where}: id must be at most 30 lower case letters, digits and '-'")
        for field, texts in (("title", entry.title), ("answer", entry.answer)):
            for lang in SUPPORTED_LANGUAGES:
                if not texts.get(lang):
                    problems.append(f"{where}: {field} missing in {lang}")
        for field, texts in (("title", entry.title), ("answer", entry.answer), ("details", entry.details)):
            for lang, text in texts.items():
                if lang != "fr" and text and text == texts.get("fr"):
                    problems.append(f"{where}: {field} in {lang} is still the French text")
        for lang in SUPPORTED_LANGUAGES:
            if len(entry.examples.get(lang, [])) < MIN_EXAMPLES:
                problems.append(f"{where}: needs at least {MIN_EXAMPLES} example questions in {lang}")
        if entry.details and set(entry.details) != set(SUPPORTED_LANGUAGES):
            absent = sorted(set(SUPPORTED_LANGUAGES) - set(entry.details))
            problems.append(f"{where}: details missing in {', '.join(absent)}")
        words = len(entry.answer.get("fr", "").split())
        if words > MAX_WORDS:
            problems.append(f"{where}: the French answer has {words} words; keep it under about 120 (use details)")
        for related in entry.related:
            if related not in ids:
                problems.append(f"{where}: related topic {related!r} does not exist")
        if not entry.sources or any(not s.name or not s.url.startswith("http") for s in entry.sources):
            problems.append(f"{where}: needs its official sources, each with a name and a web address")
        if entry.checked is None:
            problems.append(f"{where}: needs the date it was last checked (checked: YYYY-MM-DD)")
        elif today - entry.checked > STALE_AFTER:
            problems.append(f"{where}: last checked on {entry.checked}, more than a year ago")
        for texts in (entry.answer, entry.details, entry.title):
            for lang, text in texts.items():
                for name in VARIABLE.findall(text):
                    if name not in amounts:
                        problems.append(
                            f"{where}: {lang} uses {{{{{name}}}}}, which knowledge/amounts/ does not define"
                        )
    for lang, by_topic in load_questions(root / "knowledge" / "questions").items():
        if lang not in SUPPORTED_LANGUAGES:
            problems.append(f"questions/{lang}.yml: {lang} is not one of {', '.join(SUPPORTED_LANGUAGES)}")
        for topic in by_topic:
            if topic != "none" and topic not in ids:
                problems.append(f"questions/{lang}.yml: topic {topic!r} does not exist")
    return problems
