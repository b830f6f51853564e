"""End to end: a coordinator's broadcast through the real bot on the Bot API stand-in."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.db.engine import in_transaction
from bot.db.models import Resident as Row
from bot.runtime import Runtime
from tests.botprocess import BotProcess, agree
from tests.standin import Resident, StandIn

WORKSHOP = """\
text:
  fr: "Atelier étude de marché jeudi 14 h à la Maison du projet, 8 places"
  ar: "ورشة دراسة السوق يوم الخميس الساعة 14 في دار المشروع"
audience:
  languages: [fr, ar, tr]
"""


CLAIRE = 6100  # a coordinator


@pytest.fixture
def bot_settings() -> dict[str, str]:
    # the tests run at any hour, and send two broadcasts the same day
    return {"TREMPLIN_QUIET_HOURS": "none", "TREMPLIN_BROADCASTS_PER_DAY": "5", "TREMPLIN_COORDINATORS": str(CLAIRE)}


def cli(bot: BotProcess, *args: str) -> str:
    """`tremplin ...` with the bot's settings, as a coordinator types it next to the running bot."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], env=bot.env, cwd=bot.workdir, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def broadcast(bot: BotProcess, text: str, name: str = "b.yml") -> str:
    path = bot.workdir / name
    path.write_text(text, encoding="utf-8")
    preview = cli(bot, "broadcast", "new", str(path))
    number = preview.split()[1]
    cli(bot, "broadcast", "send", number)
    return preview


def announcements(person: Resident) -> list[str]:
    return [e.text for e in person.bot_entries() if e.text.startswith("📣")]


def test_a_filtered_broadcast_in_two_languages_reaches_exactly_the_right_residents(api: StandIn, bot: BotProcess):
    amina = Resident(api, 6001, "Amina", "fr")
    karim = Resident(api, 6002, "Karim", "ar")
    ayse = Resident(api, 6003, "Ayse", "tr")
    lina = Resident(api, 6004, "Lina", "fr")  # says no to announcements
    olena = Resident(api, 6005, "Olena", "uk")  # not among the languages chosen
    for person, lang, yes in ((amina, "fr", True), (karim, "ar", True), (ayse, "tr", True), (lina, "fr", False)):
        person.start()
        agree(person, lang, announcements=yes)
    olena.start()
    agree(olena, "uk", announcements=True)
    preview = broadcast(bot, WORKSHOP)
    assert "3 recipient(s)" in preview and "1 get the French text" in preview
    api.wait_until(lambda: all(announcements(p) for p in (amina, karim, ayse)), 20)
    assert "Atelier étude de marché" in announcements(amina)[0]
    assert "ورشة" in announcements(karim)[0]
    assert "Atelier étude de marché" in announcements(ayse)[0]  # no Turkish text: the French one
    assert not lina.wait_quiet(1.0) and not announcements(lina) and not announcements(olena)

    seen = amina.press("🔕 Ne plus recevoir ces messages")
    assert any("vous ne recevrez plus d'annonces" in e.text for e in seen)
    broadcast(bot, WORKSHOP.replace("Atelier étude de marché", "Forum des créateurs"), "b2.yml")
    api.wait_until(lambda: len(announcements(karim)) == 2 and len(announcements(ayse)) == 2, 20)
    assert len(announcements(amina)) == 1  # nothing more after Stop
    assert all(len(announcements(p)) == n for p, n in ((karim, 2), (ayse, 2), (lina, 0), (olena, 0)))


def recipients(api: StandIn, database_url: str, tmp_path: Path, count: int) -> list[int]:
    """People who agreed and asked for announcements some time ago (written directly: they are not
    what is tested here)."""
    ids = list(range(700_000, 700_000 + count))
    for uid in ids:
        api.add_user(uid, f"R{uid}", language_code="fr")
    api.open_chats(ids)

    async def add() -> None:
        settings = Settings(DATABASE_URL=database_url, TREMPLIN_DATA_DIR=tmp_path, TREMPLIN_CONTENT_DIR=PROJECT_ROOT)
        runtime = Runtime.build(settings, with_answers=False)
        now = datetime.now(UTC)

        async def write(session):  # type: ignore[no-untyped-def]
            session.add_all(
                Row(
                    channel="telegram", external_id=str(uid), language="fr", consent="yes", consent_at=now,
                    announcements="yes", step="menu", step_data={}, screen=0, created_at=now, last_seen_at=now,
                )
                for uid in ids
            )  # fmt: skip

        await in_transaction(runtime.sessions, write)
        await runtime.close()

    asyncio.run(add())
    return ids


def delivered(api: StandIn, chats: set[int]) -> dict[int, int]:
    got: dict[int, int] = {}
    for record in api.records():
        if record.method == "sendMessage" and record.status == 200 and record.chat_id in chats:
            got[record.chat_id] = got.get(record.chat_id, 0) + 1
    return got


def test_killed_in_the_middle_of_a_broadcast_it_resumes_and_sends_at_most_one_twice(
    api: StandIn, bot: BotProcess, database_url: str, tmp_path: Path
):
    chats = set(recipients(api, database_url, tmp_path, 300))
    broadcast(bot, "text:\n  fr: Forum des créateurs samedi 10 h\n")
    api.wait_until(lambda: len(delivered(api, chats)) >= 100, 30)
    bot.kill()  # SIGKILL: no goodbye
    sent_before = len(delivered(api, chats))
    assert sent_before < 300
    bot.start()
    api.wait_until(lambda: len(delivered(api, chats)) == 300, 120)  # a dead process's claims expire (30 s)
    twice = [chat for chat, n in delivered(api, chats).items() if n > 1]
    assert len(twice) <= 1, twice


def test_a_429_stops_every_send_for_the_time_telegram_asks(
    api: StandIn, bot: BotProcess, database_url: str, tmp_path: Path
):
    chats = set(recipients(api, database_url, tmp_path, 60))
    broadcast(bot, "text:\n  fr: Forum des créateurs samedi 10 h\n")
    api.wait_until(lambda: len(delivered(api, chats)) >= 10, 30)
    api.fail_next("sendMessage", status=429, retry_after=3)
    api.wait_until(lambda: len(delivered(api, chats)) == 60, 60)
    refused = next(r for r in api.records() if r.method == "sendMessage" and r.status == 429)
    after = [r.started for r in api.records() if r.method == "sendMessage" and r.started > refused.started]
    assert min(after) - refused.started >= 3.0 - 0.05  # nothing in between, to any chat
    assert all(n == 1 for n in delivered(api, chats).values())


def test_a_coordinator_announces_from_telegram_and_gets_the_report(api: StandIn, bot: BotProcess):
    karim = Resident(api, 6011, "Karim", "ar")
    karim.start()
    agree(karim, "ar", announcements=True)
    claire = Resident(api, CLAIRE, "Claire", "fr")
    claire.start()
    agree(claire)
    claire.send("/broadcast")
    claire.press("➕ Nouvelle annonce")
    claire.send("Forum des créateurs samedi 10 h, entrée libre")
    claire.press("➡️ Qui la reçoit ?")
    seen = claire.press("👀 Aperçu")
    assert "1 résident la recevra" in seen[-1].text and "العربية : 1" in seen[-1].text
    claire.press("✅ Envoyer maintenant")
    api.wait_until(lambda: bool(announcements(karim)), 20)
    assert "Forum des créateurs" in announcements(karim)[0]  # no Arabic text: the French one
    api.wait_until(lambda: any("envoi terminé" in e.text for e in claire.bot_entries()), 30)
    report = next(e.text for e in claire.bot_entries() if "envoi terminé" in e.text)
    assert "Envoyées : 1" in report and "العربية : ✅ 1" in report
