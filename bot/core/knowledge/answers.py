"""The knowledge base, ready to answer: its entries and amounts, the matcher and the language detector.

The matcher is built on a worker thread while the bot starts, in two stages: the n-gram classifier
(a few seconds, even the very first time) makes it ready to answer; the embedding classifier follows
(a second from the cache, a minute or two the very first time, while the base is embedded) and
then helps with the questions the first one is unsure about. Until the first stage is ready, the
knowledge flow tells the resident to ask again in a moment; nothing else waits for it. Every
question runs on one thread of its own: the CPU work stays off the event loop, and the embedding
engine is never used by two threads at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from threadpoolctl import threadpool_limits

from bot.core.knowledge.content import Amount, Entry, load_amounts, load_entries, load_questions
from bot.core.knowledge.language import Detector, Guess, Words, load_words
from bot.core.knowledge.matcher import Doc, Matcher, Result, documents
from bot.core.knowledge.vectors import E5Encoder, Encoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    result: Result
    language: Guess


def give_back_memory() -> None:
    """Training leaves tens of MB free inside the C allocator; on glibc, hand them back to the system
    so the bot's resident memory after its first start is what it uses, not what it once needed."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


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
        self._complete: Future[None] = Future()  # the embedding classifier is in use too, or never will be
        self._closed = threading.Event()  # the bot is stopping: a build still running ends quietly
        # A daemon thread, so quitting during the first (long) build does not wait for it to finish.
        threading.Thread(target=self._build, args=(cache, embeddings), name="faq-build", daemon=True).start()

    def _build(self, cache: Path | None, embeddings: bool) -> None:
        # The classifiers' products are small: a second BLAS thread saves a second on a fresh clone
        # and costs its 14 MB buffer, which took the first build over the bot's memory budget.
        with threadpool_limits(limits=1, user_api="blas"):
            self._build_both(cache, embeddings)

    def _build_both(self, cache: Path | None, embeddings: bool) -> None:
        try:
            matcher = Matcher(self.docs, None, cache)
            give_back_memory()
            self._ready.set_result((matcher, Detector(self.words)))
            log.info("FAQ ready: %d topics, %d documents", len(self.entries), len(self.docs))
        except Exception as exc:  # surfaced to every question, and logged once here
            log.exception("FAQ: the matcher could not be built")
            self._ready.set_exception(exc)
            self._complete.set_result(None)
            return
        try:
            encoder = encoder_or_none() if embeddings and not self._closed.is_set() else None
            if encoder is not None:
                meaning = matcher.train_meaning(encoder, cache)
                self._worker.submit(matcher.use_meaning, encoder, meaning).result()  # between two questions
                give_back_memory()
                log.info("FAQ: sentence embeddings in use")
        except Exception:
            if self._closed.is_set():  # stopped while building: nothing is wrong, nobody will ask again
                log.debug("FAQ: the bot stopped before the embedding classifier was in use")
            else:
                log.exception("FAQ: the embedding classifier could not be built; answering on spelling alone")
        finally:
            self._complete.set_result(None)

    def matcher_and_detector(self) -> tuple[Matcher, Detector]:
        """For measurements: waits for the whole build, embeddings included."""
        self._complete.result()
        return self._ready.result()

    @property
    def ready(self) -> bool:
        return self._ready.done()

    @property
    def complete(self) -> bool:
        return self._complete.done()

    async def until_ready(self) -> None:
        """Wait for the first build without holding anything (a failed build surfaces in `ask`)."""
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(self._ready)

    async def until_complete(self, timeout: float) -> None:
        """Wait, at most `timeout` seconds, until the embeddings are in use too (a second or two with
        the cache computed; minutes the very first time, when waiting is not worth it)."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.wrap_future(self._complete), timeout)

    def _ask(self, text: str, expected: str | None = None) -> Asked:
        matcher, detector = self._ready.result()
        guess = detector.guess(text, expected)
        return Asked(matcher.ask(text), guess)

    def ask_now(self, text: str, expected: str | None = None) -> Asked:
        """For the command line: waits for the matcher, then answers on this thread's behalf."""
        return self._worker.submit(self._ask, text, expected).result()

    async def ask(self, text: str, expected: str | None = None) -> Asked:
        """`expected` is the resident's language: kept unless the message is clearly in another."""
        return await asyncio.wrap_future(self._worker.submit(self._ask, text, expected))

    def wait(self, complete: bool = False) -> None:
        """Until the matcher can answer; with `complete`, until the embedding classifier is in use too."""
        if complete:
            self._complete.result()
        self._ready.result()

    def close(self) -> None:
        self._closed.set()
        self._worker.shutdown(wait=False, cancel_futures=True)
