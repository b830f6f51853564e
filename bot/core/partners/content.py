"""The territory's partners (`knowledge/partners.yml`): who helps at which stage, with what, for whom,
where and when, and how we know. Read once at start; `tremplin partners check` lists every mistake.

One source of truth: the screening's next steps, the knowledge answers that name a kind of partner,
the counsellors' `/partner` and the printed guide all show these same cards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.config import SUPPORTED_LANGUAGES
from bot.core.territory import WEEKDAYS, Contact, ContentError, Hours, Territory, week_hours
from bot.core.texts import cut_at_word

STAGES = ("idea", "preparing", "launching", "launched")
FIELDS = (
    "project", "network", "financing", "legal", "training", "digital", "language", "youth", "women", "qpv",
    "social-economy", "test-activity",
)  # fmt: skip
GROUPS = ("anyone", "qpv", "job-seekers", "rsa", "women", "youth")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
STALE_AFTER = timedelta(days=365)
SHORT = 32  # characters of a name on a button
KNOWN_KEYS = {
    "id", "name", "what", "stages", "fields", "audience", "areas", "address", "latitude", "longitude", "hours",
    "languages", "phone", "web", "email", "free", "steps", "topics", "sources", "checked", "unverified",
}  # fmt: skip


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    what: MappingProxyType[str, str]  # language -> one or two sentences; "fr" always there
    stages: tuple[str, ...]
    fields: tuple[str, ...]
    ages: tuple[int, int] | None = None
    groups: tuple[str, ...] = ("anyone",)
    areas: tuple[str, ...] = ()
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    hours: Hours = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    phone: str | None = None
    web: str | None = None
    email: str | None = None
    free: bool | None = None
    steps: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    unverified: str | None = None

    @property
    def short(self) -> str:
        """The name on a button: before any explanation in brackets, cut at a word's end."""
        return cut_at_word(self.name.split(" (")[0].strip(), SHORT)

    def said(self, lang: str) -> str:
        return self.what.get(lang) or self.what["fr"]

    def fits_age(self, age: int | None) -> bool:
        return age is None or self.ages is None or self.ages[0] <= age <= self.ages[1]

    def contact(self) -> Contact:
        """As the screening's summary names who to contact for a step."""
        return Contact(self.name, self.what["fr"], self.phone, self.web, self.address, self.hours, self.steps)


@dataclass(frozen=True)
class Partners:
    items: tuple[Partner, ...] = ()

    def get(self, partner_id: str) -> Partner | None:
        return next((p for p in self.items if p.id == partner_id), None)

    def for_step(self, step: str) -> Partner | None:
        return next((p for p in self.items if step in p.steps), None)

    def for_topic(self, topic: str) -> tuple[Partner, ...]:
        return tuple(p for p in self.items if topic in p.topics)

    def contacts(self) -> tuple[Contact, ...]:
        return tuple(p.contact() for p in self.items if p.steps)

    def into(self, territory: Territory) -> Territory:
        """The territory whose next steps name the guide's partners first (one source of truth); its
        own contacts stay for the steps no partner is named for."""
        if not self.items:
            return territory
        named = self.contacts()
        covered = {step for contact in named for step in contact.steps}
        others = tuple(c for c in territory.contacts if not covered & set(c.steps))
        return replace(territory, contacts=named + others)


def _list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return [str(item) for item in raw] if isinstance(raw, list) else []


def check_entry(
    raw: Any, where: str, territory: Territory, today: date, steps: set[str], topics: set[str]
) -> list[str]:
    """Every mistake in one entry, each saying what to change."""
    if not isinstance(raw, dict):
        return [f"{where}: expected keys id, name, what, stages, fields, sources, checked..."]
    problems = [f"{where}: unknown key {key!r}" for key in raw if key not in KNOWN_KEYS]
    pid = str(raw.get("id", ""))
    if not ID_PATTERN.match(pid):
        problems.append(f"{where}: id {pid!r} must be 1-40 characters of a-z, 0-9 and '-'")
    if not raw.get("name"):
        problems.append(f"{where}: name is missing")
    what: dict[str, Any] = raw["what"] if isinstance(raw.get("what"), dict) else {}
    missing = [lang for lang in SUPPORTED_LANGUAGES if not str(what.get(lang) or "").strip()]
    if missing:
        problems.append(f"{where}: what: missing in {', '.join(missing)} (French is the reference)")
    for key, allowed in (("stages", STAGES), ("fields", FIELDS)):
        given = _list(raw.get(key))
        if not given:
            problems.append(f"{where}: {key}: at least one of {', '.join(allowed)}")
        wrong = [value for value in given if value not in allowed]
        if wrong:
            problems.append(f"{where}: unknown {key} {wrong} (known: {', '.join(allowed)})")
    audience = raw.get("audience") or {}
    wrong_groups = [g for g in _list(audience.get("groups")) if g not in GROUPS]
    if wrong_groups:
        problems.append(f"{where}: unknown audience groups {wrong_groups} (known: {', '.join(GROUPS)})")
    ages = audience.get("ages")
    if ages is not None and not (
        isinstance(ages, list) and len(ages) == 2 and all(isinstance(a, int) for a in ages) and ages[0] <= ages[1]
    ):
        problems.append(f"{where}: audience.ages is [youngest, oldest], like [16, 25]")
    problems += _where_checks(raw, where, territory)
    wrong_steps = [s for s in _list(raw.get("steps")) if s not in steps]
    if wrong_steps:
        problems.append(f"{where}: steps {wrong_steps} are not next steps of dialogues/screening.yml")
    wrong_topics = [t for t in _list(raw.get("topics")) if t not in topics]
    if wrong_topics:
        problems.append(f"{where}: topics {wrong_topics} are not entries of knowledge/entries/")
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, dict) and s.get("url") for s in sources):
        problems.append(f"{where}: sources: at least one official source with its url")
    checked = raw.get("checked")
    if not isinstance(checked, date):
        problems.append(f"{where}: checked: the date the entry was last checked, like 2026-12-07")
    elif today - checked > STALE_AFTER:
        problems.append(f"{where}: last checked {checked}, more than a year ago: check it again")
    return problems


def _where_checks(raw: dict[str, Any], where: str, territory: Territory) -> list[str]:
    problems = []
    lat, lon = raw.get("latitude"), raw.get("longitude")
    if (lat is None) != (lon is None):
        problems.append(f"{where}: latitude and longitude go together")
    elif lat is not None:
        south, west, north, east = territory.bounds or (-90.0, -180.0, 90.0, 180.0)
        if not (isinstance(lat, int | float) and isinstance(lon, int | float)):
            problems.append(f"{where}: latitude and longitude are numbers, like 45.78 and 3.08")
        elif not (south <= lat <= north and west <= lon <= east):
            problems.append(f"{where}: coordinates {lat}, {lon} are outside the territory (bounds in territory.yml)")
    codes = {n.code for n in territory.neighbourhoods}
    if not _list(raw.get("areas")):
        problems.append(f"{where}: areas: the neighbourhood codes ({', '.join(sorted(codes))}) or towns covered")
    try:
        week_hours(f"{where}: hours", raw.get("hours"))
    except ContentError as exc:
        problems.append(str(exc))
    wrong = [lang for lang in _list(raw.get("languages")) if lang not in SUPPORTED_LANGUAGES]
    if wrong:
        problems.append(f"{where}: languages {wrong}: use {', '.join(SUPPORTED_LANGUAGES)} (others: say so in what)")
    return problems


def _partner(raw: dict[str, Any]) -> Partner:
    audience = raw.get("audience") or {}
    ages = audience.get("ages")
    hours = week_hours("hours", raw.get("hours")) if raw.get("hours") else {}
    return Partner(
        id=str(raw["id"]),
        name=str(raw["name"]),
        what=MappingProxyType({str(k): str(v).strip() for k, v in raw["what"].items() if v}),
        stages=tuple(_list(raw.get("stages"))),
        fields=tuple(_list(raw.get("fields"))),
        ages=(int(ages[0]), int(ages[1])) if ages else None,
        groups=tuple(_list(audience.get("groups"))) or ("anyone",),
        areas=tuple(_list(raw.get("areas"))),
        address=raw.get("address"),
        latitude=raw.get("latitude"),
        longitude=raw.get("longitude"),
        hours={day: ranges for day, ranges in hours.items() if ranges},
        languages=tuple(_list(raw.get("languages"))),
        phone=str(raw["phone"]) if raw.get("phone") else None,
        web=raw.get("web"),
        email=raw.get("email"),
        free=raw.get("free") if isinstance(raw.get("free"), bool) else None,
        steps=tuple(_list(raw.get("steps"))),
        topics=tuple(_list(raw.get("topics"))),
        unverified=str(raw["unverified"]) if raw.get("unverified") else None,
    )


def read_partners(
    path: Path, territory: Territory, today: date, steps: set[str], topics: set[str]
) -> tuple[Partners, list[str]]:
    """The partners, and every mistake found ("partners.yml: partners[3] (adie): ...")."""
    if not path.exists():
        return Partners(), []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return Partners(), [f"{path.name}: not valid YAML ({exc})"]
    entries = data.get("partners") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return Partners(), [f"{path.name}: expected a 'partners:' list"]
    problems: list[str] = []
    found: list[Partner] = []
    for i, raw in enumerate(entries):
        label = f"{path.name}: partners[{i}]" + (f" ({raw.get('id')})" if isinstance(raw, dict) else "")
        mistakes = check_entry(raw, label, territory, today, steps, topics)
        problems += mistakes
        if not mistakes:
            found.append(_partner(raw))
    ids = [p.id for p in found]
    twice = sorted({pid for pid in ids if ids.count(pid) > 1})
    problems += [f"{path.name}: two partners share the id {pid!r}" for pid in twice]
    return Partners(tuple(found)), problems


__all__ = ["FIELDS", "GROUPS", "STAGES", "WEEKDAYS", "Partner", "Partners", "read_partners"]
