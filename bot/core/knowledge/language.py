"""Which of the seven languages a resident's message is written in, however it is spelled.

Short, misspelled, code-switched messages defeat general detectors, so the script decides first
(Arabic letters mean Arabic, Cyrillic letters mean Ukrainian: Russian is read as Ukrainian, the
language we answer in); Maghrebi Arabic typed in Latin letters ("3andi", "bghit ndir") is recognised
by its digits-for-letters and its everyday words; only the remaining Latin-script text goes to
lingua, restricted to the five Latin-script languages we answer in (low-accuracy mode: ~30 MB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.core.normalise import ARABIZI_DIGIT, LATIN_WORD, ORDINAL_OR_UNIT

if TYPE_CHECKING:
    from lingua import LanguageDetector

ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
LATIN_LANGUAGES = ("fr", "en", "es", "pt", "tr")


@dataclass(frozen=True)
class Words:
    """The reviewed word lists of `dialogues/words.yml`."""

    greetings: frozenset[str] = frozenset()
    thanks: frozenset[str] = frozenset()
    acknowledgements: frozenset[str] = frozenset()
    arabizi: frozenset[str] = frozenset()


def load_words(path: Path) -> Words:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    def read(key: str) -> frozenset[str]:
        return frozenset(str(w).lower() for w in (data or {}).get(key) or [])

    return Words(read("greetings"), read("thanks"), read("acknowledgements"), read("arabizi"))


@dataclass(frozen=True)
class Guess:
    """A detected language and how sure we are (0-1); `None` when there is nothing to read."""

    code: str | None
    confidence: float


def arabizi_score(text: str, lexicon: frozenset[str]) -> float:
    """Share of the words that look like Maghrebi Arabic typed in Latin letters."""
    tokens = [t.strip("'") for t in LATIN_WORD.findall(text.lower())]
    tokens = [t for t in tokens if t and not t.isdigit()]
    if not tokens:
        return 0.0
    hits = sum(
        1
        for t in tokens
        if t in lexicon or t.removeprefix("l") in lexicon
        or (ARABIZI_DIGIT.search(t) and not ORDINAL_OR_UNIT.match(t))
    )
    if hits >= 2:
        return max(0.75, hits / len(tokens))
    return hits / len(tokens)


class Detector:
    """Guesses the language of a message among the seven we answer in."""

    def __init__(self, words: Words) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self.arabizi = words.arabizi
        self.codes = {
            Language.FRENCH: "fr",
            Language.ENGLISH: "en",
            Language.SPANISH: "es",
            Language.PORTUGUESE: "pt",
            Language.TURKISH: "tr",
        }
        self.lingua: LanguageDetector = (
            LanguageDetectorBuilder.from_languages(*self.codes)
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )

    def guess(self, text: str, expected: str | None = None) -> Guess:
        """`expected` (the resident's language) wins among Latin-script languages whenever it is a
        plausible reading: SMS French often looks like Portuguese to a detector."""
        arabic, cyrillic, latin = (len(p.findall(text)) for p in (ARABIC, CYRILLIC, LATIN))
        letters = arabic + cyrillic + latin
        if letters == 0:
            return Guess(None, 0.0)
        if arabic >= latin and arabic >= cyrillic:
            return Guess("ar", arabic / letters)
        if cyrillic >= latin:
            return Guess("uk", cyrillic / letters)
        darija = arabizi_score(text, self.arabizi)
        if darija >= 0.25:
            return Guess("ar", min(1.0, darija + 0.25))
        values = self.lingua.compute_language_confidence_values(text)
        if not values:
            return Guess(None, 0.0)
        plausible = {self.codes[v.language]: v.value for v in values}
        if expected in plausible and plausible[expected] >= 0.15:
            return Guess(expected, plausible[expected])
        best = values[0]
        # Very short texts ("cae ?", "ok") say little: scale the confidence by the length read.
        return Guess(self.codes[best.language], best.value * min(1.0, latin / 12))
