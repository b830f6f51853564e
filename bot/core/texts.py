"""Texts in one resident's language, with every variable part escaped for HTML."""

from __future__ import annotations

from html import escape

from bot.i18n import Catalogs


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
        text = self.catalogs.gettext(self.lang, message)
        if values:
            text = text.format(**{key: escape(str(value), quote=False) for key, value in values.items()})
        return text

    @staticmethod
    def escape(value: object) -> str:
        """For text that came from a person or a data file and is put into HTML by hand."""
        return escape(str(value), quote=False)

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.catalogs.ngettext(self.lang, singular, plural, n)
        return text.format(n=n, **{key: escape(str(value), quote=False) for key, value in values.items()})
