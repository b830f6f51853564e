"""A briefly locked database or a broken one never leaves a resident without an answer."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from bot.db.engine import make_sessions


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_briefly_locked_sqlite_database_is_waited_out(person, runtime, settings):
    await person("1").send("/start")
    path = make_url(settings.database).database
    locked = threading.Event()

    def hold_lock() -> None:
        conn = sqlite3.connect(path, timeout=1)
        conn.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(1.5)
        conn.rollback()
        conn.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    await asyncio.to_thread(locked.wait)
    started = time.monotonic()
    seen = await person("1").send("/menu")
    holder.join()
    assert time.monotonic() - started >= 1.0  # it really waited for the lock
    assert "d'accord" in seen[0].text  # and answered as usual


@pytest.mark.logs_error("could not handle")
async def test_a_database_that_fails_gets_an_apology_not_silence(person, runtime):
    await runtime.engine.dispose()
    runtime.sessions = make_sessions(runtime.engine.execution_options(schema_translate_map={None: "nowhere"}))
    seen = await person("2").send("/start")
    assert seen[0].text.startswith("😕")


async def test_an_update_delivered_twice_is_handled_once(person, runtime, clock):
    """A webhook retried after a timeout brings the same update again: one answer, not two, and the
    repeat asks for nothing to be shown or acknowledged. After two days the id is forgotten."""
    from dataclasses import replace as swap
    from datetime import timedelta

    from sqlalchemy import select

    from bot.core import events
    from bot.core.messages import Inbound, Kind
    from bot.db.engine import in_transaction
    from bot.db.models import FaqQuestion

    amina = person("3101")
    await amina.send("/start")
    await amina.agree()
    question = Inbound("telegram", "3101", Kind.TEXT, text="c koi une cae", language_code="fr", event_id="777001")
    first = await runtime.handle(question)
    again = await runtime.handle(question)
    assert first.messages and not first.done_before
    assert again.done_before and again.messages == [] and again.notice == ""
    other_chat = await runtime.handle(swap(question, channel="test"))  # ids are per channel
    assert not other_chat.done_before
    async with runtime.sessions() as session:
        asked = (await session.scalars(select(FaqQuestion.text))).all()
    assert asked.count("c koi une cae") == 1  # the repeat was not even logged

    clock.now += events.KEEP + timedelta(minutes=1)
    assert await in_transaction(runtime.sessions, lambda s: events.forget_old(s, clock.now)) == 2
