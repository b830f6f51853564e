"""An organisation running Rasa gets the same questionnaire and the same checks through rasa-sdk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import ValidateScreeningForm
from bot.actions.domain import rasa_domain_yaml
from bot.config import PROJECT_ROOT
from bot.core.screening.loader import load_screening
from bot.i18n import Catalogs


@pytest.fixture(scope="module")
def action() -> ValidateScreeningForm:
    screening, problems = load_screening(PROJECT_ROOT / "dialogues" / "screening.yml")
    assert problems == []
    return ValidateScreeningForm(screening, Catalogs(PROJECT_ROOT / "locales"))


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "dialogues" / "rasa" / "domain.yml").read_text(encoding="utf-8"))


async def fill(action, domain, slots: dict[str, Any], typed: dict[str, Any], language: str = "fr"):  # type: ignore[no-untyped-def]
    """What Rasa's form loop sends: the slots so far, then the candidate values of this turn."""
    events = [{"event": "user", "text": "x"}] + [
        {"event": "slot", "name": name, "value": value} for name, value in typed.items()
    ]
    all_slots = {"language": language, **slots, **typed}
    tracker = Tracker("amina", all_slots, {"text": "x"}, events, False, None, {"name": "screening_form"}, None)
    dispatcher = CollectingDispatcher()
    result = await action.run(dispatcher, tracker, domain)
    return {e["name"]: e["value"] for e in result if e.get("event") == "slot"}, [m["text"] for m in dispatcher.messages]


async def test_a_good_answer_is_kept_and_the_next_question_follows_the_conditions(action, domain):
    slots, said = await fill(action, domain, {}, {"screening_stage": "no_idea"})
    assert slots["screening_stage"] == "no_idea" and said == []
    assert slots["requested_slot"] == "screening_motivation"  # activity, trade and market are skipped


async def test_an_age_of_abc_or_300_is_asked_again(action, domain):
    for wrong in ("abc", "300"):
        slots, said = await fill(action, domain, {"screening_stage": "idea"}, {"screening_age": wrong})
        assert slots["screening_age"] is None
        assert said == ["Je n'ai pas compris. Écrivez votre âge en chiffres, par exemple 34."]
    slots, said = await fill(action, domain, {"screening_stage": "idea"}, {"screening_age": "34 ans"})
    assert slots["screening_age"] == "34" and said == []


async def test_button_words_in_the_residents_language_are_understood(action, domain):
    catalogs = action.catalogs
    label = catalogs.gettext("ar", "🏘️ Oui")
    slots, _ = await fill(action, domain, {}, {"screening_qpv": label}, language="ar")
    assert slots["screening_qpv"] == "yes"
    slots, said = await fill(action, domain, {}, {"screening_qpv": "peut-être"}, language="fr")
    assert slots["screening_qpv"] is None and "quartier prioritaire" in said[0]


def test_the_rasa_domain_is_generated_from_the_questionnaire(action, tmp_path: Path):
    committed = (PROJECT_ROOT / "dialogues" / "rasa" / "domain.yml").read_text(encoding="utf-8")
    assert committed == rasa_domain_yaml(action.screening, action.catalogs), (
        "dialogues/rasa/domain.yml is stale: run `tremplin dialogues rasa-domain > dialogues/rasa/domain.yml`"
    )
