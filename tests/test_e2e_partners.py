"""End to end: the partner guide on the Bot API stand-in, for residents and for counsellors."""

from __future__ import annotations

from bot.config import PROJECT_ROOT
from bot.i18n import Catalogs
from tests import screening_paths as paths
from tests.botprocess import BotProcess, agree
from tests.conftest import ARABIC
from tests.standin import Resident, StandIn
from tests.test_e2e_handover import GROUP, NADIA, desk, in_topic, wait_topic  # noqa: F401 (desk is a fixture)

CATALOGS = Catalogs(PROJECT_ROOT / "locales")


def cards(seen) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.text for e in seen if e.text.startswith("🤝")]


def ask_the_guide(person: Resident, lang: str, stage: str, need: str) -> list[str]:
    def tap(label: str):  # type: ignore[no-untyped-def]
        return person.press(CATALOGS.gettext(lang, label))

    person.send("/menu")
    tap("🤝 Qui peut m'aider ?")
    tap(stage)
    seen = tap(need)
    return cards(seen)


def test_a_17_year_old_with_an_idea_is_shown_the_youth_options(api: StandIn, bot: BotProcess):
    teen = Resident(api, 8101, "Yanis", "fr", settle=0.3)
    teen.start()
    agree(teen)
    teen.press("🧭 Où en est mon projet ?")
    for step in paths.TEEN:
        teen.send(step[1]) if isinstance(step, tuple) else teen.press(step)
    shown = " ".join(ask_the_guide(teen, "fr", "💡 J'ai une idée", "🧱 Construire mon projet"))
    assert "Mission Locale" in shown and "jeunesse" in shown.lower(), shown


def test_money_at_the_preparing_stage_and_in_arabic(api: StandIn, bot: BotProcess):
    amina = Resident(api, 8102, "Amina", "fr")
    amina.start("nb-croix-de-neyrat")
    agree(amina)
    shown = ask_the_guide(amina, "fr", "🛠️ Je prépare mon projet", "💶 Trouver de l'argent")
    assert shown and any(word in " ".join(shown) for word in ("Initiative", "Adie", "France Active")), shown
    nour = Resident(api, 8103, "Nour", "ar")
    nour.start()
    agree(nour, "ar")
    shown = ask_the_guide(nour, "ar", "🛠️ Je prépare mon projet", "💶 Trouver de l'argent")
    assert shown and all(ARABIC.search(card.splitlines()[1]) for card in shown)


def test_a_counsellor_sends_a_partner_card_to_the_resident(api: StandIn, desk: BotProcess):  # noqa: F811
    amina = Resident(api, 8104, "Amina", "ar")
    amina.start()
    agree(amina, "ar")
    amina.press(CATALOGS.gettext("ar", "🙋 Parler à un conseiller"))
    thread = wait_topic(api, "Amina · ")
    api.push_message(NADIA, "/partner adie", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: bool(cards(amina.bot_entries())), 15)
    card = cards(amina.bot_entries())[-1]
    assert "Adie" in card and ARABIC.search(card.splitlines()[1])  # in her language
    api.wait_until(lambda: any("Fiche envoyée" in e.text for e in in_topic(api, thread)), 15)
