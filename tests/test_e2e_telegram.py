"""End to end: the real bot process, python-telegram-bot and all, against the Bot API stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.i18n import Catalogs
from tests.botprocess import BotProcess
from tests.conftest import ARABIC
from tests.standin import Resident, StandIn


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(PROJECT_ROOT / "locales")


def agree(resident: Resident) -> None:
    resident.start()
    resident.press(resident.buttons[0])  # consent
    resident.press(resident.buttons[1])  # no announcements


def test_arabic_greeting_switch_to_french_survives_a_restart(api: StandIn, bot: BotProcess, catalogs: Catalogs):
    amina = Resident(api, 1001, "Amina", "ar")
    seen = amina.start()
    assert len(seen) == 2
    assert "Amina" in seen[0].text and ARABIC.search(seen[0].text)
    consent = ("✅ Oui, d'accord", "🙅 Non merci", "🌍 Langue")
    assert seen[1].labels == [catalogs.gettext("ar", label) for label in consent]
    seen = amina.press(catalogs.gettext("ar", "✅ Oui, d'accord"))
    assert seen[0].text.startswith(catalogs.gettext("ar", "✅ Merci, c'est noté."))
    assert seen[0].labels == [catalogs.gettext("ar", label) for label in ("🔔 Oui, volontiers", "Non merci")]
    seen = amina.press(catalogs.gettext("ar", "Non merci"))
    assert seen[0].text.startswith(catalogs.gettext("ar", "👍 C'est noté : pas d'annonces.")) and not seen[0].buttons
    assert seen[1].text == catalogs.gettext("ar", "Que voulez-vous faire ? 👇")
    menu_id = seen[1].message_id
    seen = amina.press(catalogs.gettext("ar", "🌍 Langue"))
    assert [e.message_id for e in seen] == [menu_id]  # the menu turned into the language list, in place
    assert "Français" in amina.buttons and "العربية" in amina.buttons
    seen = amina.press("Français")
    assert seen[0].text == "✅ C'est noté : je vous parle en français."
    assert seen[-1].text == "Que voulez-vous faire ? 👇"

    bot.restart()
    seen = amina.send("/menu")
    assert seen[-1].text == "Que voulez-vous faire ? 👇"
    assert "🔒 Mes données" in seen[-1].labels
    assert [e.message_id for e in amina.bot_entries() if e.buttons] == [seen[-1].message_id]


def test_killed_mid_flow_the_bot_picks_up_where_the_resident_was(api: StandIn, bot: BotProcess):
    rania = Resident(api, 1002, "Rania", "fr")
    agree(rania)
    rania.press("🔒 Mes données")
    rania.press("🗑️ Tout effacer")
    assert "Tout effacer ?" in rania.last.text

    bot.kill()
    bot.start()
    seen = rania.press("🗑️ Oui, tout effacer")
    assert "tout est effacé" in seen[0].text


def test_messages_sent_while_the_bot_is_down_are_answered_after_it_restarts(api: StandIn, bot: BotProcess):
    sami = Resident(api, 1003, "Sami", "fr")
    agree(sami)
    bot.kill()
    api.push_message(sami.user_id, "/help")
    bot.start()
    seen = sami.wait_reply()
    assert "/language" in seen[-1].text and "Tremplin Clermont" in seen[-1].text


def test_a_bot_with_nothing_to_do_writes_nothing_to_its_log(api: StandIn, bot: BotProcess):
    """A quiet bot keeps a quiet log: its jobs run every 10 seconds, and used to log two lines each."""
    agree(Resident(api, 5101, "Awa", "fr"))  # started, and one exchange done
    time.sleep(1)
    before = len(bot.log().splitlines())
    time.sleep(12)
    assert bot.log().splitlines()[before:] == []


def test_command_menu_is_set_in_every_language(api: StandIn, bot: BotProcess, catalogs: Catalogs):
    for lang in ("fr", "ar", "uk"):
        commands = api.commands(language_code=lang)
        assert [c["command"] for c in commands] == ["start", "menu", "language", "help"]
        assert commands[2]["description"] == catalogs.gettext(lang, "Changer de langue")
    assert api.commands()[1]["description"] == "Le menu"


def test_a_refused_command_menu_is_a_warning_not_a_crash(
    api: StandIn, database_url: str, tmp_path: Path, faq_cache: str
):
    api.fail_next("setMyCommands", status=400, description="Bad Request: BOT_COMMAND_INVALID", times=3)
    process = BotProcess(api, database_url, tmp_path)
    process.start()
    try:
        seen = Resident(api, 1004, "Yasmine", "fr").start()
        assert seen[0].text.startswith("Bonjour Yasmine")
    finally:
        process.stop()
    log = process.log()
    assert "refused the command list" in log and "Traceback" not in log


def test_telegram_flood_limits_and_outages_are_waited_out(api: StandIn, bot: BotProcess):
    leila = Resident(api, 1005, "Leila", "fr")
    api.fail_next("sendMessage", status=429, retry_after=1)
    api.push_message(leila.user_id, "/start")
    api.wait_until(lambda: len(leila.bot_entries()) == 2, timeout=20)  # greeting and consent, after the wait
    assert leila.texts()[0].startswith("Bonjour Leila")
    assert any(r.method == "sendMessage" and r.status == 429 for r in api.records())
    leila.press_data(leila.last.message_id, leila.last.buttons[0][0][1])  # consent
    api.wait_until(lambda: "annonces" in leila.texts()[-1], timeout=20)
    api.fail_next("sendMessage", status=502)
    api.fail_next("editMessageText", status=500)
    leila.press_data(leila.last.message_id, leila.last.buttons[0][1][1])  # no announcements
    api.wait_until(lambda: leila.texts()[-1] == "Que voulez-vous faire ? 👇", timeout=20)
    assert leila.texts()[-2].startswith("👍 C'est noté : pas d'annonces.")


def test_stickers_voice_photos_and_edits_get_a_kind_answer(api: StandIn, bot: BotProcess):
    omar = Resident(api, 1006, "Omar", "fr")
    agree(omar)
    assert omar.send_sticker()[-1].text.startswith("😊")
    assert "messages vocaux" in omar.send_voice()[-1].text
    assert "photos" in omar.send_photo("mon projet")[-1].text
    assert "fichiers" in omar.send_document("cv.pdf")[-1].text
    assert "contacts" in omar.send_contact()[-1].text
    assert "📅 Réunions d'information" in omar.send_location()[-1].text
    assert "sondages" in omar.send_poll()[-1].text
    assert omar.send_dice()[-1].text.startswith("🎲")
    nadia = Resident(api, 1016, "Nadia", "ar")
    agree(nadia)
    assert nadia.send_voice()[-1].text.startswith("🎤 لا أستطيع بعد الاستماع")  # in her language
    assert omar.send("c koi une cae")[-1].buttons
    typed = [e for e in omar.transcript() if not e.from_bot and e.kind == "text"][-1]
    seen = omar.edit(typed.message_id, "c quoi une CAE ?")
    assert seen and seen[-1].buttons


def test_an_update_the_library_cannot_read_is_skipped_once_and_quietly(api: StandIn, bot: BotProcess):
    """One unreadable update used to stop polling for everyone and fill the log with its content."""
    lina = Resident(api, 1017, "Lina", "fr")
    agree(lina)
    update_id = api.push_unreadable(1017, "Lina Benali, 06 12 34 56 78")
    assert lina.send("c koi une cae")[-1].buttons  # the next message is answered
    skipped = [line for line in bot.log().splitlines() if f"update {update_id} " in line]
    assert len(skipped) == 1 and "WARNING" in skipped[0]
    assert "Benali" not in bot.log() and "CRITICAL" not in bot.log()


def test_old_and_forged_buttons_are_answered_and_change_nothing(api: StandIn, bot: BotProcess):
    nadia = Resident(api, 1007, "Nadia", "fr")
    agree(nadia)
    data_screen = nadia.press("🔒 Mes données")[0]
    erase = next(value for label, value in data_screen.buttons[0] if label == "🗑️ Tout effacer")
    nadia.send("/menu")
    before = nadia.texts()
    assert nadia.press_data(data_screen.message_id, erase, quiet=1.0) == []
    assert "plus actif" in str(nadia.last_answer["text"])
    for forged in ("1:erase.yes", "x" * 64, "💥"):
        nadia.press_data(nadia.last.message_id, forged, quiet=1.0)
        assert nadia.last_answer is not None
    assert nadia.texts() == before


def test_a_resident_who_blocked_the_bot_does_not_stop_the_others(api: StandIn, bot: BotProcess):
    gone = Resident(api, 1008, "Gone", "fr")
    api.push_message(gone.user_id, "/start")
    api.block(gone.user_id)  # blocks the bot before its answer arrives
    still_here = Resident(api, 1009, "Ines", "fr")
    assert still_here.start()[0].text.startswith("Bonjour Ines")
    assert "cannot be reached" in bot.log()


def test_names_are_escaped_for_telegram_html(api: StandIn, bot: BotProcess):
    tricky = Resident(api, 1010, "<b>Bob</b> & <i", "fr")
    seen = tricky.start()
    assert seen[0].text.startswith("Bonjour <b>Bob</b> & <i 👋")
    assert seen[0].parse_mode == "HTML"


def test_webhook_mode_with_secret_token(api: StandIn, database_url: str, tmp_path: Path, faq_cache: str):
    process = BotProcess(api, database_url, tmp_path, webhook=True)
    process.start()
    try:
        params = api.calls("setWebhook")[-1][1]
        assert params["secret_token"] == process.secret
        seen = Resident(api, 1011, "Mariam", "ar").start()
        assert ARABIC.search(seen[0].text)
        forged = urllib.request.Request(
            params["url"],
            data=b'{"update_id": 999, "message": {}}',
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "wrong"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 403

        # Telegram retries an update whose answer timed out: the same update twice gets one answer
        chat = {"id": 1011, "type": "private", "first_name": "Mariam"}
        sender = {"id": 1011, "is_bot": False, "first_name": "Mariam", "language_code": "ar"}
        update = {"update_id": 5_000, "message": {"message_id": 4_000, "date": int(time.time()), "chat": chat,
                                                   "from": sender, "text": "شنو هي CAE؟"}}  # fmt: skip
        before = len([e for e in api.transcript(1011) if e.from_bot])
        for _ in range(2):
            retried = urllib.request.Request(
                params["url"],
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": process.secret},
            )
            urllib.request.urlopen(retried, timeout=5).read()
        api.wait_until(lambda: len([e for e in api.transcript(1011) if e.from_bot]) > before)
        time.sleep(2)  # time enough for a second answer, if there were one
        assert len([e for e in api.transcript(1011) if e.from_bot]) == before + 1
    finally:
        process.stop()
    assert "Traceback" not in process.log()


def test_a_wrong_token_or_an_unreachable_api_is_one_line(api: StandIn, tmp_path: Path):
    process = BotProcess(api, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    for change in ({"TELEGRAM_BOT_TOKEN": "999:WRONG"}, {"TELEGRAM_API_URL": "http://127.0.0.1:9"}):
        env = {**process.env, **change}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("tremplin: ") and "Traceback" not in result.stderr, result.stderr
