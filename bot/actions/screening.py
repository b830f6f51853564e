"""`validate_screening_form`: Rasa's form over the questionnaire of `dialogues/screening.yml`.

Each question is a slot named `screening_<question id>`. Which slots are required follows the
questionnaire's own conditions, and typed answers are checked exactly as on Telegram.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.config import load_settings
from bot.core.normalise import plain_words
from bot.core.screening.loader import load_screening
from bot.core.screening.model import TYPED, Screening
from bot.core.territory import ContentError
from bot.i18n import Catalogs, supported

PREFIX = "screening_"
Validator = Callable[[Any, CollectingDispatcher, Tracker, dict[str, Any]], dict[str, Any]]


def slot(question_id: str) -> str:
    return PREFIX + question_id


def answers_from_slots(screening: Screening, slots: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """Slot values back to the engine's answers: an answer id, or a typed value."""
    given: dict[str, tuple[str, str | None]] = {}
    for question in screening.questions:
        value = slots.get(slot(question.id))
        if value is None:
            continue
        if question.answer(str(value)) is not None:
            given[question.id] = (str(value), None)
        else:
            given[question.id] = (TYPED, str(value))
    return given


class ValidateScreeningForm(FormValidationAction):  # type: ignore[misc]
    """Validates every screening slot with the rules the Telegram bot uses."""

    def __init__(self, screening: Screening | None = None, catalogs: Catalogs | None = None) -> None:
        super().__init__()
        if screening is None or catalogs is None:
            settings = load_settings()
            loaded, problems = load_screening(settings.content_dir / "dialogues" / "screening.yml")
            if problems:
                raise ContentError(f"dialogues/screening.yml: {problems[0]}")
            screening = screening or loaded
            catalogs = catalogs or Catalogs(settings.content_dir / "locales", settings.default_language)
        self.screening = screening
        self.catalogs = catalogs

    def name(self) -> str:
        return "validate_screening_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        """Only the questions whose conditions hold, in questionnaire order."""
        given = answers_from_slots(self.screening, tracker.slots)
        return [slot(q.id) for q in self.screening.questions if self.screening.applies(q, given)]

    def __getattr__(self, name: str) -> Validator:
        if name.startswith("validate_" + PREFIX):
            question = self.screening.question(name[len("validate_" + PREFIX) :])
            if question is not None:
                return self._validator(question.id)
        raise AttributeError(name)

    def _validator(self, question_id: str) -> Validator:
        def validate(
            value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
        ) -> dict[str, Any]:
            question = self.screening.question(question_id)
            assert question is not None
            lang = supported(tracker.get_slot("language"), self.catalogs.default)
            text = "" if value is None else str(value)
            if question.answer(text) is not None:
                return {slot(question_id): text}
            words = plain_words(text)
            for answer in question.answers:
                labels = {plain_words(answer.label), plain_words(self.catalogs.gettext(lang, answer.label))}
                if words and words in labels:
                    return {slot(question_id): answer.id}
            if question.free is not None:
                parsed = question.free.parse(text)
                if parsed is not None:
                    return {slot(question_id): parsed}
                dispatcher.utter_message(text=self.catalogs.gettext(lang, question.free.error))
                return {slot(question_id): None}
            choices = " / ".join(self.catalogs.gettext(lang, a.label) for a in question.answers)
            dispatcher.utter_message(text=f"{self.catalogs.gettext(lang, question.text)}\n{choices}")
            return {slot(question_id): None}

        return validate
