"""End to end: residents ask questions on Telegram (stand-in), in their words and languages."""

from __future__ import annotations

import subprocess
import sys
import time

from bot.config import PROJECT_ROOT
from bot.i18n import Catalogs
from tests.botprocess import BotProcess, agree
from tests.conftest import ARABIC
from tests.standin import Resident, StandIn

CATALOGS = Catalogs(PROJECT_ROOT / "locales")


def agreed(api: StandIn, user_id: int, lang: str) -> Resident:
    resident = Resident(api, user_id, "Amina", lang)
    resident.start()
    agree(resident, lang)
    return resident


def test_a_french_question_with_typos_is_answered_with_source_and_feedback(api: StandIn, bot: BotProcess):
    amina = agreed(api, 5001, "fr")
    seen = amina.send("c koi l acre et kom on la demende")
    answer = seen[-1]
    assert answer.text.startswith("L'ACRE")  # the title, shown in bold
    assert any(entity["type"] == "bold" for entity in answer.entities)
    assert "📚 Source" in answer.text
    assert "👍 Oui" in amina.buttons and "👎 Non" in amina.buttons
    amina.press("👍 Oui")
    assert amina.last_answer is not None and amina.last_answer.get("text") == "Merci ! 🙏"


def test_an_arabic_question_is_answered_in_arabic(api: StandIn, bot: BotProcess):
    karim = agreed(api, 5002, "fr")  # Telegram in French, the question in Moroccan Arabic
    seen = karim.send("شحال خاصني من الفلوس باش نبدا مشروع صغير؟ ما عنديش بزاف")
    assert ARABIC.search(seen[-1].text)
    switch = CATALOGS.gettext("ar", "🌍 Continuer en {language}").split("{")[0]
    assert any(label.startswith(switch) for label in karim.buttons)


def test_an_unsure_match_offers_topics_then_answers_the_one_chosen(api: StandIn, bot: BotProcess):
    sara = agreed(api, 5003, "fr")
    seen = sara.send("aide")
    assert seen[-1].text.startswith("🤔")
    choices = [label for label in sara.buttons if label.startswith("➡️")]
    assert 1 <= len(choices) <= 3 and "🙋 Parler à un conseiller" in sara.buttons
    seen = sara.press(choices[0])
    assert "📚 Source" in seen[-1].text


def test_out_of_scope_is_answered_kindly(api: StandIn, bot: BotProcess):
    moussa = agreed(api, 5004, "fr")
    seen = moussa.send("je cherche un taf de cuisinier dans un resto, vous avez des offres ?")
    assert "je n'ai pas de réponse" in seen[-1].text
    assert "🙋 Parler à un conseiller" in moussa.buttons
    seen = moussa.send("qui a gagné le match du psg hier soir")
    assert "je n'ai pas de réponse" in seen[-1].text
    assert not any(label.startswith("➡️") for label in moussa.buttons)  # nothing near: no topic offered


def test_a_thumbs_down_lands_in_knowledge_gaps(api: StandIn, bot: BotProcess):
    lina = agreed(api, 5005, "fr")
    lina.send("c koi la cfe et je dois la payer la 1ere annee ?")
    lina.press("👎 Non")
    assert "transmise à l'équipe" in lina.last.text
    result = subprocess.run(
        [sys.executable, "-m", "bot", "knowledge", "gaps"],
        env=bot.env, cwd=bot.workdir, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "answered, then 👎" in result.stdout and "c koi la cfe" in result.stdout


def test_a_fresh_start_answers_the_first_question_within_seconds(api: StandIn, tmp_path):
    """An empty FAQ cache, as on a fresh clone: the first question is answered within 15 s of the
    start, and buttons never wait for the build (the embeddings are still being computed)."""
    empty = tmp_path / "cache"
    process = BotProcess(api, f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path)
    process.env["TREMPLIN_CACHE_DIR"] = str(empty)
    started = time.monotonic()
    process.start()
    try:
        amina = agreed(api, 5101, "fr")
        asked = time.monotonic()
        amina.send("/menu")
        amina.press(CATALOGS.gettext("fr", "🌍 Langue"))
        assert time.monotonic() - asked < 3, "the menu waited for the FAQ to be built"
        seen = amina.send("c koi l acre et kom on la demende")
        while seen[-1].text.startswith("⏳"):  # "I'm preparing my answers; your question is kept"
            assert "🔁 Voir la réponse" in amina.buttons
            time.sleep(1)
            seen = amina.press("🔁 Voir la réponse")
        elapsed = time.monotonic() - started
        assert seen[-1].text.startswith("L'ACRE"), seen[-1].text
        assert elapsed < 15, f"first answer {elapsed:.1f} s after the start"
    finally:
        process.stop()
    errors = [line for line in process.log().splitlines() if " ERROR " in line or "Traceback" in line]
    assert not errors, process.log()
