"""Shared fixtures: databases (SQLite always, PostgreSQL when available) and a resident driving the core."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import PROJECT_ROOT, Settings
from bot.core.knowledge.answers import Answers
from bot.core.messages import Inbound, Kind, Outbound, Reply
from bot.i18n import supported
from bot.runtime import Runtime
from tests.botprocess import FAQ_CACHE, BotProcess
from tests.standin import StandIn

POSTGRES_ENV = "TREMPLIN_TEST_POSTGRES_URL"
ARABIC = re.compile(r"[\u0600-\u06FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: .ci/run must start PostgreSQL for the database tests")
    return None


def _admin(admin_url: str, statement: str) -> None:
    async def run() -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


def _create_database(admin_url: str) -> str:
    """A fresh database per test, so PostgreSQL tests never see each other's rows."""
    name = f"tremplin_test_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, url: str) -> None:
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every database test runs twice: on the embedded SQLite file and on a real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tremplin.sqlite3'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL not configured (set {POSTGRES_ENV}; .ci/run does)")
    url = _create_database(admin)
    try:
        yield url
    finally:
        _drop_database(admin, url)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        TREMPLIN_DATA_DIR=tmp_path / "data",
        TREMPLIN_CONTENT_DIR=PROJECT_ROOT,
        TELEGRAM_BOT_TOKEN="",
    )


class Clock:
    """A clock the test moves by hand (UTC)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # a Tuesday, 11:00 in Paris


EMBEDDINGS_IN_USE = "FAQ: sentence embeddings in use"  # logged by bot/core/knowledge/answers.py


@pytest.fixture(scope="session")
def answers() -> Iterator[Answers]:
    """The knowledge base and its matcher, built once; the first run of the suite computes the cache."""
    built = Answers(PROJECT_ROOT, FAQ_CACHE)
    built.wait(complete=True)  # as a running bot answers once its embeddings are in use
    yield built
    built.close()


@pytest.fixture(scope="session")
def faq_cache(answers: Answers) -> str:
    return str(FAQ_CACHE)


class Errors(logging.Handler):
    """Collects what the bot logs at ERROR or above: a story that passes while the bot apologises fails."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
async def runtime(
    request: pytest.FixtureRequest, settings: Settings, clock: Clock, answers: Answers
) -> AsyncIterator[Runtime]:
    """The core as the adapters use it. A story that makes the bot log an error fails, unless the test
    says which error it causes on purpose (`@pytest.mark.logs_error("could not handle")`)."""
    errors = Errors()
    logging.getLogger("bot").addHandler(errors)
    rt = Runtime.build(settings, clock=clock, answers=answers)
    try:
        await rt.migrate()
        yield rt
    finally:
        await rt.close()
        logging.getLogger("bot").removeHandler(errors)
    marker = request.node.get_closest_marker("logs_error")
    if marker is not None:
        expected = str(marker.args[0])
        assert any(expected in line for line in errors.seen), f"expected an error log with {expected!r}"
        errors.seen = [line for line in errors.seen if expected not in line]
    assert not errors.seen, "the bot logged errors:\n" + "\n".join(errors.seen)


@pytest.fixture
def api() -> Iterator[StandIn]:
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture
def bot_settings() -> dict[str, str]:
    """Settings a test module adds to the bot's environment: override this fixture in the module."""
    return {}


@pytest.fixture
def bot(
    api: StandIn, database_url: str, tmp_path: Path, faq_cache: str, bot_settings: dict[str, str]
) -> Iterator[BotProcess]:
    """The real bot process in polling mode, against the stand-in, on SQLite and on PostgreSQL."""
    process = BotProcess(api, database_url, tmp_path)
    process.env.update(bot_settings)
    process.start()
    # with the cache computed, its FAQ is complete about a second later: answers as they will be
    assert process.wait_for_log((EMBEDDINGS_IN_USE,), timeout=60), process.log()
    yield process
    process.stop()
    unanswered = [qid for qid, answer in api.callback_answers().items() if answer is None]
    assert not unanswered, f"button presses left spinning: {unanswered}"
    errors = [line for line in process.log().splitlines() if " ERROR " in line or "Traceback" in line]
    assert not errors, "the bot logged errors:\n" + process.log()


@dataclass
class Person:
    """A resident talking to the core directly, the way the adapters do."""

    runtime: Runtime
    user_id: str
    language_code: str | None = "fr"
    first_name: str | None = "Amina"
    channel: str = "test"
    seen: list[Outbound] = field(default_factory=list)
    last_reply: Reply | None = None

    async def _do(self, kind: Kind, **fields: str) -> list[Outbound]:
        inbound = Inbound(
            self.channel, self.user_id, kind, language_code=self.language_code, first_name=self.first_name, **fields
        )
        self.last_reply = await self.runtime.handle(inbound)
        self.seen.extend(self.last_reply.messages)
        return self.last_reply.messages

    async def send(self, text_: str) -> list[Outbound]:
        if text_.startswith("/"):
            command, _, args = text_[1:].partition(" ")
            return await self._do(Kind.COMMAND, command=command, args=args)
        return await self._do(Kind.TEXT, text=text_)

    async def send_media(self, media: str) -> list[Outbound]:
        return await self._do(Kind.MEDIA, media=media)

    def buttons(self) -> list[tuple[str, str]]:
        """Labels and data of the newest keyboard this person was shown."""
        for message in reversed(self.seen):
            if message.buttons:
                return [(b.label, b.data) for row in message.buttons for b in row]
        return []

    async def press(self, label: str) -> list[Outbound]:
        """Press by the label shown, or by its French original (then in the person's language)."""
        translated = self.runtime.core.catalogs.gettext(supported(self.language_code), label)
        for wanted in dict.fromkeys((label, translated)):
            for shown, data in self.buttons():
                if shown == wanted or shown.startswith(wanted):
                    return await self._do(Kind.BUTTON, data=data)
        raise AssertionError(f"no button {label!r}; visible: {[b for b, _ in self.buttons()]}")

    async def press_data(self, data: str) -> list[Outbound]:
        return await self._do(Kind.BUTTON, data=data)

    async def agree(self, announcements: bool = False) -> list[Outbound]:
        """Consent, then the one question that follows it: announcements of workshops (no, unless asked)."""
        await self.press("✅ Oui, d'accord")
        return await self.press("🔔 Oui, volontiers" if announcements else "Non merci")

    @property
    def notice(self) -> str:
        return self.last_reply.notice if self.last_reply else ""


@pytest.fixture
def person(runtime: Runtime):  # type: ignore[no-untyped-def]
    def make(user_id: str = "1001", **kwargs: str | None) -> Person:
        return Person(runtime, user_id, **kwargs)  # type: ignore[arg-type]

    return make
