"""Handovers to counsellors: one open at a time, the same topic when a resident comes back, an audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.core import residents
from bot.core.handover import flags, topics
from bot.core.handover import service as handovers
from bot.core.messages import Outbound
from bot.core.privacy.service import erase
from bot.core.texts import Texts
from bot.db.engine import in_transaction
from bot.db.models import AuditEntry, FaqQuestion, ForumTopic, Resident
from bot.runtime import Runtime
from tests.conftest import Person
from tests.test_sessions import pending

MONDAY_10H = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris, office open
SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)


async def test_a_resident_has_one_open_handover_and_keeps_the_same_topic(runtime: Runtime):
    async def work(session):  # type: ignore[no-untyped-def]
        amina, _ = await residents.find_or_create(session, "telegram", "71", "ar", MONDAY_10H)
        first, created = await handovers.open_handover(session, amina, "asked", MONDAY_10H)
        again, created_again = await handovers.open_handover(session, amina, "faq_unsure", MONDAY_10H)
        assert created and not created_again and again.id == first.id
        first.thread_id = "42"
        handovers.take(session, first, "900", "Nadia", MONDAY_10H)
        handovers.close(session, first, "900", "partner", MONDAY_10H + timedelta(hours=1))
        back, created = await handovers.open_handover(session, amina, "asked", MONDAY_10H + timedelta(days=3))
        assert created and back.id != first.id and back.thread_id == "42"
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        assert actions == ["take", "close"]

    await in_transaction(runtime.sessions, work)


async def test_a_topic_is_known_by_its_name_and_state_and_erased_with_its_resident(runtime: Runtime):
    """The topic's name holds the resident's first name: erasing the resident takes it too."""

    async def work(session):  # type: ignore[no-untyped-def]
        amina, _ = await residents.find_or_create(session, "telegram", "72", "ar", MONDAY_10H)
        handover, _ = await handovers.open_handover(session, amina, "asked", MONDAY_10H)
        await topics.remember(session, "43", name="Amina · العربية")  # no handover in it yet: not kept
        assert await topics.state(session, "43") is None
        await handovers.set_thread(session, handover.id, "43")
        await topics.remember(session, "43", name="Amina · العربية", closed=False)
        await topics.remember(session, "43", closed=True)  # a counsellor closed it by hand
        assert await topics.state(session, "43") == topics.TopicState("Amina · العربية", True)
        await erase(session, amina)
        await session.flush()
        assert (await session.scalars(select(ForumTopic))).all() == []

    await in_transaction(runtime.sessions, work)


async def test_the_queue_is_oldest_first_and_forgotten_handovers_are_raised_again(runtime: Runtime):
    async def work(session):  # type: ignore[no-untyped-def]
        people = [
            (await residents.find_or_create(session, "telegram", str(80 + i), "fr", MONDAY_10H))[0] for i in range(3)
        ]
        opened = []
        for i, person in enumerate(people):
            when = MONDAY_10H + timedelta(minutes=10 * i)
            handover, _ = await handovers.open_handover(session, person, "asked", when)
            opened.append(handover)
        handovers.take(session, opened[1], "900", "Nadia", MONDAY_10H + timedelta(minutes=15))
        listed = [h.id for h, _ in await handovers.queue(session)]
        assert listed == [h.id for h in opened]
        late = await handovers.to_raise_again(session, MONDAY_10H + timedelta(minutes=35), timedelta(minutes=30))
        assert [h.id for h in late] == [opened[0].id]  # the second is taken, the third is recent
        assert handovers.waiting_time(opened[0], MONDAY_10H + timedelta(minutes=135)) == "2 h 15"

    await in_transaction(runtime.sessions, work)


async def test_the_resident_is_told_when_a_person_will_answer(runtime: Runtime):
    territory = runtime.core.territory
    t = Texts(runtime.core.catalogs, "fr")
    assert "dans l'heure" in handovers.expected_reply(territory, t, MONDAY_10H)
    later = handovers.expected_reply(territory, t, SATURDAY)
    assert "à l'ouverture" in later and "lundi 30 novembre" in later


async def test_topic_names_say_who_which_language_and_where(runtime: Runtime):
    async def work(session):  # type: ignore[no-untyped-def]
        karim, _ = await residents.find_or_create(session, "telegram", "90", "ar", MONDAY_10H)
        karim.first_name = "Karim"
        code = runtime.core.territory.neighbourhoods[0].code
        karim.source = f"nb-{code}"
        name = handovers.topic_name(karim, runtime.core.territory)
        assert name.startswith("Karim · العربية · ") and len(name) <= 128

    await in_transaction(runtime.sessions, work)


FLAGS = flags.load_flags(PROJECT_ROOT / "dialogues" / "handover.yml")


@pytest.mark.parametrize(
    "text",
    [
        "jveux parler a quelqu'un svp",
        "Passez-moi quelqu'un !!",
        "can i talk to a real person",
        "bghit nhder m3a chi wa7ed",
        "بغيت نهضر مع شي واحد من فضلك",
        "quiero hablar con una persona",
        "quero falar com alguém",
        "gercek bir insanla konusmak istiyorum",
        "хочу поговорити з людиною",
        "хочу поговорить с человеком",
    ],
)
def test_asking_for_a_person_is_recognised_in_every_language(text):
    assert flags.flag(text, FLAGS) == "asked"


@pytest.mark.parametrize(
    "text", ["j'ai envie de mourir", "i want to die", "bghit nmout", "ما عنديش ما ناكل", "duermo en la calle"]
)
def test_distress_words_go_to_a_person(text):
    assert flags.flag(text, FLAGS) == "distress"


@pytest.mark.parametrize(
    "text", ["c koi une cae", "je veux creer une association", "what is a business plan", "personne ne m'aide"]
)
def test_ordinary_questions_are_not_flagged(text):
    assert flags.flag(text, FLAGS) is None


async def test_the_card_tells_counsellors_who_and_what_with_names_escaped(runtime: Runtime):
    async def work(session):  # type: ignore[no-untyped-def]
        ali, _ = await residents.find_or_create(session, "telegram", "95", "tr", MONDAY_10H)
        ali.first_name = "<Ali>"
        ali.source = f"nb-{runtime.core.territory.neighbourhoods[0].code}"
        handover, _ = await handovers.open_handover(session, ali, "faq_unsure", MONDAY_10H)
        text = handovers.card(
            ali, handover, runtime.core.territory,
            screening="<b>Questionnaire du lundi 23 novembre</b>", bookings=["mardi 1 décembre, 14:00"],
            messages=["je comprends pas <les> aides"],
        )  # fmt: skip
        assert "Demande de &lt;Ali&gt;" in text and "questions sans réponse sûre" in text
        assert "Türkçe" in text and runtime.core.territory.neighbourhoods[0].name in text
        assert "<b>Questionnaire du lundi 23 novembre</b>" in text and "&lt;les&gt;" in text
        assert "/take" in text and "//" in text

    await in_transaction(runtime.sessions, work)


@pytest.fixture
async def staffed(runtime: Runtime, clock, settings) -> AsyncIterator[Runtime]:  # type: ignore[no-untyped-def]
    """The bot with a counsellors' group configured, on Monday 10:00 in Paris, office open."""
    built = Runtime.build(
        settings.model_copy(update={"counsellors_chat": "-100777"}), clock=clock, answers=runtime.core.answers
    )
    await built.migrate()
    clock.now = MONDAY_10H
    yield built
    await built.close()


async def agreed(staffed: Runtime, user_id: str) -> Person:
    amina = Person(staffed, user_id)
    await amina.send("/start")
    await amina.agree()
    return amina


async def test_a_handover_nobody_takes_is_raised_again_during_office_hours(staffed, clock):
    from bot.jobs import raise_forgotten

    amina = await agreed(staffed, "7101")
    seen = await amina.press("🙋 Parler à un conseiller")
    assert "dans l'heure" in seen[-1].text
    clock.now = MONDAY_10H + timedelta(minutes=10)
    assert await raise_forgotten(staffed) == 0
    clock.now = MONDAY_10H + timedelta(minutes=45)
    assert await raise_forgotten(staffed) == 1
    assert await raise_forgotten(staffed) == 0  # not again straight away

    assert any("attend depuis 45 min" in row.payload["text"] for row in await pending(staffed, "staff_notice"))


async def test_two_questions_in_a_row_without_a_sure_answer_bring_a_person(staffed):
    amina = await agreed(staffed, "7102")
    first = await amina.send("il fait beau aujourd'hui ?")
    assert not any("une personne va vous répondre" in m.text for m in first)
    second = await amina.send("qui a gagne le match hier")
    assert any("une personne va vous répondre" in m.text for m in second)

    async def reason(session):  # type: ignore[no-untyped-def]
        resident = await session.scalar(select(Resident).where(Resident.external_id == "7102"))
        return (await handovers.current(session, resident)).reason

    assert await in_transaction(staffed.sessions, reason) == "faq_unsure"


async def test_the_card_shows_what_the_resident_wrote_to_the_bot_before(staffed):
    amina = await agreed(staffed, "7103")
    await amina.send("c koi l'acre")
    await amina.send("jveux parler a quelqu'un <svp>")
    card = (await pending(staffed, "handover_card"))[0].payload["text"]
    assert "Ses derniers messages au bot" in card
    assert "« c koi l'acre » → réponse : " in card
    assert "« jveux parler a quelqu'un &lt;svp&gt; » → demande une personne" in card
    assert card.index("c koi l'acre") < card.index("jveux parler")  # oldest first, as a conversation reads


async def test_recent_messages_are_kept_only_with_consent_a_few_and_not_for_long(staffed, clock):
    from bot.core.handover import recent
    from bot.jobs import forget_inactive

    async def kept(user_id: str) -> int:
        async def count(session):  # type: ignore[no-untyped-def]
            resident = await session.scalar(select(Resident).where(Resident.external_id == user_id))
            return await recent.count(session, resident)

        return await in_transaction(staffed.sessions, count)

    shy = Person(staffed, "7104")
    await shy.send("/start")
    await shy.press("🙅 Non merci")
    await shy.send("c koi une cae")
    assert await kept("7104") == 0  # no consent: nothing kept with the person

    amina = await agreed(staffed, "7105")
    for question in ("c koi une cae", "acre c quoi", "le rsa", "micro entreprise", "pret d'honneur", "kbis"):
        await amina.send(question)
    assert await kept("7105") == recent.KEEP
    await amina.press("⬅️ Menu")
    seen = await amina.press("🔒 Mes données")
    assert f"Messages notés : {recent.KEEP}" in seen[-1].text

    clock.now += timedelta(days=recent.KEEP_DAYS + 1)
    await forget_inactive(staffed)
    assert await kept("7105") == 0

    await amina.send("c koi une cae")
    assert await kept("7105") == 1
    await amina.press("⬅️ Menu")
    await amina.press("🔒 Mes données")
    await amina.press("🚫 Retirer mon accord")
    assert await kept("7105") == 0  # withdrawing consent removes them at once


def test_the_privacy_answer_states_what_is_kept_for_counsellors(answers):
    from bot.core.handover import recent

    assert int(answers.amounts["recent_messages_count"].value) == recent.KEEP
    assert int(answers.amounts["recent_messages_days"].value) == recent.KEEP_DAYS
    privacy = answers.entries["privacy"].answer
    assert all("{{recent_messages_count}}" in privacy[lang] for lang in privacy)


async def test_a_group_gets_at_most_20_messages_a_minute_and_the_rest_follow_in_order(staffed, clock):
    from bot.core import outbox
    from bot.core.messages import Outbound
    from bot.sending import pump_outbox

    async def burst(session):  # type: ignore[no-untyped-def]
        for i in range(27):
            outbox.enqueue_to(session, "test", "-100777", Outbound(f"message {i}"), "relay_in", clock())

    await in_transaction(staffed.sessions, burst)
    sent: list[str] = []

    async def send(chat_id, message):  # type: ignore[no-untyped-def]
        sent.append(message.text)

    for _ in range(8):  # the worker runs every 2 seconds; within the same minute
        await pump_outbox(staffed, "test", send)
    assert len(sent) == outbox.GROUP_PER_MINUTE
    clock.now += timedelta(seconds=61)
    for _ in range(4):
        await pump_outbox(staffed, "test", send)
    assert sent == [f"message {i}" for i in range(27)]  # all of them, in the order written


async def test_messages_to_several_chats_take_turns(staffed, clock):
    from bot.core import outbox
    from bot.core.messages import Outbound
    from bot.sending import pump_outbox

    async def write(session):  # type: ignore[no-untyped-def]
        for i in range(3):
            outbox.enqueue_to(session, "test", "501", Outbound(f"a{i}"), "relay_out", clock())
        outbox.enqueue_to(session, "test", "502", Outbound("b0"), "relay_out", clock())

    await in_transaction(staffed.sessions, write)
    sent: list[str] = []

    async def send(chat_id, message):  # type: ignore[no-untyped-def]
        sent.append(message.text)

    await pump_outbox(staffed, "test", send)
    assert sent == ["a0", "b0", "a1", "a2"]  # B is not held up behind A's second-long gaps


async def test_the_questionnaire_advising_a_counsellor_is_the_reason_on_the_card(staffed):
    from tests import screening_paths as paths
    from tests.test_screening import walk

    sam = await agreed(staffed, "7106")
    await sam.press("🧭 Où en est mon projet ?")
    await walk(sam, paths.EMPLOYED_READY[:3])
    await sam.send("je garde mon salaire si je cree ?")  # noted mid-way; the summary promises a person
    await walk(sam, paths.EMPLOYED_READY[3:])
    seen = await sam.press("🙋 Parler à un conseiller")
    assert "une personne va vous répondre" in seen[-1].text
    card = (await pending(staffed, "handover_card"))[0].payload["text"]
    assert "conseillé par le questionnaire" in card and "Questionnaire du" in card
    assert "à lui répondre</b>\n• « je garde mon salaire si je cree ? »" in card


async def test_while_waiting_the_resident_is_told_once_that_messages_are_passed_on(staffed, clock):
    amina = await agreed(staffed, "7107")
    await amina.press("🙋 Parler à un conseiller")
    first = await amina.send("allo ? j'ai un probleme avec la caf")
    assert [m.text.splitlines()[0] for m in first] == ["📨 Votre message est bien transmis."]
    assert "une personne va vous répondre" in first[0].text
    assert await amina.send("vous etes la ?") == []  # once is enough: then the bot stays quiet
    relayed = [r.payload["text"] for r in await pending(staffed, "relay_in")]
    assert relayed == ["💬 allo ? j'ai un probleme avec la caf", "💬 vous etes la ?"]  # nothing lost


def test_a_relay_queued_before_the_envelope_existed_still_reaches_its_topic():
    """A restart on a new version loses nothing: rows written by the old one keep their thread and keys."""
    old_row = {
        "text": "💬 bonjour",
        "buttons": [],
        "venue": None,
        "document": None,
        "thread_id": "42",
        "topic_name": "Amina · العربية",
        "handover_id": 7,
        "copy_of": None,
        "track": "501:9",
        "edit_of": None,
        "edit_only": False,
        "reopen": False,
        "caption": False,
    }
    message = Outbound.from_payload(old_row)
    assert (message.envelope.thread, message.envelope.thread_name) == ("42", "Amina · العربية")
    assert (message.envelope.handover_id, message.envelope.remember) == (7, "501:9")
    again = Outbound.from_payload(message.to_payload())
    assert again == message and again.to_payload()["envelope"]["remember"] == "501:9"


async def test_erasing_leaves_nothing_of_the_person_in_any_table(staffed, clock):
    """After "Erase everything", no table holds the resident's id, first name or words: not the
    outbox (their card, relays both ways), not the relay map, not the topic, not the gaps log."""
    from bot.core.messages import Inbound, Kind
    from bot.db.models import Base

    zohra = Person(staffed, "7190", first_name="Zohra")
    await zohra.send("/start")
    await zohra.agree()
    await zohra.send("bonjour je suis Zohra Kessouri, c koi le zanzibarisme fiscal")  # her name in a question
    await zohra.send("je veux parler a quelqu'un, mon numero 06 12 34 56 78")  # a card with her words

    async def topic(session):  # type: ignore[no-untyped-def]
        resident = await session.scalar(select(Resident).where(Resident.external_id == "7190"))
        handover = await handovers.current(session, resident)
        await handovers.set_thread(session, handover.id, "4242")  # the topic Telegram made for her
        await topics.remember(session, "4242", name="Zohra · Français", closed=False)
        await handovers.remember_relay(session, handover.id, "telegram:-100777:55", "7190", "901", clock.now)

    await in_transaction(staffed.sessions, topic)
    await zohra.send("ma boite de zanzibarisme a besoin d'un local")  # relayed to the topic
    reply = Inbound(
        "telegram", "9001", Kind.TEXT, text="Bonjour Zohra, je regarde le zanzibarisme avec vous",
        first_name="Nadia", group="-100777", thread_id="4242", message_id="56",
    )  # fmt: skip
    await staffed.handle(reply)
    await zohra.press("⬅️ Menu")
    await zohra.press("🔒 Mes données")
    await zohra.press("🗑️ Tout effacer")
    await zohra.press("🗑️ Oui, tout effacer")

    person, words = ("7190", "Zohra", "Kessouri", "12 34 56 78"), ("zanzibarisme",)
    found = []
    async with staffed.sessions() as session:
        for table in Base.metadata.sorted_tables:
            # the gaps log keeps questions with no link to anyone, their names and numbers masked
            traces = person if table.name == "faq_questions" else person + words
            for row in (await session.execute(select(table))).all():
                text = " ".join(str(value) for value in row)
                found += [f"{table.name}: {trace}" for trace in traces if trace in text]
        logged = (await session.scalars(select(FaqQuestion.text))).all()
    assert found == []
    assert "bonjour je suis …, c koi le zanzibarisme fiscal" in logged
