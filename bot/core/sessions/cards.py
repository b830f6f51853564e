"""What a session looks like in a message: what, when, where, seats, and the booking confirmation.

Shared by the list a resident browses, the notices sent through the outbox and the coordinators' view.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list

from bot.core.context import menu_row
from bot.core.messages import Button, Outbound, Venue
from bot.core.sessions.ics import ics
from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.db.models import InfoSession, Resident
from bot.i18n import LANGUAGE_NAMES, PARIS, Catalogs, format_clock, format_day


class Cards:
    """Session texts in a resident's language."""

    def __init__(self, catalogs: Catalogs, territory: Territory) -> None:
        self.catalogs = catalogs
        self.territory = territory

    def texts_for(self, resident: Resident) -> Texts:
        return Texts(self.catalogs, resident.language)

    @staticmethod
    def title(info: InfoSession, lang: str) -> str:
        return str(info.title.get(lang) or info.title.get("fr") or info.key)

    @staticmethod
    def translated(texts: dict[str, Any] | None, lang: str) -> str | None:
        """A coordinator's text in the resident's language, else in French, else nothing."""
        found = (texts or {}).get(lang) or (texts or {}).get("fr")
        return str(found) if found else None

    def when(self, info: InfoSession, t: Texts) -> str:
        return t("{day} à {time}", day=format_day(info.starts_at, t.lang), time=format_clock(info.starts_at, t.lang))

    def short(self, info: InfoSession, lang: str) -> str:
        local = info.starts_at.astimezone(PARIS)
        day = format_date(local, format="EEE d MMM", locale=lang)
        if len(day) > 12:  # some languages have no short weekday names (Arabic): keep buttons short
            day = format_date(local, format="d MMM", locale=lang)
        return f"{day}, {format_clock(info.starts_at, lang)}"

    def place(self, info: InfoSession, t: Texts) -> str:
        if info.venue_address:
            return "📍 " + t.escape(", ".join(p for p in (info.venue_name, info.venue_address) if p))
        return "💻 " + t("En ligne : {url}", url=info.online_url or "")

    def card(self, info: InfoSession, t: Texts, heading: str) -> list[str]:
        """The lines every message about one session starts with: what, when, where."""
        return [
            heading,
            t.escape(self.title(info, t.lang)),
            "📆 <b>" + self.when(info, t) + "</b>",
            self.place(info, t),
        ]

    @staticmethod
    def spoken(info: InfoSession, t: Texts) -> str:
        """The languages spoken or interpreted, each named in its own language, then, where it reads
        differently, in the resident's: "🗣️ Français, العربية (français, arabe)"."""
        codes = info.languages or ["fr"]
        own = [LANGUAGE_NAMES.get(code, code) for code in codes]
        names = Locale.parse(t.lang).languages
        theirs = [str(names.get(code, name)) for code, name in zip(codes, own, strict=True)]
        shown = "🗣️ " + t.escape(", ".join(own))
        if [name.casefold() for name in own] == [name.casefold() for name in theirs]:
            return shown
        return shown + " " + t.isolate("(" + format_list(theirs, locale=t.lang) + ")")

    def seats(self, info: InfoSession, t: Texts) -> str:
        free = info.capacity - info.seats_taken
        if free <= 0:
            return t("🔴 Complet : liste d'attente possible")
        return t.plural("🟢 {n} place libre", "🟢 {n} places libres", free)

    def confirmation(self, info: InfoSession, t: Texts, now: datetime) -> Outbound:
        lines = self.card(info, t, t("✅ <b>C'est réservé !</b>"))
        description = self.translated(info.description, t.lang)
        if description:
            lines.insert(2, t.escape(description))
        lines.append(self.spoken(info, t))
        access = self.translated(info.access, t.lang)
        if access:
            lines.append("♿ " + t.escape(access))
        lines += ["", t("📎 Le fichier ci-dessous ajoute la date à votre agenda.")]
        venue = None
        if info.latitude is not None and info.longitude is not None:
            venue = Venue(
                info.venue_name or self.title(info, t.lang), info.venue_address or "", info.latitude, info.longitude
            )
        location = ", ".join(p for p in (info.venue_name, info.venue_address or info.online_url) if p)
        document = ics(info.key, self.title(info, t.lang), info.starts_at, info.ends_at, location, now)
        buttons = ((Button(t("🎫 Mes réservations"), "ss.mine"),), menu_row(t))
        return Outbound("\n".join(lines), buttons, venue=venue, document=document)
