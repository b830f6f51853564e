"""Publishing sessions from a coordinator's YAML or CSV file: every mistake names its line, and nothing
is written when any row is wrong."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SUPPORTED_LANGUAGES
from bot.core.sessions.service import KEY_PATTERN, KINDS, PARIS
from bot.db.models import InfoSession


class ImportError_(Exception):
    """A session file that cannot be read at all."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    moved: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


RELATIVE = re.compile(r"^\+(\d{1,3})d\s+(\d{1,2}):(\d{2})$")  # "+7d 14:00": in 7 days, at 14:00 in Paris
TRANSLATED = ("title", "description", "access")  # texts a coordinator may give in every language


def _local(value: Any, where: str, errors: list[str], now: datetime) -> datetime | None:
    """ "2026-12-08 14:00" in Paris time, or "+7d 14:00" (seven days after the day of the import),
    to an aware datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        relative = RELATIVE.match(str(value).strip())
        if relative is not None:
            days, hour, minute = (int(part) for part in relative.groups())
            if hour > 23 or minute > 59:
                errors.append(f"{where}: {value!r} is not a time of day")
                return None
            day = now.astimezone(PARIS).date() + timedelta(days=days)
            return datetime.combine(day, time(hour, minute), tzinfo=PARIS)
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.append(f"{where}: {value!r} is not a date and time like 2026-12-08 14:00 or +7d 14:00")
            return None
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment


def _translations(value: Any, where: str, field_: str, errors: list[str], *, required: bool) -> dict[str, str]:
    """ "text" or {fr: ..., ar: ...}: French first (the others fall back to it), known languages only."""
    if value in (None, "", {}):
        if required:
            errors.append(f"{where}: needs a French {field_} ({field_}: {{fr: ...}})")
        return {}
    if isinstance(value, str):
        value = {"fr": value}
    if not isinstance(value, dict):
        errors.append(f"{where}: {field_} is a text or one text per language ({{fr: ..., ar: ...}})")
        return {}
    texts = {str(lang): str(text).strip() for lang, text in value.items() if text not in (None, "")}
    unknown = sorted(set(texts) - set(SUPPORTED_LANGUAGES))
    if unknown:
        errors.append(f"{where}: {field_} in unknown languages {unknown} (use {', '.join(SUPPORTED_LANGUAGES)})")
    if texts and not texts.get("fr"):
        errors.append(f"{where}: {field_} needs a French text too, shown when a language is missing")
    return texts


def _rows_from_yaml(text: str, name: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportError_(f"{name}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sessions"), list):
        raise ImportError_(f"{name}: expected a 'sessions:' list")
    assert root is not None
    node = next(v for k, v in root.value if k.value == "sessions")
    return [(item.start_mark.line + 1, row) for item, row in zip(node.value, data["sessions"], strict=True)]


def _rows_from_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for record in reader:
        row: dict[str, Any] = {k: (v or "").strip() for k, v in record.items() if k}
        for field_ in TRANSLATED:  # "title_ar", "access_uk"...; "access" alone is the French text
            texts = {"fr": row.pop(field_, "")}
            texts.update({lang: row.pop(f"{field_}_{lang}", "") or texts.get(lang, "") for lang in SUPPORTED_LANGUAGES})
            row[field_] = {lang: text for lang, text in texts.items() if text}
        row["venue"] = {
            "name": row.pop("venue_name", ""),
            "address": row.pop("venue_address", ""),
            "latitude": row.pop("latitude", "") or None,
            "longitude": row.pop("longitude", "") or None,
        }
        for listed in ("languages", "neighbourhoods"):
            row[listed] = [part for part in re.split(r"[;, ]+", row.get(listed, "")) if part]
        rows.append((reader.line_num, row))
    return rows


def read_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        return _rows_from_csv(text)
    return _rows_from_yaml(text, path.name)


def _validate(
    line: int, row: dict[str, Any], name: str, neighbourhoods: set[str], now: datetime
) -> tuple[dict[str, Any], list[str]]:
    """Turn one row into column values, with every mistake pointing at its line."""
    where = f"{name}:{line}"
    errors: list[str] = []
    key = str(row.get("key", ""))
    if not KEY_PATTERN.match(key):
        errors.append(f"{where}: key {key!r} must be 1-40 characters of a-z, 0-9 and '-'")
    kind = str(row.get("kind", "info"))
    if kind not in KINDS:
        errors.append(f"{where}: kind {kind!r} must be one of {', '.join(KINDS)}")
    title = _translations(row.get("title"), where, "title", errors, required=True)
    description = _translations(row.get("description"), where, "description", errors, required=False)
    venue = row.get("venue") or {}
    access = _translations(row.get("access") or venue.get("access"), where, "access", errors, required=False)
    starts = _local(row.get("starts"), f"{where}: starts", errors, now)
    ends = _local(row.get("ends"), f"{where}: ends", errors, now)
    if starts and ends and ends <= starts:
        errors.append(f"{where}: ends before it starts")
    online = str(row.get("online") or "") or None
    if not venue.get("address") and not online:
        errors.append(f"{where}: needs a venue address or an online link")
    coordinates: list[float | None] = []
    for axis, limit in (("latitude", 90), ("longitude", 180)):
        raw = venue.get(axis)
        try:
            value = None if raw in (None, "") else float(raw)
        except (TypeError, ValueError):
            errors.append(f"{where}: {axis} {raw!r} is not a number")
            value = None
        if value is not None and abs(value) > limit:
            errors.append(f"{where}: {axis} {value} is out of range")
        coordinates.append(value)
    try:
        capacity = int(row.get("capacity", 0))
    except (TypeError, ValueError):
        capacity = 0
    if capacity < 1 or capacity > 1000:
        errors.append(f"{where}: capacity must be a number of seats from 1 to 1000")
    languages = [str(x) for x in row.get("languages") or ["fr"]]
    unknown = [x for x in languages if x not in SUPPORTED_LANGUAGES]
    if unknown:
        errors.append(f"{where}: unknown languages {unknown}")
    places = [str(x) for x in row.get("neighbourhoods") or []]
    strangers = [x for x in places if x not in neighbourhoods]
    if strangers:
        errors.append(f"{where}: unknown neighbourhoods {strangers} (see knowledge/territory.yml)")
    values = {
        "key": key,
        "kind": kind,
        "title": title,
        "description": description,
        "starts_at": starts,
        "ends_at": ends,
        "venue_name": venue.get("name") or None,
        "venue_address": venue.get("address") or None,
        "latitude": coordinates[0] if len(coordinates) > 0 else None,
        "longitude": coordinates[1] if len(coordinates) > 1 else None,
        "access": access or None,
        "online_url": online,
        "capacity": capacity,
        "languages": languages,
        "neighbourhoods": places,
    }
    return values, errors


async def import_rows(
    session: AsyncSession, rows: list[tuple[int, dict[str, Any]]], name: str, neighbourhoods: set[str], now: datetime
) -> ImportReport:
    """Create or update sessions by key (idempotent); nothing is written if any row is wrong."""
    report = ImportReport()
    checked = []
    seen: set[str] = set()
    for line, row in rows:
        values, errors = _validate(line, row, name, neighbourhoods, now)
        if values["key"] in seen:
            errors.append(f"{name}:{line}: key {values['key']!r} appears twice")
        seen.add(values["key"])
        report.errors.extend(errors)
        checked.append((line, values))
    if report.errors:
        return report
    for line, values in checked:
        existing = (
            await session.execute(select(InfoSession).where(InfoSession.key == values["key"]))
        ).scalar_one_or_none()
        if existing is None:
            session.add(InfoSession(**values, seats_taken=0, status="scheduled", updated_at=now))
            report.created += 1
            continue
        if values["capacity"] < existing.seats_taken:
            report.errors.append(
                f"{name}:{line}: {existing.seats_taken} people already have a seat; capacity cannot go below that"
            )
            continue
        if existing.starts_at != values["starts_at"] or existing.ends_at != values["ends_at"]:
            report.moved.append(existing.key)
        for column, value in values.items():
            setattr(existing, column, value)
        existing.updated_at = now
        report.updated += 1
    await session.flush()
    return report
