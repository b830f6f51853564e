"""Text normalisation shared by every feature that compares what a resident typed with known words.

Residents type without accents, in SMS spelling, in Arabic script or in Arabizi ("3andi"): the same
normalisation serves the knowledge base's matcher, the handover's phrases, the gaps log and the
questionnaire's typed answers, so one word is recognised the same way everywhere.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|\d+", re.UNICODE)
REPEATS = re.compile(r"(.)\1{2,}")
LATIN_WORD = re.compile(r"[a-z\u00c0-\u024f0-9']+")
# Digits standing for Arabic letters inside a word: 3 (ع), 7 (ح), 9 (ق), 5 (خ), 2 (ء)
ARABIZI_DIGIT = re.compile(r"(?:[a-z][23579]|[23579][a-z])")
ORDINAL_OR_UNIT = re.compile(r"^\d+(?:e|er|re|eme|ème|em|nd|rd|th|st|h|k|m|km|kg|ans?|mois|min|euros?|eur|x)$")


ARABIC_LETTERS = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})
# Arabizi digits stand for Arabic sounds; spelled out, "wa7ed" meets "wahed" and "n9der" meets "nqder".
ARABIZI_LETTERS = str.maketrans({"2": "", "3": "a", "5": "kh", "7": "h", "9": "q"})


# Arabic letters in Latin, the way Maghrebi residents type them: "كيفاش" → "kifach" meets "kifach",
# "الشوماج" → "alchomaj" meets "chomage". Only the spelling view uses it; short vowels are not written.
ROMAN = str.maketrans(
    {
        "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "kh",
        "د": "d", "ذ": "d", "ر": "r", "ز": "z", "س": "s", "ش": "ch", "ص": "s", "ض": "d", "ط": "t", "ظ": "d",
        "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "o",
        "ي": "i", "ى": "a", "ة": "a", "ء": "", "ئ": "i", "ؤ": "o", "پ": "p", "ڤ": "v", "گ": "g", "چ": "ch",
    }
)  # fmt: skip
ARABIC_WORD = re.compile(r"[\u0600-\u06ff]")


ARTICLE = re.compile(r"^(?:وال|فال|بال|كال|لل|ال)(?=..)")  # "the", "and the", "with the"…: light stemming


def romanised(word: str) -> str | None:
    """The Latin spelling of an Arabic-script word without its article ("الرسا" → "rsa"), else None."""
    return ARTICLE.sub("", word).translate(ROMAN) if ARABIC_WORD.search(word) else None


def _arabizi(match: re.Match[str]) -> str:
    word = match.group(0)
    if ORDINAL_OR_UNIT.match(word) or not ARABIZI_DIGIT.search(word):
        return word
    return word.translate(ARABIZI_LETTERS)


def normalise(text: str) -> str:
    """Lower case, no accents, Arabic letter variants merged (ة/ه, ى/ي, hamza seats, tatweel),
    Arabizi digits spelled out, letters repeated for emphasis cut to two ("slttt")."""
    text = unicodedata.normalize("NFKD", text.lower().translate(ARABIC_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = LATIN_WORD.sub(_arabizi, text)
    return REPEATS.sub(r"\1\1", text)


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def phrase(text: str) -> str:
    """`normalise`, then only words separated by single spaces (punctuation is not a word)."""
    return " ".join(re.findall(r"\w+", normalise(text)))


def plain_words(text: str) -> str:
    """Lower case, no accents, no emoji or punctuation: "🏘️ Oui" and "oui" compare equal."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w€]+", " ", text).split())
