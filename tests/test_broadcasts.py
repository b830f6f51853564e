"""Broadcasts: announcements to the residents who asked for them, exactly once, in their language,
never at night, at most one a day, behind replies and relays, and stopped with one tap."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core import outbox
from bot.core.broadcasts import compose
from bot.core.broadcasts import service as broadcasts
from bot.core.broadcasts.report import report
from bot.core.messages import Outbound
from bot.db.engine import in_transaction
from bot.db.models import Broadcast, OutboxMessage, Resident, SendPace
from bot.runtime import Runtime
from bot.sending import pump_outbox
from tests.test_sessions import publish

NEIGHBOURHOODS = {"croix-de-neyrat", "saint-jacques"}

WORKSHOP = """\
text:
  fr: "Atelier étude de marché jeudi 14 h à la Maison du projet, 8 places"
  ar: "ورشة دراسة السوق يوم الخميس الساعة 14 في دار المشروع"
audience:
  languages: [fr, ar, tr]
  booked: no
"""


async def draft(runtime: Runtime, text: str = WORKSHOP, report_to: str | None = "test:boss") -> Broadcast:
    """What `tremplin broadcast new FILE` does."""
    made, errors = compose.read(text, "b.yml", NEIGHBOURHOODS, runtime.core.clock())
    assert made is not None, errors
    now = runtime.core.clock()
    return await in_transaction(runtime.sessions, lambda s: broadcasts.create(s, made, "cli:test", report_to, now))


async def send(runtime: Runtime, broadcast: Broadcast) -> int:
    """What `tremplin broadcast send ID` does."""
    core, now = runtime.core, runtime.core.clock()

    async def queue(session):  # type: ignore[no-untyped-def]
        found = await session.get(Broadcast, broadcast.id)
        return await broadcasts.queue(session, found, core.catalogs, core.screening, now)

    return await in_transaction(runtime.sessions, queue)


class Phone:
    """Collects what the outbox sends, by chat; `refuse` makes some chats unreachable."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.got: dict[str, list[Outbound]] = {}
        self.refuse = refuse or set()

    async def __call__(self, chat_id: str, message: Outbound) -> tuple[str, str]:
        if chat_id in self.refuse:
            raise outbox.Unreachable("Forbidden: bot was blocked by the user")
        self.got.setdefault(chat_id, []).append(message)
        return chat_id, str(len(self.got[chat_id]))


async def resident(person, uid: str, lang: str = "fr", announcements: bool = True):  # type: ignore[no-untyped-def]
    someone = person(uid, language_code=lang)
    await someone.send("/start")
    await someone.agree(announcements=announcements)
    return someone


async def drain(runtime: Runtime, phone: Phone) -> None:
    while await pump_outbox(runtime, "test", phone):
        pass


async def test_a_filtered_broadcast_reaches_exactly_the_right_residents_in_their_language(person, runtime):
    await publish(runtime)
    await resident(person, "501")  # French
    await resident(person, "502", "ar")
    await resident(person, "503", "tr")  # no Turkish text: the French one
    await resident(person, "504", announcements=False)  # said no
    booked = await resident(person, "505")
    await booked.press("📅 Réunions d'information")
    await booked.press("✅ mar. 8 déc., 14:00")  # has a seat: `booked: no` leaves her out
    await resident(person, "506", "uk")  # not among the languages chosen
    made = await draft(runtime)
    now = runtime.core.clock()
    core = runtime.core
    shown = await in_transaction(
        runtime.sessions, lambda s: broadcasts.preview(s, made, core.catalogs, core.screening, now)
    )
    assert shown.per_language == {"ar": 1, "fr": 1, "tr": 1} and shown.fallback == 1
    assert "Atelier étude de marché" in shown.texts["tr"]
    assert await send(runtime, made) == 3
    phone = Phone()
    await drain(runtime, phone)
    assert sorted(phone.got) == ["501", "502", "503"]
    assert all(len(messages) == 1 for messages in phone.got.values())  # each once
    assert "Atelier étude de marché" in phone.got["501"][0].text
    assert "ورشة" in phone.got["502"][0].text
    assert "Atelier étude de marché" in phone.got["503"][0].text
    stop = phone.got["502"][0].buttons[-1][0]
    assert stop.data == "x:bc.stop" and stop.label != "🔕 Ne plus recevoir ces messages"  # in Arabic
    await drain(runtime, phone)
    assert sum(len(m) for m in phone.got.values()) == 3  # never twice


async def test_one_tap_on_stop_and_nothing_more_arrives(person, runtime):
    amina = await resident(person, "511")
    await resident(person, "512")
    await send(runtime, await draft(runtime))
    phone = Phone()
    await drain(runtime, phone)
    seen = await amina.press_data(phone.got["511"][0].buttons[-1][0].data)
    assert "vous ne recevrez plus d'annonces" in seen[0].text
    second = await draft(runtime, WORKSHOP.replace("Atelier étude de marché", "Forum des créateurs"))
    runtime.core.clock.now += timedelta(days=1)  # type: ignore[attr-defined]
    assert await send(runtime, second) == 1
    await drain(runtime, phone)
    assert [m.text for m in phone.got["511"]] == [phone.got["511"][0].text]
    assert "Forum des créateurs" in phone.got["512"][-1].text


async def test_stop_during_a_broadcast_drops_what_was_still_to_come(person, runtime):
    amina = await resident(person, "521")
    await send(runtime, await draft(runtime, WORKSHOP + "at: 2026-11-24 15:00\n"))
    seen = await amina.send("/stop")
    assert "vous ne recevrez plus d'annonces" in seen[0].text
    runtime.core.clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    phone = Phone()
    await drain(runtime, phone)
    assert phone.got == {}


async def test_announcements_wait_for_the_morning_and_come_at_most_once_a_day(person, runtime, clock):
    await resident(person, "531")
    clock.now = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # 21:30 in Paris
    await send(runtime, await draft(runtime))
    phone = Phone()
    await drain(runtime, phone)
    assert phone.got == {}
    clock.now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    await drain(runtime, phone)
    assert len(phone.got["531"]) == 1
    await send(runtime, await draft(runtime, WORKSHOP.replace("Atelier", "Forum")))
    await drain(runtime, phone)
    assert len(phone.got["531"]) == 1  # one a day
    clock.now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    await drain(runtime, phone)
    assert "Forum" in phone.got["531"][-1].text


async def test_replies_and_relays_leave_before_a_broadcast_queued_earlier(person, runtime, clock):
    for n in range(12):
        await resident(person, f"54{n:02d}")
    await send(runtime, await draft(runtime))
    clock.now += timedelta(seconds=1)

    async def relay(session):  # type: ignore[no-untyped-def]
        outbox.enqueue_to(session, "test", "-100777", Outbound("a counsellor's reply"), "relay_in", clock())

    await in_transaction(runtime.sessions, relay)
    order: list[str] = []

    async def phone(chat_id: str, message: Outbound) -> None:
        order.append(message.text)

    await pump_outbox(runtime, "test", phone, limit=4)
    assert order[0] == "a counsellor's reply" and len(order) == 4


async def test_a_resident_who_blocked_the_bot_is_never_tried_again(person, runtime, clock):
    await resident(person, "551")
    await resident(person, "552")
    made = await draft(runtime)
    await send(runtime, made)
    phone = Phone(refuse={"552"})
    await drain(runtime, phone)
    async with runtime.sessions() as session:
        gone = (await session.execute(select(Resident).where(Resident.external_id == "552"))).scalar_one()
        assert gone.blocked_at is not None
    clock.now += timedelta(days=1)
    assert await send(runtime, await draft(runtime)) == 1  # only 551
    counts = await in_transaction(runtime.sessions, lambda s: broadcasts.counts(s, made))
    assert broadcasts.totals(counts) == {"sent": 1, "blocked": 1}


async def test_a_429_holds_every_message_for_the_time_asked_and_loses_none(person, runtime):
    for uid in ("561", "562", "563"):
        await resident(person, uid)
    await send(runtime, await draft(runtime))
    sent: list[str] = []

    async def phone(chat_id: str, message: Outbound) -> None:
        if len(sent) == 1:
            sent.append("429")
            raise outbox.Throttled(30)
        sent.append(chat_id)

    before = time.time()
    assert await pump_outbox(runtime, "test", phone, rate=25) == 1
    async with runtime.sessions() as session:
        pace = await session.get(SendPace, "test")
        assert pace is not None and pace.next_at >= before + 30  # every process waits
        rows = list((await session.execute(select(OutboxMessage).where(OutboxMessage.status == "pending"))).scalars())
        assert len(rows) == 2 and all(r.claimed_at is None and r.attempts == 0 for r in rows)
    assert await pump_outbox(runtime, "test", phone, rate=25) == 0  # not before the 30 seconds
    assert await pump_outbox(runtime, "test", phone) == 2  # (a worker without pacing, as in the terminal)
    assert sent[0] != "429" and len({s for s in sent if s != "429"}) == 3


async def test_the_coordinator_is_told_how_it_went_and_what_it_booked(person, runtime, clock):
    await publish(runtime)
    amina = await resident(person, "571")
    await resident(person, "572", "ar")
    made = await draft(runtime, WORKSHOP.replace("audience:", "session: info-dec-15\naudience:"))
    await send(runtime, made)
    phone = Phone()
    await drain(runtime, phone)
    book = phone.got["571"][0].buttons[0][0]
    assert book.label == "✅ Je réserve ma place" and len(book.data.encode()) <= 64
    seen = await amina.press_data(book.data)
    assert any("C'est réservé" in m.text or "réservé" in m.text for m in seen)
    assert await in_transaction(runtime.sessions, lambda s: report(s, runtime.core.catalogs, clock())) == 1
    await drain(runtime, phone)
    told = phone.got["boss"][0].text
    assert "Annonce n° 1" in told and "Envoyées : 2" in told and "العربية : ✅ 1" in told
    clock.now += timedelta(days=3, minutes=1)
    await in_transaction(runtime.sessions, lambda s: report(s, runtime.core.catalogs, clock()))
    await drain(runtime, phone)
    assert "1 réservation faite" in phone.got["boss"][-1].text


def test_every_mistake_in_a_broadcast_file_names_its_line():
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    text = (
        "text:\n  ar: x\n  xx: y\n"
        "audience:\n  languages: [fr, de]\n  outcome: [ready]\n  booked: maybe\n"
        "at: 2020-01-01 10:00\n"
    )
    made, errors = compose.read(text, "b.yml", NEIGHBOURHOODS, now)
    assert made is None
    assert any(e.startswith("b.yml:3:") and "'xx'" in e for e in errors)
    assert any(e.startswith("b.yml:1:") and "French" in e for e in errors)
    assert any(e.startswith("b.yml:5:") and "de" in e for e in errors)
    assert any(e.startswith("b.yml:6:") and "outcome" in e for e in errors)
    assert any(e.startswith("b.yml:7:") and "yes or no" in e for e in errors)
    assert any(e.startswith("b.yml:8:") and "past" in e for e in errors)
    _, broken = compose.read("text: [unclosed\n", "b.yml", NEIGHBOURHOODS, now)
    assert broken and broken[0].startswith("b.yml:")


async def test_a_coordinator_writes_one_in_telegram_in_two_languages_for_arabic_speakers(person, runtime, clock):
    from tests.test_outreach_flow import coordinators, staff

    coordinators(runtime, "boss")
    await publish(runtime)
    await resident(person, "581")  # French
    await resident(person, "582", "ar")
    claire = await staff(person)
    nobody = await resident(person, "583")
    assert (await nobody.send("/broadcast"))[0].text.startswith("Je ne connais pas cette commande")
    seen = await claire.send("/broadcast")
    assert "Aucune annonce pour l'instant." in seen[0].text
    await claire.press("➕ Nouvelle annonce")
    seen = await claire.send("Forum des créateurs samedi 10 h, entrée libre")
    assert "Autres langues" in seen[0].text
    await claire.press("➕ العربية")
    await claire.send("منتدى المبدعين يوم السبت الساعة 10")
    await claire.press("➡️ Qui la reçoit ?")
    await claire.press("⬜ العربية")
    await claire.press("🎫 Bouton « Je réserve »")
    await claire.press("mar. 15 déc.")  # the session its button books
    seen = await claire.press("👀 Aperçu")
    assert "1 résident la recevra" in seen[0].text and "العربية : 1" in seen[0].text
    assert "Avec le bouton « Je réserve » : Êtes-vous prêt à entreprendre ?" in seen[0].text
    seen = await claire.press("✅ Envoyer maintenant")
    assert "Annonce n° 1" in seen[0].text and "1 message en file" in seen[0].text
    phone = Phone()
    await drain(runtime, phone)
    assert list(phone.got) == ["582"] and "منتدى المبدعين" in phone.got["582"][0].text
    assert phone.got["582"][0].buttons[0][0].data.startswith("x:bc.b.")  # its Book button
    await in_transaction(runtime.sessions, lambda s: report(s, runtime.core.catalogs, clock()))
    await drain(runtime, phone)
    assert "Annonce n° 1" in phone.got["boss"][0].text  # the report goes to whoever sent it
    seen = await claire.send("/broadcast")
    assert "<b>n° 1</b> · terminée" in seen[0].text and "✅ 1 ·" in seen[0].text


async def test_two_processes_share_the_outbox_and_the_rate_and_send_each_message_once(person, runtime, settings):
    """Two bot processes (two engines on one database) sending the same broadcast together."""
    for n in range(40):
        await resident(person, f"59{n:02d}")
    await send(runtime, await draft(runtime))
    other = Runtime.build(settings, clock=runtime.core.clock, answers=runtime.core.answers)
    other.owns_answers = False
    landed: list[tuple[float, str]] = []

    async def phone(chat_id: str, message: Outbound) -> None:
        landed.append((time.monotonic(), chat_id))

    async def work(process: Runtime) -> None:
        while await pump_outbox(process, "test", phone, rate=20, limit=5):
            pass

    try:
        await asyncio.gather(work(runtime), work(other), work(runtime), work(other))
    finally:
        await other.close()
    chats = [chat for _, chat in landed]
    assert sorted(chats) == sorted(f"59{n:02d}" for n in range(40))  # everyone, once
    moments = sorted(at for at, _ in landed)
    busiest = max(sum(1 for at in moments if start <= at < start + 1.0) for start in moments)
    assert busiest <= 20 + 1  # the two together within 20 a second (one slot of jitter)


async def test_erasing_everything_takes_the_announcements_meant_for_them_too(person, runtime, clock):
    malik = await resident(person, "601")
    await send(runtime, await draft(runtime, WORKSHOP + "at: 2026-11-24 15:00\n"))
    await malik.press("🔒 Mes données")
    await malik.press("🗑️ Tout effacer")
    await malik.press("🗑️ Oui, tout effacer")
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    phone = Phone()
    await drain(runtime, phone)
    assert phone.got == {}
    async with runtime.sessions() as session:
        left = (await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == "601"))).scalars().all()
        assert left == []  # not even who it was for


async def test_someone_who_agreed_before_announcements_existed_is_asked_once_on_return(person, runtime):
    from sqlalchemy import update

    sami = await resident(person, "611", announcements=False)
    await in_transaction(  # as a row written before this question was asked
        runtime.sessions, lambda s: s.execute(update(Resident).values(announcements=None))
    )
    seen = await sami.send("/start")
    assert seen[0].text.startswith("Re-bonjour") and "annonces d'ateliers" in seen[1].text
    seen = await sami.press("🔔 Oui, volontiers")
    assert "je vous enverrai les annonces" in seen[0].text and "Que voulez-vous faire" in seen[1].text
    seen = await sami.send("/start")
    assert "annonces d'ateliers" not in " ".join(m.text for m in seen)  # asked once


async def test_a_group_at_its_limit_never_holds_up_the_messages_behind_it(runtime, clock):
    async def burst(session):  # type: ignore[no-untyped-def]
        for i in range(60):
            outbox.enqueue_to(session, "test", "-100777", Outbound(f"card {i}"), "relay_in", clock())
        outbox.enqueue_to(session, "test", "701", Outbound("a counsellor's reply"), "relay_out", clock())

    await in_transaction(runtime.sessions, burst)
    sent: list[str] = []

    async def phone(chat_id: str, message: Outbound) -> None:
        sent.append(message.text)

    for _ in range(6):  # a small batch at a time, as the running sender claims
        await pump_outbox(runtime, "test", phone, limit=6)
    assert sent.count("a counsellor's reply") == 1  # not behind the 40 cards the group must wait for
    assert len([text for text in sent if text.startswith("card")]) == outbox.GROUP_PER_MINUTE
