"""The territory file: another city is a data change, and a mistake in it is named clearly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.core.territory import ContentError, load_territory
from bot.i18n import PARIS

DEMO = PROJECT_ROOT / "knowledge" / "territory.yml"


def test_the_demo_territory_loads():
    territory = load_territory(DEMO)
    assert territory.city == "Clermont-Ferrand"
    assert territory.neighbourhood("croix-de-neyrat") is not None
    assert all(len(f"nb-{n.code}") <= 64 for n in territory.neighbourhoods)


def test_next_opening_skips_nights_weekends_and_holidays():
    territory = load_territory(DEMO)
    friday_night = datetime(2026, 12, 24, 22, 0, tzinfo=UTC)  # Christmas Eve, then Christmas and a weekend
    opening = territory.next_opening(friday_night)
    assert opening is not None
    local = opening.astimezone(PARIS)
    assert local.date().isoformat() not in ("2026-12-25", "2026-12-26", "2026-12-27")
    assert territory.is_open(opening)
    assert not territory.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("organisation: [", "not valid YAML"),
        ("neighbourhoods: []", "needs an 'organisation' section"),
        ("organisation: {name: X}\nneighbourhoods: [{code: 'Bad Code', name: X}]", "neighbourhoods[0].code"),
        ("organisation: {name: X}\noffice_hours: {monday: ['09:00-12:00']}", "unknown days"),
        ("organisation: {name: X}\noffice_hours: {mon: ['12:00-09:00']}", "ends before it starts"),
        ("organisation: {name: X}\npublic_holidays: [{date: 'soon'}]", "public_holidays[0]"),
        ("organisation: {name: X}\ncontacts: [{name: Y, steps: citeslab}]", "contacts[0].steps"),
        ("organisation: {name: X}\ncontacts: [{name: Y, hours: {mon: ['9h-12h']}}]", "contacts[0].hours.mon"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, content: str, message: str):
    path = tmp_path / "territory.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContentError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        load_territory(path)


def test_each_next_step_has_someone_to_contact():
    from datetime import date

    from bot.core.partners.content import read_partners
    from bot.core.screening.loader import load_screening

    screening, problems = load_screening(PROJECT_ROOT / "dialogues" / "screening.yml")
    assert problems == []
    topics = {p.stem for p in (PROJECT_ROOT / "knowledge" / "entries").glob("*.yml")}
    guide_file, day = PROJECT_ROOT / "knowledge" / "partners.yml", date(2026, 12, 7)
    guide, _ = read_partners(guide_file, load_territory(DEMO), day, set(screening.steps), topics)
    territory = guide.into(load_territory(DEMO))  # as the bot does: the guide's partners first
    named = {step for contact in territory.contacts for step in contact.steps}
    assert named <= set(screening.steps), f"territory.yml names unknown steps {sorted(named - set(screening.steps))}"
    assert territory.contact_for("citeslab").name.startswith("CitésLab")
    assert territory.contact_for("job_first").phone == "3949"  # France Travail, from the partner guide
    assert territory.contact_for("funding").name.startswith("Adie")
    ours = territory.contact_for("info_meeting")  # no partner named for it: the organisation itself
    assert ours.name == territory.name and ours.phone == territory.phone and ours.hours[0]
