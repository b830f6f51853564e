"""Typed words that bring a person in: asking for a human, or words of distress (`dialogues/handover.yml`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.normalise import phrase


@dataclass(frozen=True)
class Flags:
    """The reviewed phrases of `dialogues/handover.yml`, normalised once."""

    human: frozenset[str] = frozenset()
    distress: frozenset[str] = frozenset()


def load_flags(path: Path) -> Flags:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}

    def read(kind: str) -> frozenset[str]:
        phrases = ((data or {}).get(kind) or {}).values()
        return frozenset(p for p in (phrase(str(x)) for group in phrases for x in group or []) if p)

    return Flags(read("human"), read("distress"))


def flag(text: str, flags: Flags) -> str | None:
    """ "distress" or "asked" when the message holds one of the phrases (whole words), else None."""
    padded = f" {phrase(text)} "
    if any(f" {phrase} " in padded for phrase in flags.distress):
        return "distress"
    if any(f" {phrase} " in padded for phrase in flags.human):
        return "asked"
    return None
