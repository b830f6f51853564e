"""Texts in one resident's language, with every variable part escaped for HTML."""

from __future__ import annotations

from html import escape, unescape
from html.parser import HTMLParser

from bot.i18n import RTL_LANGUAGES, Catalogs

# First-strong isolate: a phone number or a Latin name inside Arabic keeps its own order on screen
# ("04 65 71 00 00" would otherwise show its groups reversed).
FSI, PDI = "\u2068", "\u2069"
BOLD, RESET = "\033[1m", "\033[0m"


def cut_at_word(text: str, most: int) -> str:
    """At most `most` characters, cut at a word's end, so a button never shows half a word."""
    return text if len(text) <= most else text[: most - 1].rsplit(" ", 1)[0] + "…"


def N_(message: str) -> str:
    """Mark a text for extraction where it is translated later (menus, data files)."""
    return message


class Texts:
    """Bound to one language for the length of one reply."""

    def __init__(self, catalogs: Catalogs, lang: str) -> None:
        self.catalogs = catalogs
        self.lang = lang

    def __call__(self, message: str, **values: object) -> str:
        """Translate, then fill `{name}` slots with escaped values (catalog texts may hold <b>)."""
        return self._fill(self.catalogs.gettext(self.lang, message), values)

    def _fill(self, text: str, values: dict[str, object]) -> str:
        if not values:
            return text
        rtl = self.lang in RTL_LANGUAGES
        filled = {}
        for key, value in values.items():
            safe = escape(str(value), quote=False)
            filled[key] = f"{FSI}{safe}{PDI}" if rtl else safe
        return text.format(**filled)

    def isolate(self, value: object) -> str:
        """A value on a line of its own (a phone number, an address): escaped, and isolated in
        right-to-left text, where "04 65 71 00 00" would otherwise show its groups reversed."""
        safe = escape(str(value), quote=False)
        return f"{FSI}{safe}{PDI}" if self.lang in RTL_LANGUAGES else safe

    @staticmethod
    def escape(value: object) -> str:
        """For text that came from a person or a data file and is put into HTML by hand."""
        return escape(str(value), quote=False)

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._fill(self.catalogs.ngettext(self.lang, singular, plural, n), {"n": n, **values})


class _Plain(HTMLParser):
    """Telegram HTML to terminal text: bold kept as ANSI bold when the terminal shows it."""

    def __init__(self, ansi: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.ansi = ansi
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.ansi and tag in ("b", "strong"):
            self.parts.append(BOLD)

    def handle_endtag(self, tag: str) -> None:
        if self.ansi and tag in ("b", "strong"):
            self.parts.append(RESET)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain(html: str, ansi: bool = False) -> str:
    parser = _Plain(ansi)
    parser.feed(html)
    parser.close()
    return unescape("".join(parser.parts))
