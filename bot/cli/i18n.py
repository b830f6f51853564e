"""Keep the gettext catalogs in step with the code (`tremplin i18n update`, `tremplin i18n check`).

French is the reference: its catalog is filled from the message ids, so the French text a resident
reads is exactly the text written in the code. The other catalogs are translated by people.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.config import SUPPORTED_LANGUAGES
from bot.core.screening.loader import load_screening

KEYWORDS: Mapping[str, tuple[int, ...] | None] = MappingProxyType({"t": None, "N_": None, "plural": (1, 2)})
METHOD_MAP = (("bot/**.py", "python"),)
DATA_FILES = ("dialogues/screening.yml",)
TAG = re.compile(r"</?[a-z][a-z0-9-]*[^>]*>")
SLOT = re.compile(r"\{[a-z_]+\}")


def extract(root: Path) -> Catalog:
    template = Catalog(project="Tremplin", copyright_holder="Tremplin contributors", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        root, list(METHOD_MAP), keywords=dict(KEYWORDS), comment_tags=("TRANSLATORS:",)
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for data_file in DATA_FILES:
        path = root / data_file
        if path.exists():
            screening, _problems = load_screening(path)
            for text in screening.texts():
                if text:
                    template.add(text, None, [(data_file, 0)])
    return template


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, omit_header=False, no_location=True)


def update(root: Path) -> list[str]:
    """Extract, merge into every language, fill French; returns one line per catalog."""
    locales = root / "locales"
    template = extract(root)
    _write(locales / "messages.pot", template)
    report = []
    for lang in SUPPORTED_LANGUAGES:
        path = locales / lang / "LC_MESSAGES" / "messages.po"
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Tremplin", fuzzy=False)
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)  # update() shares Message objects
        if lang == "fr":
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
        _write(path, catalog)
        report.append(f"{lang}: {len(problems(catalog))} to translate or fix")
    return report


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings)


def problems(catalog: Catalog) -> list[str]:
    """Untranslated, fuzzy, or broken entries: tags and {slots} must match the French original."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if message.fuzzy:
            found.append(f"fuzzy: {msgid!r}")
            continue
        if not _translated(message):
            found.append(f"untranslated: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for text in strings:
            text = text or ""
            if sorted(TAG.findall(text)) != sorted(TAG.findall(msgid)):
                found.append(f"HTML tags differ from the original: {msgid!r}")
            if set(SLOT.findall(text)) != set(SLOT.findall(msgid)):
                found.append(f"{{slots}} differ from the original: {msgid!r}")
    return found


def check(root: Path) -> dict[str, list[str]]:
    """Problems per language, against the current code (a message missing from a catalog counts)."""
    template = extract(root)
    result: dict[str, list[str]] = {}
    for lang in SUPPORTED_LANGUAGES:
        path = root / "locales" / lang / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            result[lang] = [f"missing catalog {path}"]
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        missing = [f"missing: {m.id!r}" for m in template if m.id and m.id not in catalog]
        result[lang] = missing + problems(catalog)
    return result


def untranslated(root: Path, texts: list[str]) -> dict[str, list[str]]:
    """For each language, the given message ids that a resident would see in French instead."""
    result: dict[str, list[str]] = {}
    for lang in SUPPORTED_LANGUAGES:
        path = root / "locales" / lang / "LC_MESSAGES" / "messages.po"
        catalog = Catalog(locale=lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        missing = []
        for text in dict.fromkeys(texts):
            message = catalog.get(text)
            french_reference = lang == "fr" and message is not None
            if not french_reference and (message is None or message.fuzzy or not _translated(message)):
                missing.append(text)
        result[lang] = missing
    return result


def i18n_command(action: str, root: Path) -> int:
    if action == "update":
        print("\n".join(update(root)))
        return 0
    failures = 0
    for lang, found in check(root).items():
        failures += len(found)
        print(f"{lang}: {'ok' if not found else f'{len(found)} problem(s)'}")
        for line in found:
            print(f"  {line}")
    return 1 if failures else 0
