"""End to end: residents take the screening on Telegram (stand-in), in French, Arabic and Spanish."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.core.screening.loader import load_screening
from bot.i18n import Catalogs
from tests import screening_paths as paths
from tests.botprocess import BotProcess, agree
from tests.conftest import ARABIC
from tests.standin import Entry, Resident, StandIn

OPEN = "🧭 Où en est mon projet ?"


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(PROJECT_ROOT / "locales")


@pytest.fixture(scope="module")
def steps() -> dict[str, str]:
    screening, _ = load_screening(PROJECT_ROOT / "dialogues" / "screening.yml")
    return {sid: step.text for sid, step in screening.steps.items()}


class Walker:
    """A resident who taps the buttons that mean what they want, in their own language."""

    def __init__(self, resident: Resident, lang: str, catalogs: Catalogs) -> None:
        self.resident, self.lang, self.catalogs = resident, lang, catalogs

    def tap(self, french_label: str) -> list[Entry]:
        return self.resident.press(self.catalogs.gettext(self.lang, french_label), quiet=None)

    def start(self) -> None:
        self.resident.start()
        agree(self.resident, self.lang)

    def walk(self, answers: list[str | tuple[str, str]]) -> list[Entry]:
        seen: list[Entry] = []
        for step in answers:
            seen = self.resident.send(step[1]) if isinstance(step, tuple) else self.tap(step)
        return seen


def proposed(text: str, lang: str, catalogs: Catalogs, steps: dict[str, str]) -> list[str]:
    where = {sid: text.find(catalogs.gettext(lang, step)) for sid, step in steps.items()}
    return [sid for sid, at in sorted(where.items(), key=lambda item: item[1]) if at >= 0]


@pytest.mark.parametrize(
    ("path", "lang", "user_id"),
    [
        ("TEEN", "ar", 2001),
        ("QPV_JOBSEEKER_NO_MONEY", "fr", 2002),
        ("EMPLOYED_READY", "es", 2003),
        ("RESTAURANT_NEVER_COOKED", "fr", 2004),
        ("URGENT_INCOME", "ar", 2005),
    ],
)
def test_residents_paths_end_in_fitting_next_steps(
    api: StandIn, bot: BotProcess, catalogs: Catalogs, steps: dict[str, str], path: str, lang: str, user_id: int
):
    walker = Walker(Resident(api, user_id, "Sam", lang, settle=0.3), lang, catalogs)
    walker.start()
    first = walker.tap(OPEN)[0]
    seen = walker.walk(getattr(paths, path))
    summary = seen[-1]
    assert summary.message_id != first.message_id  # a new message that stays in the history
    assert proposed(summary.text, lang, catalogs, steps) == paths.EXPECTED_STEPS[path]
    if lang == "ar":
        assert ARABIC.search(summary.text)
    if lang != "fr":
        for french in ("Voici ce que je vous propose", "Pour l'instant", "Merci"):
            assert french not in summary.text
    shown = walker.resident.bot_entries()
    screening_messages = [e for e in shown if e.message_id >= first.message_id]
    assert len(screening_messages) <= 5  # questions edited in place, new ones only after a typed answer
    assert [e.message_id for e in shown if e.buttons] == [summary.message_id]  # one live keyboard


def test_summary_buttons_lead_to_sessions_and_a_counsellor(api: StandIn, bot: BotProcess, catalogs: Catalogs):
    walker = Walker(Resident(api, 2006, "Sofia", "es", settle=0.3), "es", catalogs)
    walker.start()
    walker.tap(OPEN)
    summary = walker.walk(paths.EMPLOYED_READY)[-1]
    assert summary.labels[:2] == [
        catalogs.gettext("es", "🙋 Parler à un conseiller"),
        catalogs.gettext("es", "📅 Réunions d'information"),
    ]
    seen = walker.tap("🙋 Parler à un conseiller")
    assert "04 65 71 00 00" in seen[0].text


def test_a_resident_who_stops_half_way_resumes_after_a_restart(api: StandIn, bot: BotProcess, catalogs: Catalogs):
    walker = Walker(Resident(api, 2007, "Olena", "ar", settle=0.3), "ar", catalogs)
    walker.start()
    walker.tap(OPEN)
    walker.walk(paths.TEEN[:6])
    walker.resident.send("/menu")
    bot.restart()
    seen = walker.tap(OPEN)
    assert ARABIC.search(seen[0].text)
    seen = walker.tap("▶️ Continuer")
    assert "7" in seen[0].text
    summary = walker.walk(paths.TEEN[6:])[-1]
    assert proposed(
        summary.text,
        "ar",
        catalogs,
        steps={"youth_coop": load_screening(PROJECT_ROOT / "dialogues" / "screening.yml")[0].steps["youth_coop"].text},
    ) == ["youth_coop"]


def test_why_back_and_a_parked_question_over_telegram(api: StandIn, bot: BotProcess, catalogs: Catalogs):
    walker = Walker(Resident(api, 2008, "Karim", "fr", settle=0.3), "fr", catalogs)
    walker.start()
    walker.tap(OPEN)
    assert walker.tap("❔ Pourquoi ?") == []
    answer = walker.resident.last_answer
    assert answer is not None and answer.get("show_alert") and "par où commencer" in str(answer["text"])
    walker.tap("💡 J'ai une idée")
    walker.resident.send("coiffure")
    seen = walker.resident.send("je touche le RSA, je le perds ?")
    assert "J'ai noté votre message" in seen[-2].text and "Question 3" in seen[-1].text
    seen = walker.resident.send("/back")
    assert "Question 2" in seen[-1].text and "coiffure" in seen[-1].text
    walker.resident.send("/menu")
    assert "Que voulez-vous faire" in walker.resident.last.text
