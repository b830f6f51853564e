"""Every text a resident reads exists, translated, in every language, and fits on a phone."""

from __future__ import annotations

import pytest

from bot.cli.i18n import check
from bot.config import PROJECT_ROOT, SUPPORTED_LANGUAGES
from bot.core.context import Core
from bot.core.territory import load_territory
from bot.i18n import LANGUAGE_NAMES, Catalogs, format_clock, format_day
from bot.telegram.commands import COMMANDS, command_list


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(PROJECT_ROOT / "locales")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_catalog_is_complete_with_tags_and_slots_intact(lang):
    problems = check(PROJECT_ROOT)[lang]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED_LANGUAGES if lang != "fr"])
def test_translations_are_not_french_or_english_copies(catalogs, lang):
    sample = (
        "Pour vous aider, je garde votre prénom, votre langue, vos réponses, vos derniers messages et vos rendez-vous."
    )
    assert catalogs.gettext(lang, sample) != sample


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_menu_labels_fit_a_small_phone(catalogs, lang):
    """About 30 characters fit a full-width button on a 390-pixel phone, about 14 on each of two."""
    full = [
        "🧭 Où en est mon projet ?",
        "📅 Réunions d'information",
        "❓ Poser une question",
        "🙋 Parler à un conseiller",
        "✅ Oui, d'accord",
        "🙅 Non merci",
        "⬅️ Menu",
        "🗑️ Tout effacer",
        "🚫 Retirer mon accord",
        "✅ Donner mon accord",
        "🗑️ Oui, tout effacer",
        "⬅️ Non, retour",
    ]
    half = ["🌍 Langue", "🔒 Mes données"]
    for label in full:
        assert len(catalogs.gettext(lang, label)) <= 30, catalogs.gettext(lang, label)
    for label in half:
        assert len(catalogs.gettext(lang, label)) <= 14, catalogs.gettext(lang, label)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_bot_commands_follow_telegram_rules(catalogs, lang):
    core = Core(catalogs=catalogs, territory=load_territory(PROJECT_ROOT / "knowledge" / "territory.yml"))
    commands = command_list(core, lang)
    assert [name for name, _ in commands] == [name for name, _ in COMMANDS]
    for name, description in commands:
        assert name.islower() and 1 <= len(name) <= 32
        assert 1 <= len(description) <= 256


def test_languages_are_named_in_their_own_script():
    assert LANGUAGE_NAMES["ar"] == "العربية" and LANGUAGE_NAMES["uk"] == "Українська"


def test_dates_are_written_out_in_paris_time():
    from datetime import UTC, datetime

    moment = datetime(2026, 6, 9, 12, 30, tzinfo=UTC)  # 14:30 in Paris (summer time)
    assert format_day(moment, "fr") == "mardi 9 juin"
    assert format_clock(moment, "fr") == "14:30"
    assert "يونيو" in format_day(moment, "ar")
