"""The territory a deployment serves, read from `knowledge/territory.yml`.

Another territory is a data change: organisation, neighbourhoods, office hours and holidays all
come from that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import PARIS

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
RANGE_PATTERN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
STEP_PATTERN = re.compile(r"^[a-z0-9_]{1,16}$")  # a step id of dialogues/screening.yml


class ContentError(Exception):
    """A data file a coordinator must fix; the message names the file and the place."""


@dataclass(frozen=True)
class Neighbourhood:
    code: str
    name: str
    qpv_code: str | None
    place: str | None


Hours = dict[int, tuple[tuple[time, time], ...]]  # weekday (0 = Monday) -> opening ranges, Paris time


@dataclass(frozen=True)
class Contact:
    """Someone a resident can go to: a partner, or the organisation itself."""

    name: str
    role: str
    phone: str | None
    url: str | None
    address: str | None
    hours: Hours = field(default_factory=dict)  # empty: not known
    steps: tuple[str, ...] = ()  # the screening's next steps this partner is the one to contact for


@dataclass(frozen=True)
class Territory:
    name: str
    city: str
    phone: str | None
    email: str | None
    address: str | None
    website: str | None
    neighbourhoods: tuple[Neighbourhood, ...]
    hours: Hours
    closed_days: frozenset[date]
    contacts: tuple[Contact, ...]
    bounds: tuple[float, float, float, float] | None = None  # south, west, north, east: where partners can be

    @property
    def office(self) -> Contact:
        """The organisation as a contact: the one to go to when no partner is named."""
        return Contact(self.name, "", self.phone, self.website, self.address, self.hours)

    def contact_for(self, step: str) -> Contact:
        """Who to contact for one of the screening's next steps: the partner named for it, else us."""
        return next((c for c in self.contacts if step in c.steps), self.office)

    def neighbourhood(self, code: str) -> Neighbourhood | None:
        return next((n for n in self.neighbourhoods if n.code == code), None)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(PARIS)
        if local.date() in self.closed_days:
            return False
        return any(start <= local.time() < end for start, end in self.hours.get(local.weekday(), ()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """The next time a person is there, in Europe/Paris; None if the office never opens."""
        local = moment.astimezone(PARIS)
        for offset in range(0, 60):
            day = local.date() + timedelta(days=offset)
            if day in self.closed_days:
                continue
            for start, _end in self.hours.get(day.weekday(), ()):
                opening = datetime.combine(day, start, tzinfo=PARIS)
                if opening > local:
                    return opening
        return None


def _ranges(where: str, value: Any) -> tuple[tuple[time, time], ...]:
    if value in (None, []):
        return ()
    if not isinstance(value, list):
        raise ContentError(f'{where}: expected a list of "HH:MM-HH:MM" ranges')
    out = []
    for item in value:
        match = RANGE_PATTERN.match(str(item))
        if not match:
            raise ContentError(f'{where}: {item!r} is not a "HH:MM-HH:MM" range')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise ContentError(f"{where}: {item!r} ends before it starts")
        out.append((start, end))
    return tuple(sorted(out))


def _days(where: str, value: Any) -> set[date]:
    days: set[date] = set()
    for i, item in enumerate(value or []):
        raw = item.get("date") if isinstance(item, dict) else None
        if isinstance(raw, datetime):
            raw = raw.date()
        if isinstance(raw, str):
            try:
                raw = date.fromisoformat(raw)
            except ValueError:
                raw = None
        if not isinstance(raw, date):
            raise ContentError(f"{where}[{i}]: needs a date like 2026-12-25")
        days.add(raw)
    return days


def week_hours(where: str, value: Any) -> Hours:
    """ "mon: [09:00-12:30, 13:30-17:30]"... as ranges per weekday (0 = Monday)."""
    week = value or {}
    if not isinstance(week, dict):
        raise ContentError(f"{where}: expected days (mon, tue...) with their ranges")
    unknown = set(week) - set(WEEKDAYS)
    if unknown:
        raise ContentError(f"{where} has unknown days {sorted(unknown)} (use {', '.join(WEEKDAYS)})")
    return {i: _ranges(f"{where}.{day}", week.get(day)) for i, day in enumerate(WEEKDAYS)}


def _contact(where: str, raw: dict[str, Any]) -> Contact:
    steps = raw.get("steps") or []
    if not isinstance(steps, list) or not all(STEP_PATTERN.match(str(s)) for s in steps):
        raise ContentError(f"{where}.steps: a list of next steps of dialogues/screening.yml, like [citeslab]")
    hours = week_hours(f"{where}.hours", raw.get("hours")) if raw.get("hours") else {}
    return Contact(
        str(raw.get("name", "")),
        str(raw.get("role", "")),
        str(raw["phone"]) if raw.get("phone") else None,
        raw.get("url"),
        raw.get("address"),
        {day: ranges for day, ranges in hours.items() if ranges},
        tuple(str(s) for s in steps),
    )


def load_territory(path: Path) -> Territory:
    """Read and check the file, naming the place of any mistake."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: territory file not found") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("organisation"), dict):
        raise ContentError(f"{path}: needs an 'organisation' section")
    org = data["organisation"]
    if not org.get("name"):
        raise ContentError(f"{path}: organisation.name is missing")
    neighbourhoods = []
    for i, item in enumerate(data.get("neighbourhoods") or []):
        code = str(item.get("code", ""))
        if not CODE_PATTERN.match(code):
            raise ContentError(f"{path}: neighbourhoods[{i}].code {code!r} must be 1-40 characters of a-z, 0-9 and '-'")
        if not item.get("name"):
            raise ContentError(f"{path}: neighbourhoods[{i}] ({code}) has no name")
        neighbourhoods.append(Neighbourhood(code, str(item["name"]), item.get("qpv_code"), item.get("place")))
    if len({n.code for n in neighbourhoods}) != len(neighbourhoods):
        raise ContentError(f"{path}: two neighbourhoods share a code")
    hours = week_hours(f"{path}: office_hours", data.get("office_hours"))
    closed = _days(f"{path}: public_holidays", data.get("public_holidays")) | _days(
        f"{path}: closures", data.get("closures")
    )
    contacts = tuple(
        _contact(f"{path}: contacts[{i}]", c)
        for i, c in enumerate(data.get("contacts") or [])
        if isinstance(c, dict) and c.get("name")
    )
    return Territory(
        name=str(org["name"]),
        city=str(org.get("city", "")),
        phone=str(org["phone"]) if org.get("phone") else None,
        email=org.get("email"),
        address=org.get("address"),
        website=org.get("website"),
        neighbourhoods=tuple(neighbourhoods),
        hours=hours,
        closed_days=frozenset(closed),
        contacts=contacts,
        bounds=_bounds(f"{path}: bounds", data.get("bounds")),
    )


def _bounds(where: str, value: Any) -> tuple[float, float, float, float] | None:
    """{south, west, north, east} in degrees: partners' coordinates must fall inside."""
    if value is None:
        return None
    try:
        south, west, north, east = (float(value[key]) for key in ("south", "west", "north", "east"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"{where}: needs south, west, north and east in degrees") from exc
    if not (south < north and west < east):
        raise ContentError(f"{where}: south must be below north and west left of east")
    return south, west, north, east
