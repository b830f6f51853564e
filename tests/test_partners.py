"""The partner guide: its file is checked entry by entry, and residents find who can help them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from bot.core.partners.content import read_partners
from bot.core.screening.loader import load_screening
from bot.core.territory import load_territory
from tests.conftest import ARABIC

TERRITORY = load_territory(PROJECT_ROOT / "knowledge" / "territory.yml")
STEPS = set(load_screening(PROJECT_ROOT / "dialogues" / "screening.yml")[0].steps)
TOPICS = {p.stem for p in (PROJECT_ROOT / "knowledge" / "entries").glob("*.yml")}
TODAY = date(2026, 12, 7)

GOOD = {
    "id": "adie-test",
    "name": "Adie",
    "what": {lang: "Des micro-crédits." for lang in ("fr", "en", "ar", "es", "pt", "tr", "uk")},
    "stages": ["preparing", "launching"],
    "fields": ["financing"],
    "audience": {"ages": [18, 99], "groups": ["anyone"]},
    "areas": ["Clermont-Ferrand"],
    "latitude": 45.78,
    "longitude": 3.09,
    "hours": {"mon": ["09:00-12:00"]},
    "languages": ["fr", "ar"],
    "steps": ["funding"],
    "topics": ["microcredit"],
    "sources": [{"name": "Adie", "url": "https://www.adie.org"}],
    "checked": TODAY,
}


def problems_of(tmp_path: Path, **changes: object) -> list[str]:
    entry = {**GOOD, **changes}
    entry = {key: value for key, value in entry.items() if value is not None}
    path = tmp_path / "partners.yml"
    path.write_text(yaml.safe_dump({"partners": [entry]}, allow_unicode=True), encoding="utf-8")
    return read_partners(path, TERRITORY, TODAY, STEPS, TOPICS)[1]


def test_a_complete_entry_has_no_problem(tmp_path: Path):
    assert problems_of(tmp_path) == []


def test_each_kind_of_broken_entry_is_named(tmp_path: Path):
    cases = {
        "unknown stages ['someday']": {"stages": ["someday"]},
        "unknown fields ['magic']": {"fields": ["financing", "magic"]},
        "what: missing in ar, uk": {"what": {**GOOD["what"], "ar": "", "uk": None}},  # type: ignore[dict-item]
        "sources: at least one": {"sources": []},
        "more than a year ago": {"checked": date(2025, 10, 1)},
        "outside the territory": {"latitude": 48.85, "longitude": 2.35},  # Paris
        "unknown audience groups": {"audience": {"groups": ["martians"]}},
        "steps ['nowhere']": {"steps": ["nowhere"]},
        "topics ['no-such-entry']": {"topics": ["no-such-entry"]},
        "id 'Bad Id!'": {"id": "Bad Id!"},
        "unknown key 'phone_number'": {"phone_number": "06"},
        "latitude and longitude go together": {"longitude": None},
        'is not a "HH:MM-HH:MM" range': {"hours": {"mon": ["9h-12h"]}},
    }
    for expected, change in cases.items():
        found = problems_of(tmp_path, **change)
        assert any(expected in problem for problem in found), (expected, found)
        assert all(problem.startswith("partners.yml: partners[0] (") for problem in found), found


# -- residents and counsellors, on the shipped guide ----------------------------------------------


async def guided(person, uid: str, path=None, **kwargs):  # type: ignore[no-untyped-def]
    from tests.test_screening import OPEN, ready, walk

    someone = await ready(person, uid, **kwargs)
    if path is not None:
        await someone.press(OPEN)
        await walk(someone, path)
    await someone.send("/menu")
    return someone


def names(seen) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text.splitlines()[0] for m in seen if m.text.startswith("🤝")]


async def test_a_17_year_old_with_an_idea_is_shown_the_youth_options_and_the_mission_locale(person, runtime):
    from tests import screening_paths as paths

    teen = await guided(person, "7201", paths.TEEN)  # 17, "I have an idea"
    await teen.press("🤝 Qui peut m'aider ?")
    await teen.press("💡 J'ai une idée")
    seen = await teen.press("🧱 Construire mon projet")
    shown = " ".join(names(seen))
    assert "Mission Locale" in shown and "jeunesse" in shown.lower(), shown  # and the youth cooperative
    assert len(names(seen)) <= 3


async def test_someone_from_a_priority_neighbourhood_who_needs_money_is_shown_who_lends(person, runtime):
    amina = await guided(person, "7202")
    await amina.send("/start nb-croix-de-neyrat")
    await amina.press("🤝 Qui peut m'aider ?")
    await amina.press("🛠️ Je prépare mon projet")
    seen = await amina.press("💶 Trouver de l'argent")
    shown = " ".join(names(seen))
    assert any(word in shown for word in ("Initiative", "Adie", "France Active")), shown
    assert all("Mission Locale" not in name for name in names(seen))  # not for her need


async def test_a_partner_with_an_address_comes_with_its_map(person, runtime):
    from dataclasses import replace as swap

    from bot.core.dialogue import Dialogue
    from bot.core.partners.content import Partners

    adie = runtime.core.partners.get("adie-clermont")
    lender = swap(adie, latitude=45.7772, longitude=3.0870, address="Place de Jaude")  # as if its office were known
    runtime.core = swap(runtime.core, partners=Partners((lender,)))
    runtime.dialogue = Dialogue(runtime.core)
    sam = await guided(person, "7203")
    await sam.press("🤝 Qui peut m'aider ?")
    await sam.press("🛠️ Je prépare mon projet")
    seen = await sam.press("💶 Trouver de l'argent")
    card = next(m for m in seen if m.text.startswith("🤝"))
    assert card.venue is not None and card.venue.latitude == 45.7772 and "Place de Jaude" in card.text


async def test_an_arabic_speaker_gets_the_cards_in_arabic(person, runtime):
    nour = await guided(person, "7204", language_code="ar")
    await nour.press("🤝 Qui peut m'aider ?")
    await nour.press("🛠️ Je prépare mon projet")
    seen = await nour.press("💶 Trouver de l'argent")
    cards = [m for m in seen if m.text.startswith("🤝")]
    assert cards and all(ARABIC.search(card.text.splitlines()[1]) for card in cards)


async def test_the_screening_and_the_answers_open_the_same_cards(person, runtime):
    from tests import screening_paths as paths

    teen = await guided(person, "7205", paths.TEEN)
    summary = await teen.press("🧭 Où en est mon projet ?")
    labels = [b.label for m in summary for row in m.buttons for b in row]
    assert any(label.startswith("🤝 Mission Locale") for label in labels), labels
    seen = await teen.press("🤝 Mission Locale")
    assert seen[0].text.startswith("🤝 <b>") and "Mission Locale" in seen[0].text
    answer = await teen.send("c koi un pret d honneur")
    labels = [b.label for m in answer for row in m.buttons for b in row]
    assert any(label.startswith("🤝 Initiative") for label in labels), labels


# -- the printed guide ----------------------------------------------------------------------------


def test_the_printed_guide_has_every_partner_in_french_and_in_arabic(tmp_path: Path, runtime):
    from bot.cli.partners import guide_of
    from bot.printing.guide import write_html, write_pdf
    from tests.test_printing import decoded, page_size_mm, pdf_text, run, tool, words

    for lang in ("fr", "ar"):
        guide = guide_of(runtime, lang, "TremplinTestBot")
        pdf = write_pdf(guide, tmp_path / f"guide-{lang}.pdf")
        pages, size = page_size_mm(pdf)
        assert pages >= 2 and [round(v) for v in size] == [210, 297]  # A4
        text = words(pdf_text(pdf))
        for partner in runtime.core.partners.items:
            assert words(partner.name) in text, (lang, partner.name)
            said = words(partner.said(lang)).split()
            if lang == "ar":  # right-to-left lines with Latin names come out of pdftotext in another order
                assert all(word in text for word in said if ARABIC.search(word)), (lang, partner.id)
            else:
                assert " ".join(said[:8]) in text, (lang, partner.id)
        if lang == "ar":
            assert ARABIC.search(text)
        first_page = ("-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / lang))
        run(tool("pdftoppm", "poppler-utils"), *first_page)
        assert decoded(tmp_path / f"{lang}-1.png") == ["https://t.me/TremplinTestBot"]  # the QR code reads
    page = write_html(guide_of(runtime, "ar", None), tmp_path / "guide.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in page and all(p.name.replace("'", "&#x27;") in page for p in runtime.core.partners.items)
