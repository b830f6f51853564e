"""End to end: a resident asks for a person; counsellors answer from their forum group (stand-in)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import ANY

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.core.territory import load_territory
from bot.core.texts import Texts
from bot.i18n import PARIS, Catalogs, format_clock, format_day
from tests.botprocess import BotProcess, agree
from tests.standin import Resident, StandIn
from tests.standin.server import Entry

GROUP = -1001234567890
NADIA = 9001


@pytest.fixture
def desk(api: StandIn, database_url: str, tmp_path: Path, faq_cache: str) -> Iterator[BotProcess]:
    """The bot with a counsellors' forum group where Nadia is a member."""
    api.add_user(NADIA, "Nadia", language_code="fr")
    api.add_group(GROUP, "Conseillers Tremplin", is_forum=True, members={NADIA: "member"})
    process = BotProcess(api, database_url, tmp_path)
    process.env["TREMPLIN_COUNSELLORS_CHAT"] = str(GROUP)
    process.start()
    yield process
    process.stop()
    errors = [line for line in process.log().splitlines() if " ERROR " in line or "Traceback" in line]
    assert not errors, process.log()


def in_topic(api: StandIn, thread: int) -> list[Entry]:
    return [e for e in api.transcript(GROUP) if e.message_thread_id == thread and e.from_bot and not e.deleted]


def wait_topic(api: StandIn, name_start: str, timeout: float = 15.0) -> int:
    api.wait_until(
        lambda: any(t["name"].startswith(name_start) and not t["deleted"] for t in api.topics(GROUP).values()),
        timeout,
    )
    return max(tid for tid, t in api.topics(GROUP).items() if t["name"].startswith(name_start) and not t["deleted"])


def asks_for_a_person(api: StandIn, user_id: int, name: str, lang: str, words: str) -> tuple[Resident, int]:
    """A resident agrees to the bot keeping their data, asks for a person in their words; their topic,
    once its card is there (a counsellor acts on the card, not on an empty topic)."""
    person = Resident(api, user_id, name, lang)
    person.start()
    person.press(person.buttons[0])  # ✅ agree, in their language
    person.send(words)
    thread = wait_topic(api, f"{name} · ")
    api.wait_until(lambda: any(f"Demande de {name}" in e.text for e in in_topic(api, thread)))
    return person, thread


def shown_now(api: StandIn, thread: int, message_id: int) -> str:
    """The text of one message of the topic as counsellors see it now (after edits)."""
    return next(e.text for e in in_topic(api, thread) if e.message_id == message_id)


def test_flag_card_relay_both_ways_note_and_release(api: StandIn, desk: BotProcess):
    amina = Resident(api, 7001, "Amina", "fr")
    amina.start()
    agree(amina)
    seen = amina.press("🙋 Parler à un conseiller")
    assert "une personne va vous répondre ici" in seen[-1].text or "à l'ouverture" in seen[-1].text
    thread = wait_topic(api, "Amina · Français")
    api.wait_until(lambda: any("Demande de Amina" in e.text for e in in_topic(api, thread)))
    card = next(e for e in in_topic(api, thread) if "Demande de Amina" in e.text)
    assert "a demandé à parler à quelqu'un" in card.text and "Langue : Français" in card.text

    api.push_message(NADIA, "/take", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("Pris en charge par Nadia" in e.text for e in in_topic(api, thread)))
    before = len(amina.bot_entries())
    api.push_message(7001, "bonjour je suis un peu perdue avec mes papiers")
    api.wait_until(lambda: any("💬 bonjour je suis un peu perdue" in e.text for e in in_topic(api, thread)))
    assert len(amina.bot_entries()) == before  # the bot stays silent while a person has the conversation

    api.push_message(NADIA, "Bonjour Amina, je suis Nadia.", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("je suis Nadia" in e.text for e in amina.bot_entries()))
    api.push_photo(7001, "ma carte de sejour")
    api.wait_until(lambda: any(e.kind == "photo" and "carte de sejour" in e.text for e in in_topic(api, thread)))
    api.push_photo(NADIA, "le formulaire a remplir", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any(e.kind == "photo" and "formulaire" in e.text for e in amina.bot_entries()))
    api.push_message(NADIA, "// elle a l'air stressée, rappeler demain", chat_id=GROUP, message_thread_id=thread)
    api.push_message(NADIA, "/release", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("conversation avec la personne est terminée" in e.text for e in amina.bot_entries()))
    assert not any("stressée" in e.text for e in amina.bot_entries())  # notes are not relayed
    api.wait_until(lambda: any("Rendu au bot" in e.text for e in in_topic(api, thread)))

    seen = amina.send("c koi une cae")  # back to the bot
    assert "CAE" in seen[-1].text
    assert api.calls("getChatMember")  # counsellors are checked as members of the group


def test_someone_outside_the_group_cannot_take_a_conversation(api: StandIn, desk: BotProcess):
    amina = Resident(api, 7006, "Amina", "fr")
    amina.start()
    agree(amina)
    amina.press("🙋 Parler à un conseiller")
    thread = wait_topic(api, "Amina · Français")
    intruder = Resident(api, 7007, "Eve", "fr")
    intruder.start()
    seen = intruder.send("/take")
    assert any("Je ne connais pas cette commande" in e.text for e in seen)
    other = -1009999999999  # another group the bot was added to: nothing there acts on handovers
    api.add_group(other, "Autre groupe", is_forum=True)
    elsewhere = api.add_topic(other, "Amina")
    api.push_message(7007, "/take", chat_id=other, message_thread_id=elsewhere)
    api.wait_until(lambda: f"set TREMPLIN_COUNSELLORS_CHAT={other}" in desk.log())  # the operator learns its id
    api.wait_until(lambda: api.calls("leaveChat") != [])  # one polite line, then it leaves
    said = [e.text for e in api.transcript(other) if e.from_bot and e.kind != "forum_topic_created"]
    assert len(said) == 1 and "écrivez-moi directement" in said[0]
    api.push_message(7007, "/take", chat_id=other, message_thread_id=elsewhere)  # nobody hears it now
    assert not any("Pris en charge" in e.text for e in in_topic(api, thread))
    assert desk.log().count(f"left group {other}") == 1


def test_a_topic_deleted_by_hand_is_created_again(api: StandIn, desk: BotProcess):
    karim, first = asks_for_a_person(api, 7002, "Karim", "ar", "bghit nhder m3a chi wa7ed 3afak")
    assert api.topics(GROUP)[first]["name"].startswith("Karim · العربية")
    api.push_message(NADIA, "/release", chat_id=GROUP, message_thread_id=first)
    api.wait_until(lambda: any("Rendu au bot" in e.text for e in in_topic(api, first)))
    api.delete_topic(GROUP, first)
    karim.send("bghit nhder m3a chi wa7ed")
    api.wait_until(
        lambda: any(t["name"].startswith("Karim") and not t["deleted"] for t in api.topics(GROUP).values()), 15
    )
    second = wait_topic(api, "Karim · العربية")
    assert second != first
    api.wait_until(lambda: any("Karim" in e.text for e in in_topic(api, second)))


def test_a_counsellor_message_to_a_resident_who_blocked_the_bot_is_reported(api: StandIn, desk: BotProcess):
    _, thread = asks_for_a_person(api, 7003, "Lina", "fr", "je veux parler a quelqu'un svp")
    api.block(7003)
    api.push_message(NADIA, "Bonjour Lina, vous êtes là ?", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("Message non remis" in e.text for e in in_topic(api, thread)), 20)


def test_two_residents_at_once_each_in_their_own_topic(api: StandIn, desk: BotProcess):
    sara, omar = Resident(api, 7004, "Sara", "es"), Resident(api, 7005, "Omar", "tr")
    for person in (sara, omar):
        person.start()
        person.press(person.buttons[0])
    sara.send("quiero hablar con una persona")
    omar.send("bir insanla konusmak istiyorum")
    sara_topic, omar_topic = wait_topic(api, "Sara · Español"), wait_topic(api, "Omar · Türkçe")
    assert sara_topic != omar_topic
    api.push_message(NADIA, "Hola Sara", chat_id=GROUP, message_thread_id=sara_topic)
    api.push_message(NADIA, "Merhaba Omar", chat_id=GROUP, message_thread_id=omar_topic)
    api.wait_until(lambda: any("Hola Sara" in e.text for e in sara.bot_entries()))
    api.wait_until(lambda: any("Merhaba Omar" in e.text for e in omar.bot_entries()))
    assert not any("Omar" in e.text for e in sara.bot_entries())
    assert not any("Sara" in e.text for e in omar.bot_entries())
    api.push_message(NADIA, "/queue", chat_id=GROUP)
    api.wait_until(lambda: any("Demandes ouvertes" in e.text for e in api.transcript(GROUP) if e.from_bot))


def test_edits_follow_both_ways_and_the_card_shows_who_took_it(api: StandIn, desk: BotProcess):
    amina = Resident(api, 7011, "Amina", "fr")
    amina.start()
    agree(amina)
    amina.send("c koi l'acre")
    amina.send("je veux parler a une personne")
    thread = wait_topic(api, "Amina · Français")
    api.wait_until(lambda: any("Demande de Amina" in e.text for e in in_topic(api, thread)))
    card = next(e for e in in_topic(api, thread) if "Demande de Amina" in e.text)
    assert "« c koi l'acre » → réponse" in card.text  # what she asked the bot before
    assert "Prise en charge par" not in card.text

    api.push_message(NADIA, "/take", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: "Prise en charge par : Nadia" in shown_now(api, thread, card.message_id))

    said = api.push_message(7011, "j'ai un rdv mardi a la caf")
    api.wait_until(lambda: any("💬 j'ai un rdv mardi" in e.text for e in in_topic(api, thread)))
    relayed = next(e for e in in_topic(api, thread) if "💬 j'ai un rdv mardi" in e.text)
    count = len(in_topic(api, thread))
    api.push_edit(7011, said, "j'ai un rdv jeudi a la caf")
    api.wait_until(lambda: "✏️ j'ai un rdv jeudi" in shown_now(api, thread, relayed.message_id))
    assert len(in_topic(api, thread)) == count  # the same message, edited, not a new one

    answer = api.push_message(NADIA, "Je vous appelle mardi à 14 h.", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("Je vous appelle mardi" in e.text for e in amina.bot_entries()))
    shown = next(e for e in amina.bot_entries() if "Je vous appelle mardi" in e.text)
    received = len(amina.bot_entries())
    api.push_edit(NADIA, answer, "Je vous appelle jeudi à 14 h.", chat_id=GROUP)
    api.wait_until(lambda: "jeudi" in next(e for e in amina.bot_entries() if e.message_id == shown.message_id).text)
    assert len(amina.bot_entries()) == received
    api.push_edit(NADIA, answer, "// note : rappeler", chat_id=GROUP)  # a reply turned into a note: not relayed
    amina.wait_quiet(2.0)
    assert "jeudi" in next(e for e in amina.bot_entries() if e.message_id == shown.message_id).text

    photo = api.push_photo(7011, "ma carte")
    api.wait_until(lambda: any(e.kind == "photo" and e.text == "ma carte" for e in in_topic(api, thread)))
    copy = next(e for e in in_topic(api, thread) if e.kind == "photo")
    api.push_edit(7011, photo, "ma carte de séjour, recto")  # captions are edited too
    api.wait_until(lambda: shown_now(api, thread, copy.message_id) == "ma carte de séjour, recto")
    form = api.push_photo(NADIA, "le formulaire", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any(e.kind == "photo" and e.text == "le formulaire" for e in amina.bot_entries()))
    mine = next(e for e in amina.bot_entries() if e.kind == "photo")
    api.push_edit(NADIA, form, "le formulaire, page 2", chat_id=GROUP)
    api.wait_until(
        lambda: next(e for e in amina.bot_entries() if e.message_id == mine.message_id).text == "le formulaire, page 2"
    )


def test_a_burst_of_replies_reaches_the_resident_one_a_second_in_order(api: StandIn, desk: BotProcess):
    omar, thread = asks_for_a_person(api, 7012, "Omar", "tr", "bir insanla konusmak istiyorum")
    for i in range(4):
        api.push_message(NADIA, f"Mesaj {i}", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: sum("Mesaj" in e.text for e in omar.bot_entries()) == 4, 20)
    assert [e.text for e in omar.bot_entries() if "Mesaj" in e.text] == [f"🙋 Nadia\nMesaj {i}" for i in range(4)]
    sends = [r for r in api.records() if r.method == "sendMessage" and r.chat_id == 7012 and r.status == 200]
    starts = [r.started for r in sends if "Mesaj" in str(r.params.get("text"))]
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(starts)), starts  # Telegram: ~1 a second
    assert not [r for r in api.records() if r.status == 429]


@pytest.fixture
def closed_today(tmp_path: Path) -> Path:
    """The project's content with today and tomorrow as closing days: whatever the hour, the office is shut."""
    content = tmp_path / "content"
    (content / "knowledge").mkdir(parents=True)
    for name in ("locales", "dialogues"):
        (content / name).symlink_to(PROJECT_ROOT / name)
    for item in (PROJECT_ROOT / "knowledge").iterdir():
        if item.name != "territory.yml":
            (content / "knowledge" / item.name).symlink_to(item)
    data = yaml.safe_load((PROJECT_ROOT / "knowledge" / "territory.yml").read_text(encoding="utf-8"))
    today = datetime.now(PARIS).date()
    data["closures"] = [*(data.get("closures") or []), *({"date": today + timedelta(days=d)} for d in (0, 1))]
    (content / "knowledge" / "territory.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return content


def test_out_of_hours_the_resident_is_told_the_next_opening(
    api: StandIn, database_url: str, tmp_path: Path, faq_cache: str, closed_today: Path
):
    api.add_user(NADIA, "Nadia", language_code="fr")
    api.add_group(GROUP, "Conseillers Tremplin", is_forum=True, members={NADIA: "member"})
    process = BotProcess(api, database_url, tmp_path)
    process.env.update({"TREMPLIN_COUNSELLORS_CHAT": str(GROUP), "TREMPLIN_CONTENT_DIR": str(closed_today)})
    process.start()
    try:
        karim = Resident(api, 7013, "Karim", "ar")
        karim.start()
        karim.press(karim.buttons[0])
        seen = karim.send("bghit nhder m3a chi wa7ed 3afak")
        opening = load_territory(closed_today / "knowledge" / "territory.yml").next_opening(datetime.now(UTC))
        assert opening is not None
        t = Texts(Catalogs(PROJECT_ROOT / "locales"), "ar")
        expected = t(
            "🙋 C'est noté : une personne vous répondra ici à l'ouverture, {day} à {time}.",
            day=format_day(opening, "ar"),
            time=format_clock(opening, "ar"),
        )
        assert seen[-1].text == expected
        thread = wait_topic(api, "Karim · العربية")
        api.wait_until(lambda: any("Demande de Karim" in e.text for e in in_topic(api, thread)))
    finally:
        process.stop()


def test_a_topic_closed_by_hand_is_opened_again_and_renamed_when_the_resident_comes_back(
    api: StandIn, desk: BotProcess
):
    lina, thread = asks_for_a_person(api, 7014, "Lina", "fr", "je veux parler a quelqu'un")
    api.push_message(NADIA, "/close partner", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("Terminé : orienté vers un partenaire" in e.text for e in in_topic(api, thread)))
    api.close_topic(GROUP, thread, by=NADIA)  # a counsellor tidies the list by hand
    lina.send("/language")
    lina.press("English")  # she now prefers English: counsellors read the language off the topic's name

    lina.send("can i talk to a real person please")
    api.wait_until(lambda: sum("Demande de Lina" in e.text for e in in_topic(api, thread)) == 2)
    assert not api.topics(GROUP)[thread]["closed"]  # the same topic, open again, with a new card
    assert api.topics(GROUP)[thread]["name"] == "Lina · English"
    assert [m for m, _ in api.calls() if m in ("reopenForumTopic", "editForumTopic")] == [
        "reopenForumTopic",
        "editForumTopic",
    ]
    assert refused_topic_calls(api) == []


def refused_topic_calls(api: StandIn) -> list[str]:
    """Calls about topics that Telegram refused (TOPIC_NOT_MODIFIED and the like)."""
    return [r.short() for r in api.records() if "Topic" in r.method and r.status != 200]


def test_a_returning_resident_whose_topic_is_as_it_was_costs_no_topic_call(api: StandIn, desk: BotProcess):
    omar, thread = asks_for_a_person(api, 7015, "Omar", "fr", "je veux parler a quelqu'un")
    api.push_message(NADIA, "/close none", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("Terminé" in e.text for e in in_topic(api, thread)))

    omar.send("je veux parler a un conseiller svp")
    api.wait_until(lambda: sum("Demande de Omar" in e.text for e in in_topic(api, thread)) == 2)
    assert [m for m, _ in api.calls() if m in ("reopenForumTopic", "editForumTopic")] == []
    assert refused_topic_calls(api) == []


def test_changes_made_by_hand_are_followed(api: StandIn, desk: BotProcess):
    """Closed and reopened by hand, then renamed by hand: the bot was told each time, so on the
    resident's return it only puts its own name back (counsellors read the language off it)."""
    sara, thread = asks_for_a_person(api, 7016, "Sara", "fr", "je veux parler a quelqu'un")
    api.push_message(NADIA, "/close none", chat_id=GROUP, message_thread_id=thread)
    api.wait_until(lambda: any("Terminé" in e.text for e in in_topic(api, thread)))
    api.close_topic(GROUP, thread, by=NADIA)
    api.reopen_topic(GROUP, thread, by=NADIA)
    api.rename_topic(GROUP, thread, "Sara (vue le 3/12)", by=NADIA)

    sara.send("je veux parler a un conseiller svp")
    api.wait_until(lambda: sum("Demande de Sara" in e.text for e in in_topic(api, thread)) == 2)
    assert [m for m, _ in api.calls() if m in ("reopenForumTopic", "editForumTopic")] == ["editForumTopic"]
    topic = {"name": "Sara · Français", "icon_color": ANY, "closed": False, "deleted": False}
    assert api.topics(GROUP)[thread] == topic
    assert refused_topic_calls(api) == []
