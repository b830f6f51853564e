"""A broadcast written by a coordinator in a YAML file: every mistake names its line, and a file with
any mistake gives no draft at all.

    text:
      fr: "Atelier étude de marché jeudi 14 h à la Maison du projet, 8 places"
      ar: "..."
    session: atelier-marche-dec-10     # optional: adds a *Book* button for that session
    audience:                          # optional: everyone who asked for announcements
      languages: [fr, ar]
      neighbourhoods: [croix-de-neyrat]  # of the link the resident came by
      outcomes: [ready, not_yet]         # the screening's advice: ready, not_yet, job_first
      booked: no                         # yes: has a seat booked; no: has none
      campaigns: [cp3-croix-de-neyrat]
    at: 2026-12-10 09:00               # optional, Paris time; else when sent
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import PARIS

OUTCOMES = ("ready", "not_yet", "job_first")
FIELDS = ("text", "session", "audience", "at")
AUDIENCE_FIELDS = ("languages", "neighbourhoods", "outcomes", "booked", "campaigns")
MAX_TEXT = 3500  # Telegram takes 4,096 characters; the buttons' lines and a margin stay free


@dataclass(frozen=True)
class Audience:
    """Who gets it, among residents who agreed and asked for announcements; empty filters keep everyone."""

    languages: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    booked: bool | None = None
    campaigns: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "languages": list(self.languages),
            "neighbourhoods": list(self.neighbourhoods),
            "outcomes": list(self.outcomes),
            "booked": self.booked,
            "campaigns": list(self.campaigns),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        booked = data.get("booked")
        return cls(
            tuple(data.get("languages") or ()),
            tuple(data.get("neighbourhoods") or ()),
            tuple(data.get("outcomes") or ()),
            bool(booked) if booked is not None else None,
            tuple(data.get("campaigns") or ()),
        )


@dataclass
class Draft:
    texts: dict[str, str] = field(default_factory=dict)
    session_key: str | None = None
    audience: Audience = field(default_factory=Audience)
    send_at: datetime | None = None
    session_line: int = 0  # where `session:` is written, for a mistake found later (no such session)


def _lines(node: yaml.Node | None) -> dict[str, int]:
    """Each key of a mapping node, and of the mappings under it ("audience.languages"), to its line."""
    found: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return found
    for key, value in node.value:
        name = str(key.value)
        found[name] = key.start_mark.line + 1
        if isinstance(value, yaml.MappingNode):
            found.update({f"{name}.{k}": line for k, line in _lines(value).items()})
    return found


def _listed(value: Any) -> list[str] | None:
    """A YAML list or "a, b" to a list of words; None when it is neither."""
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(part, str | int) for part in value):
        return [str(part).strip() for part in value]
    return None


def read(text: str, name: str, neighbourhoods: set[str], now: datetime) -> tuple[Draft | None, list[str]]:
    """The draft, or the list of mistakes ("file:line: what to change")."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{name}:{mark.line + 1}" if mark is not None else name
        return None, [f"{at}: not valid YAML ({getattr(exc, 'problem', None) or exc})"]
    if not isinstance(data, dict):
        return None, [f"{name}:1: expected keys text:, and maybe session:, audience:, at:"]
    lines = _lines(root)
    errors: list[str] = []

    def where(key: str) -> str:
        return f"{name}:{lines.get(key, lines.get(key.split('.')[0], 1))}"

    draft = Draft()
    for key in data:
        if str(key) not in FIELDS:
            errors.append(f"{where(str(key))}: unknown key {key!r} (known: {', '.join(FIELDS)})")
    draft.texts = _texts(data.get("text"), where, errors)
    session = data.get("session")
    if session is not None:
        draft.session_key = str(session).strip() or None
        draft.session_line = lines.get("session", 0)
    draft.audience = _audience(data.get("audience"), where, neighbourhoods, errors)
    if data.get("at") not in (None, ""):
        draft.send_at = _when(data["at"], where("at"), now, errors)
    return (None if errors else draft), errors


def _texts(value: Any, where: Callable[[str], str], errors: list[str]) -> dict[str, str]:
    if isinstance(value, str):
        value = {"fr": value}
    if not isinstance(value, dict):
        errors.append(f"{where('text')}: text: needs one text per language, French first (text: {{fr: ...}})")
        return {}
    texts = {str(lang): str(body).strip() for lang, body in value.items() if body not in (None, "")}
    for lang in sorted(set(texts) - set(SUPPORTED_LANGUAGES)):
        errors.append(
            f"{where(f'text.{lang}')}: text in unknown language {lang!r} (use {', '.join(SUPPORTED_LANGUAGES)})"
        )
    if not texts.get("fr"):
        errors.append(f"{where('text')}: text: needs French (fr:), sent to everyone whose language is missing")
    for lang, body in texts.items():
        if len(body) > MAX_TEXT:
            errors.append(f"{where(f'text.{lang}')}: the {lang} text has {len(body)} characters; at most {MAX_TEXT}")
    return texts


def _audience(value: Any, where: Callable[[str], str], neighbourhoods: set[str], errors: list[str]) -> Audience:
    if value in (None, ""):
        return Audience()
    if not isinstance(value, dict):
        errors.append(f"{where('audience')}: audience: is a list of filters (languages:, neighbourhoods:, ...)")
        return Audience()
    for key in value:
        if str(key) not in AUDIENCE_FIELDS:
            errors.append(f"{where(f'audience.{key}')}: unknown filter {key!r} (known: {', '.join(AUDIENCE_FIELDS)})")
    chosen: dict[str, tuple[str, ...]] = {}
    allowed = {"languages": set(SUPPORTED_LANGUAGES), "neighbourhoods": neighbourhoods, "outcomes": set(OUTCOMES)}
    for key in ("languages", "neighbourhoods", "outcomes", "campaigns"):
        if value.get(key) in (None, "", []):
            continue
        listed = _listed(value[key])
        if listed is None:
            errors.append(f"{where(f'audience.{key}')}: {key}: is a list, like [a, b]")
            continue
        known = allowed.get(key)
        wrong = [item for item in listed if known is not None and item not in known]
        if wrong:
            errors.append(
                f"{where(f'audience.{key}')}: audience {key}: unknown {wrong} (known: {', '.join(sorted(known or ()))})"
            )
        chosen[key] = tuple(listed)
    booked = value.get("booked")
    if booked is not None and not isinstance(booked, bool):
        errors.append(f"{where('audience.booked')}: booked: is yes or no")
        booked = None
    return Audience(
        chosen.get("languages", ()),
        chosen.get("neighbourhoods", ()),
        chosen.get("outcomes", ()),
        booked,
        chosen.get("campaigns", ()),
    )


def _when(value: Any, where: str, now: datetime, errors: list[str]) -> datetime | None:
    """ "2026-12-10 09:00", Paris time; a moment already past is a mistake."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.append(f"{where}: at: {value!r} is not a date and time like 2026-12-10 09:00 (Paris time)")
            return None
    moment = moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment
    if moment <= now:
        errors.append(f"{where}: at: {value} is already past")
        return None
    return moment
