"""Which of the seven languages a resident's message is written in, however it is spelled.

Short, misspelled, code-switched messages defeat general detectors, so the script decides first
(Arabic letters mean Arabic, Cyrillic letters mean Ukrainian: Russian is read as Ukrainian, the
language we answer in); Maghrebi Arabic typed in Latin letters ("3andi", "bghit ndir") is recognised
by its digits-for-letters and its everyday words; only the remaining Latin-script text goes to
lingua, restricted to the five Latin-script languages we answer in (low-accuracy mode: ~30 MB).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.core.normalise import ARABIZI_DIGIT, LATIN_WORD, ORDINAL_OR_UNIT, normalise

if TYPE_CHECKING:
    from lingua import LanguageDetector

ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
LATIN_LANGUAGES = ("fr", "en", "es", "pt", "tr")
WORD = re.compile(r"[^\W\d_]+")
LONG_MESSAGE = 6  # words: a shorter message in the same script never changes the answer's language
SWITCH_CONFIDENCE = 0.8


@dataclass(frozen=True)
class Words:
    """The reviewed word lists of `dialogues/words.yml`."""

    greetings: frozenset[str] = frozenset()
    thanks: frozenset[str] = frozenset()
    acknowledgements: frozenset[str] = frozenset()
    arabizi: frozenset[str] = frozenset()
    markers: Mapping[str, frozenset[str]] = field(default_factory=dict)  # words only that language uses


def load_words(path: Path) -> Words:
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}) or {}

    def words_of(values: object) -> frozenset[str]:
        return frozenset(str(w).lower() for w in values or []) if isinstance(values, list) else frozenset()

    markers = {lang: words_of(values) for lang, values in (data.get("marker_words") or {}).items()}
    return Words(
        greetings=words_of(data.get("greetings")),
        thanks=words_of(data.get("thanks")),
        acknowledgements=words_of(data.get("acknowledgements")),
        arabizi=words_of(data.get("arabizi")),
        markers=markers,
    )


def marker_hits(text: str, markers: frozenset[str]) -> int:
    """How many words of the message are one language's own everyday words ("jai", "koi", "the")."""
    found = [w.lower() for w in WORD.findall(text)]
    return sum(1 for w in found if w in markers or normalise(w) in markers)


@dataclass(frozen=True)
class Guess:
    """A detected language and how sure we are (0-1); `None` when there is nothing to read."""

    code: str | None
    confidence: float
    own_words: int = 0  # words of the message that are that language's everyday words ("the", "jai")


def arabizi_score(text: str, lexicon: frozenset[str]) -> float:
    """Share of the words that look like Maghrebi Arabic typed in Latin letters."""
    tokens = [t.strip("'") for t in LATIN_WORD.findall(text.lower())]
    tokens = [t for t in tokens if t and not t.isdigit()]
    if not tokens:
        return 0.0
    hits = sum(
        1
        for t in tokens
        if t in lexicon or t.removeprefix("l") in lexicon or (ARABIZI_DIGIT.search(t) and not ORDINAL_OR_UNIT.match(t))
    )
    if hits >= 2:
        return max(0.75, hits / len(tokens))
    return hits / len(tokens)


class Detector:
    """Guesses the language of a message among the seven we answer in."""

    def __init__(self, words: Words) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self.arabizi = words.arabizi
        self.markers = words.markers
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
        if expected is not None and expected in self.markers:  # two of its own words (one if short)
            hits = marker_hits(text, self.markers[expected])
            if hits >= 2 or (hits == 1 and len(WORD.findall(text)) <= 3):
                return Guess(expected, 0.9)
        darija = arabizi_score(text, self.arabizi)
        if darija >= 0.25:  # its share of Arabizi words are the everyday words of a reading in Arabic
            return Guess("ar", min(1.0, darija + 0.25), round(darija * len(WORD.findall(text))))
        values = self.lingua.compute_language_confidence_values(text)
        if not values:
            return Guess(None, 0.0)
        plausible = {self.codes[v.language]: v.value for v in values}
        if expected in plausible and plausible[expected] >= 0.15:
            return Guess(expected, plausible[expected])
        best = values[0]
        code = self.codes[best.language]
        # Very short texts ("cae ?", "ok") say little: scale the confidence by the length read.
        return Guess(code, best.value * min(1.0, latin / 12), marker_hits(text, self.markers.get(code, frozenset())))


def answer_language(text: str, guess: Guess, expected: str) -> str:
    """The language to answer in: the resident's own, unless the message is unmistakably in another
    one: written in another script (Arabic or Cyrillic letters), or long, with no reading in their
    language and that language's everyday words (SMS French looks Portuguese or English to a
    detector; a short message says too little; SQL looks English)."""
    if guess.code is None or guess.code == expected:
        return expected
    arabic, cyrillic, latin = (len(p.findall(text)) for p in (ARABIC, CYRILLIC, LATIN))
    found = WORD.findall(text)
    words = len(found)
    script = "arabic" if arabic > max(latin, cyrillic) else "cyrillic" if cyrillic > latin else "latin"
    own_script = {"ar": "arabic", "uk": "cyrillic"}.get(expected, "latin")
    if script != "latin" and script != own_script:
        return guess.code if words >= 2 else expected
    # Words in capitals inside lower-case text are acronyms (RSA, ACRE) or code (SELECT, FROM), not
    # evidence of a language; and prose is about one word in four "the", "and", "i".
    shouting = all(w.isupper() for w in found if len(w) > 1)
    prose = sum(1 for w in found if shouting or len(w) < 2 or not w.isupper())
    if prose >= LONG_MESSAGE and guess.confidence >= SWITCH_CONFIDENCE and guess.own_words * 4 >= prose:
        return guess.code
    return expected
