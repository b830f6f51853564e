"""The knowledge base, ready to answer: its entries and amounts, the matcher and the language detector.

Building the matcher takes a few seconds (a few minutes the very first time, while the embeddings of
the base are computed and cached), so it is built on a worker thread while the bot starts; the
first questions wait for it. Every question then runs on that same thread: the CPU work stays off
the event loop, and the embedding engine is never used by two threads at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from bot.core.knowledge.content import Amount, Entry, load_amounts, load_entries, load_questions
from bot.core.knowledge.language import Detector, Guess, Words, load_words
from bot.core.knowledge.matcher import Doc, Matcher, Result, documents
from bot.core.knowledge.vectors import E5Encoder, Encoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    result: Result
    language: Guess


def encoder_or_none() -> Encoder | None:
    try:
        return E5Encoder()
    except (ImportError, OSError, RuntimeError) as exc:  # the lexical matcher still works alone
        log.warning("FAQ: sentence embeddings unavailable (%s); matching on spelling only", exc)
        return None


class Answers:
    def __init__(self, content: Path, cache: Path | None, embeddings: bool = True) -> None:
        knowledge = content / "knowledge"
        entries = load_entries(knowledge / "entries")
        amounts, _ = load_amounts(knowledge / "amounts")
        self.entries: Mapping[str, Entry] = MappingProxyType({e.id: e for e in entries})
        self.amounts: Mapping[str, Amount] = MappingProxyType(amounts)
        self.words: Words = load_words(content / "dialogues" / "words.yml")
        self.docs: tuple[Doc, ...] = tuple(documents(entries, load_questions(knowledge / "questions")))
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="faq")
        self._ready: Future[tuple[Matcher, Detector]] = Future()
        # A daemon thread, so quitting during the first (long) build does not wait for it to finish.
        threading.Thread(target=self._build, args=(cache, embeddings), name="faq-build", daemon=True).start()

    def _build(self, cache: Path | None, embeddings: bool) -> None:
        try:
            matcher = Matcher(self.docs, encoder_or_none() if embeddings else None, cache)
            self._ready.set_result((matcher, Detector(self.words)))
            log.info("FAQ ready: %d topics, %d documents", len(self.entries), len(self.docs))
        except Exception as exc:  # surfaced to every question, and logged once here
            log.exception("FAQ: the matcher could not be built")
            self._ready.set_exception(exc)

    def matcher_and_detector(self) -> tuple[Matcher, Detector]:
        """For measurements: waits for the build."""
        return self._ready.result()

    @property
    def ready(self) -> bool:
        return self._ready.done()

    async def until_ready(self) -> None:
        """Wait for the first build without holding anything (a failed build surfaces in `ask`)."""
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(self._ready)

    def _ask(self, text: str, expected: str | None = None) -> Asked:
        matcher, detector = self._ready.result()
        guess = detector.guess(text, expected)
        return Asked(matcher.ask(text), guess)

    def ask_now(self, text: str) -> Asked:
        """For the command line: waits for the matcher, then answers on this thread's behalf."""
        return self._worker.submit(self._ask, text).result()

    async def ask(self, text: str, expected: str | None = None) -> Asked:
        """`expected` is the resident's language: kept unless the message is clearly in another."""
        return await asyncio.wrap_future(self._worker.submit(self._ask, text, expected))

    def wait(self) -> None:
        self._ready.result()

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
