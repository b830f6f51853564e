"""End to end: booking information sessions on Telegram (stand-in), with offers and notices from the outbox."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.core import outbox
from bot.i18n import PARIS, Catalogs
from tests.botprocess import BotProcess, agree
from tests.conftest import ARABIC
from tests.standin import Resident, StandIn


def coordinator(bot: BotProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "sessions", *args],
        env=bot.env,
        cwd=bot.workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )


def publish(bot: BotProcess, tmp_path: Path, seats: int) -> datetime:
    """A session ten days from now, so the test never depends on today's date."""
    starts = (datetime.now(PARIS) + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)
    path = tmp_path / "sessions.yml"
    path.write_text(
        "sessions:\n"
        "  - key: info-e2e\n"
        '    title: {fr: "Êtes-vous prêt à entreprendre ?", ar: "هل أنتم مستعدون لبدء مشروع؟"}\n'
        f"    starts: {starts:%Y-%m-%d %H:%M}\n"
        f"    ends: {starts + timedelta(hours=2):%Y-%m-%d %H:%M}\n"
        "    venue: {name: Maison du projet, address: 12 boulevard Claude-Bernard, latitude: 45.76, longitude: 3.09}\n"
        f"    capacity: {seats}\n",
        encoding="utf-8",
    )
    result = coordinator(bot, "import", str(path))
    assert result.returncode == 0, result.stderr
    return starts


def book(resident: Resident, catalogs: Catalogs, lang: str) -> list:  # type: ignore[type-arg]
    resident.start()
    agree(resident, lang)
    resident.press(catalogs.gettext(lang, "📅 Réunions d'information"))
    date_button = next(label for label in resident.buttons if label.startswith(("✅", "⏳")))
    return resident.press(date_button)


def test_book_with_map_and_calendar_then_wait_and_get_a_freed_seat(api: StandIn, bot: BotProcess, tmp_path: Path):
    catalogs = Catalogs(PROJECT_ROOT / "locales")
    starts = publish(bot, tmp_path, seats=2)
    amina = Resident(api, 3001, "Amina", "ar", settle=0.3)
    seen = book(amina, catalogs, "ar")
    kinds = [e.kind for e in seen]
    assert kinds[-3:] == ["text", "venue", "document"]
    confirmation, venue, calendar = seen[-3:]
    assert ARABIC.search(confirmation.text) and confirmation.text.startswith("✅")
    assert venue.venue is not None and abs(venue.venue["latitude"] - 45.76) < 1e-6
    assert venue.venue["title"] == "Maison du projet"
    assert calendar.document is not None and calendar.document["file_name"] == "reunion.ics"
    assert f"DTSTART:{starts.astimezone(UTC):%Y%m%dT%H%M%SZ}" in calendar.document["data"].decode()

    sam = Resident(api, 3002, "Sam", "fr", settle=0.3)
    book(sam, catalogs, "fr")
    karim = Resident(api, 3003, "Karim", "fr", settle=0.3)
    seen = book(karim, catalogs, "fr")
    assert "liste d'attente (n° 1)" in seen[-1].text

    sam.press("🎫 Mes réservations")
    sam.press(next(label for label in sam.buttons if label.startswith("❌")))
    assert "C'est annulé" in sam.press("❌ Oui, annuler")[-1].text
    now = datetime.now(UTC)
    if outbox.polite(now) != now:  # the bot runs on the real clock
        time.sleep(3)
        assert not any("Une place s'est libérée" in e.text for e in karim.bot_entries())
        pytest.skip("21:00-08:00 in Paris: the freed seat's offer waits for the morning (quiet hours), as designed")
    # sent by the outbox worker, not as a reply: it may arrive while Sam's answer is still settling
    api.wait_until(lambda: any("Une place s'est libérée" in e.text for e in karim.bot_entries()), timeout=15)
    seen = karim.press("✅ Oui, je viens")
    assert any("la place est à vous" in e.text for e in seen)
    assert any(e.kind == "document" for e in seen)

    listing = coordinator(bot, "list")
    assert "2/2 booked, 0 waiting" in listing.stdout

    cancelled = coordinator(bot, "cancel", "info-e2e")
    assert cancelled.returncode == 0 and "2 resident(s) will be told" in cancelled.stdout
    api.wait_until(lambda: "Réunion annulée" in karim.last.text and amina.last.text.startswith("❌"), timeout=15)
    assert ARABIC.search(amina.last.text)
    assert karim.last.labels == ["📅 Voir les autres dates"]
    seen = karim.press("📅 Voir les autres dates")
    assert "pas de réunion prévue" in seen[-1].text  # the only session was cancelled


def test_a_reminder_due_while_the_bot_was_down_is_sent_late_once(api: StandIn, bot: BotProcess, tmp_path: Path):
    """The session starts in two hours and 12 seconds: its "2 hours before" reminder is due in 12 s."""
    catalogs = Catalogs(PROJECT_ROOT / "locales")
    starts = datetime.now(PARIS) + timedelta(hours=2, seconds=12)
    path = tmp_path / "soon.yml"
    path.write_text(
        "sessions:\n  - key: info-soon\n    title: {fr: Réunion bientôt}\n"
        f"    starts: {starts:%Y-%m-%d %H:%M:%S}\n    ends: {starts + timedelta(hours=2):%Y-%m-%d %H:%M:%S}\n"
        "    venue: {address: 1 place de Jaude}\n    capacity: 5\n",
        encoding="utf-8",
    )
    assert coordinator(bot, "import", str(path)).returncode == 0
    lina = Resident(api, 3004, "Lina", "fr", settle=0.3)
    book(lina, catalogs, "fr")
    bot.kill()
    while datetime.now(PARIS) < starts - timedelta(hours=2) + timedelta(seconds=2):  # due while the bot is down
        time.sleep(0.5)
    bot.start()
    api.wait_until(lambda: "Rappel : tout à l'heure" in lina.last.text, timeout=20)
    reminder = lina.last
    assert "Réunion bientôt" in reminder.text and reminder.labels == ["❌ Je ne peux pas venir"]
    assert lina.wait_quiet(window=5) == []  # and not a second time
