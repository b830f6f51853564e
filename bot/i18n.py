"""Translations and dates in the resident's language.

Catalogs are compiled from `locales/<lang>/LC_MESSAGES/messages.po` when the bot starts, so nobody
has to remember `pybabel compile` and a stale `.mo` file can never hide a fixed translation.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.config import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
DOMAIN = "messages"

# Languages named in their own language and script, never by a flag.
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "fr": "Français",
        "en": "English",
        "ar": "العربية",
        "es": "Español",
        "pt": "Português",
        "tr": "Türkçe",
        "uk": "Українська",
    }
)
RTL_LANGUAGES = frozenset({"ar"})


def supported(code: str | None, default: str = "fr") -> str:
    """Map a Telegram `language_code` ("pt-BR", "ar", None) to one of ours."""
    if code:
        base = code.strip().lower().replace("_", "-").split("-")[0]
        if base in SUPPORTED_LANGUAGES:
            return base
    return default


def _compile(po_path: Path, lang: str) -> Translations:
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Catalogs:
    """All languages' translations, built once at start and read-only afterwards."""

    def __init__(self, locales_dir: Path, default: str = "fr") -> None:
        self.default = default
        loaded: dict[str, NullTranslations] = {}
        for lang in SUPPORTED_LANGUAGES:
            po = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            if po.exists():
                loaded[lang] = _compile(po, lang)
            else:
                log.warning("no catalog for %s at %s: texts will show in French", lang, po)
                loaded[lang] = NullTranslations()
        self._translations: Mapping[str, NullTranslations] = MappingProxyType(loaded)

    def gettext(self, lang: str, message: str) -> str:
        return self._translations.get(lang, self._translations[self.default]).gettext(message)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        return self._translations.get(lang, self._translations[self.default]).ngettext(singular, plural, n)


def to_paris(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store and pass times in UTC")
    return moment.astimezone(PARIS)


def format_day(moment: datetime, lang: str) -> str:
    """ "mardi 9 juin" in the resident's language, Europe/Paris time."""
    return babel_date(to_paris(moment), format="EEEE d MMMM", locale=Locale.parse(lang))


def format_clock(moment: datetime, lang: str) -> str:
    """ "14:30" in the resident's language, Europe/Paris time."""
    return format_time(to_paris(moment), format="short", locale=Locale.parse(lang))


def format_date(day: date, lang: str) -> str:
    """ "7 déc. 2026" in the resident's language: a calendar day with its year (reports, periods)."""
    return babel_date(day, format="medium", locale=Locale.parse(lang))
