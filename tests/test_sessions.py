"""Information sessions: publish, book in one tap, wait in line, get offered a seat, be reminded."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT, SUPPORTED_LANGUAGES
from bot.core import outbox
from bot.core.messages import Inbound, Kind, Reply
from bot.core.privacy import service as privacy
from bot.core.residents import find_or_create
from bot.core.sessions import importing
from bot.core.sessions import service as sessions
from bot.core.sessions.notices import Notices
from bot.db.engine import in_transaction
from bot.db.models import Booking, InfoSession, OutboxMessage
from bot.runtime import Runtime
from bot.sending import pump_outbox

SESSIONS = """\
sessions:
  - key: info-dec-08
    kind: info
    title: {fr: "Êtes-vous prêt à entreprendre ?", ar: "هل أنتم مستعدون لبدء مشروع؟"}
    starts: 2026-12-08 14:00
    ends: 2026-12-08 16:00
    venue:
      name: "Maison du projet"
      address: "12 boulevard Claude-Bernard, Clermont-Ferrand"
      latitude: 45.76
      longitude: 3.09
    capacity: 2
    neighbourhoods: [saint-jacques]
  - key: info-dec-15
    title: {fr: "Êtes-vous prêt à entreprendre ?"}
    starts: 2026-12-15 09:30
    ends: 2026-12-15 11:30
    venue: {address: "Rue du Torpilleur-Sirocco, Clermont-Ferrand"}
    capacity: 12
    neighbourhoods: [croix-de-neyrat]
"""


async def publish(runtime, text: str = SESSIONS, name: str = "s.yml"):  # type: ignore[no-untyped-def]
    """What `tremplin sessions import` does, on the test database."""
    path = Path(runtime.settings.data_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    rows = importing.read_file(path)
    codes = {n.code for n in runtime.core.territory.neighbourhoods}
    now = runtime.core.clock()
    return await in_transaction(runtime.sessions, lambda s: notices_of(runtime).import_file(s, rows, name, codes, now))


def notices_of(runtime: Runtime) -> Notices:
    """The rules jobs and the command line use to tell people about their bookings."""
    return Notices(runtime.core.catalogs, runtime.core.territory)


async def ready(person, uid: str, **kwargs):  # type: ignore[no-untyped-def]
    someone = person(uid, **kwargs)
    await someone.send("/start")
    await someone.agree()
    return someone


async def pending(runtime, kind: str | None = None) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with runtime.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.execute(query)).scalars())


async def test_import_is_idempotent_and_errors_point_to_the_line(runtime):
    report = await publish(runtime)
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    report = await publish(runtime)
    assert (report.created, report.updated, report.moved) == (0, 2, [])
    broken = SESSIONS.replace("capacity: 12", "capacity: lots").replace("saint-jacques", "atlantis")
    report = await publish(runtime, broken)
    assert any(e.startswith("s.yml:2:") and "unknown neighbourhoods ['atlantis']" in e for e in report.errors)
    second = 1 + SESSIONS.splitlines().index("  - key: info-dec-15")
    assert any(e.startswith(f"s.yml:{second}:") and "capacity" in e for e in report.errors)


def test_csv_files_are_read_too(tmp_path):
    path = tmp_path / "sessions.csv"
    path.write_text(
        "key,kind,title_fr,title_ar,starts,ends,venue_name,venue_address,capacity,languages,neighbourhoods\n"
        "atelier-1,workshop,Atelier marchés,ورشة,2027-01-12 14:00,2027-01-12 16:00,MJC,1 rue X,15,fr;ar,\n",
        encoding="utf-8",
    )
    [(line, row)] = importing.read_file(path)
    assert line == 2 and row["title"] == {"fr": "Atelier marchés", "ar": "ورشة"} and row["languages"] == ["fr", "ar"]


async def test_the_list_shows_dates_places_and_seats_neighbourhood_first(person, runtime):
    await publish(runtime)
    fatou = person("1")
    await fatou.send("/start nb-croix-de-neyrat")
    await fatou.agree()
    seen = await fatou.press("📅 Réunions d'information")
    text = seen[0].text
    assert text.index("mardi 15 décembre à 09:30") < text.index("mardi 8 décembre à 14:00")
    assert "🟢 2 places libres" in text and "Rue du Torpilleur-Sirocco" in text
    assert [label for label, _ in fatou.buttons()][:2] == ["✅ mar. 15 déc., 09:30", "✅ mar. 8 déc., 14:00"]


async def test_one_tap_books_with_a_map_and_a_calendar_file(person, runtime):
    await publish(runtime)
    amina = await ready(person, "2")
    await amina.press("📅 Réunions d'information")
    seen = await amina.press("✅ mar. 8 déc., 14:00")
    confirmation = seen[0]
    assert confirmation.text.startswith("✅ <b>C'est réservé !</b>") and not confirmation.replace
    assert "mardi 8 décembre à 14:00" in confirmation.text
    assert confirmation.venue is not None and confirmation.venue.latitude == 45.76
    ics = confirmation.document.content
    assert "DTSTART:20261208T130000Z" in ics and "DTEND:20261208T150000Z" in ics and ics.endswith("\r\n")
    seen = await amina.press("🎫 Mes réservations")
    assert "✅ Place réservée" in seen[0].text
    await amina.send("/menu")
    await amina.press("📅 Réunions d'information")
    await amina.press("✅ mar. 8 déc., 14:00")
    assert "déjà une place" in amina.notice
    async with runtime.sessions() as session:
        assert (await sessions.get(session, "info-dec-08")).seats_taken == 1


async def test_full_session_offers_the_waiting_list_and_a_cancellation_promotes(person, runtime, clock):
    await publish(runtime)
    first, second, third = [await ready(person, uid) for uid in ("3", "4", "5")]
    for someone, label in ((first, "✅"), (second, "✅"), (third, "⏳")):
        await someone.press("📅 Réunions d'information")
        seen = await someone.press(f"{label} mar. 8 déc., 14:00")
    assert "liste d'attente (n° 1)" in seen[0].text
    await first.press("🎫 Mes réservations")
    await first.press("❌ Annuler : mar. 8 déc., 14:00")
    seen = await first.press("❌ Oui, annuler")
    assert "C'est annulé" in seen[0].text
    offers = await pending(runtime, "offer")
    assert len(offers) == 1 and offers[0].chat_id == "5"
    assert "Une place s'est libérée" in offers[0].payload["text"]
    yes = offers[0].payload["buttons"][0][0][1]
    seen = await third.press_data(yes)
    assert "la place est à vous" in seen[0].text and seen[1].document is not None
    async with runtime.sessions() as session:
        info = await sessions.get(session, "info-dec-08")
        assert info.seats_taken == 2


async def test_an_unanswered_offer_goes_to_the_next_person(person, runtime, clock):
    await publish(runtime)
    people = [await ready(person, uid) for uid in ("6", "7", "8", "9")]
    for someone, label in zip(people, ("✅", "✅", "⏳", "⏳"), strict=True):
        await someone.press("📅 Réunions d'information")
        await someone.press(f"{label} mar. 8 déc., 14:00")
    await people[0].press("🎫 Mes réservations")
    await people[0].press("❌ Annuler")
    await people[0].press("❌ Oui, annuler")
    clock.now += timedelta(hours=25)
    expired = await in_transaction(runtime.sessions, lambda s: notices_of(runtime).expire_offers(s, clock.now))
    assert expired == 1
    offers = await pending(runtime, "offer")
    assert [o.chat_id for o in offers] == ["8", "9"]
    async with runtime.sessions() as session:
        statuses = dict((await session.execute(select(Booking.resident_id, Booking.status))).all())
    assert sorted(statuses.values()) == ["booked", "cancelled", "expired", "offered"]


async def test_coordinator_cancellation_tells_everyone_in_their_language(person, runtime):
    await publish(runtime)
    amina = await ready(person, "10", language_code="ar")
    sam = await ready(person, "11")
    for someone in (amina, sam):
        await someone.press("📅 Réunions d'information")
        await someone.press("✅")

    async def cancel(s):  # type: ignore[no-untyped-def]
        return await notices_of(runtime).cancel_session(s, await sessions.get(s, "info-dec-08"), runtime.core.clock())

    assert await in_transaction(runtime.sessions, cancel) == 2
    notices = await pending(runtime, "cancelled")
    by_chat = {n.chat_id: n.payload["text"] for n in notices}
    assert "Réunion annulée" in by_chat["11"]
    assert by_chat["10"] != by_chat["11"] and "mardi" not in by_chat["10"]
    assert await pending(runtime, "reminder_day") == [] and await pending(runtime, "reminder_2h") == []


async def test_reminders_are_planned_sent_once_and_skipped_when_too_late(person, runtime, clock):
    await publish(runtime)
    sam = await ready(person, "12")
    await sam.press("📅 Réunions d'information")
    await sam.press("✅ mar. 8 déc., 14:00")
    reminders = await pending(runtime)
    due = {r.kind: r.due_at for r in reminders}
    assert due["reminder_day"] == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 18:00 in Paris, the day before
    assert due["reminder_2h"] == datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
    sent: list[tuple[str, str]] = []

    async def send(chat_id, message):  # type: ignore[no-untyped-def]
        sent.append((chat_id, message.text))

    clock.now = datetime(2026, 12, 7, 17, 5, tzinfo=UTC)  # the bot was down at 18:00; back at 18:05
    assert await pump_outbox(runtime, "test", send) == 1
    assert await pump_outbox(runtime, "test", send) == 0  # never twice
    clock.now = datetime(2026, 12, 8, 13, 30, tzinfo=UTC)  # down until after the start: skipped
    assert await pump_outbox(runtime, "test", send) == 0
    assert [text.splitlines()[0] for _, text in sent] == ["⏰ <b>Rappel : demain</b>"]


async def test_moving_a_session_moves_its_reminders_and_tells_people(person, runtime):
    await publish(runtime)
    sam = await ready(person, "13")
    await sam.press("📅 Réunions d'information")
    await sam.press("✅ mar. 8 déc., 14:00")
    moved = SESSIONS.replace("2026-12-08 14:00", "2026-12-09 10:00").replace("2026-12-08 16:00", "2026-12-09 12:00")
    report = await publish(runtime, moved)  # as `tremplin sessions import` does: people with a seat are told
    assert report.moved == ["info-dec-08"]
    due = {r.kind: r.due_at for r in await pending(runtime)}
    assert due["reminder_2h"] == datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    assert "Nouvel horaire" in (await pending(runtime, "moved"))[0].payload["text"]


async def test_no_announcement_at_night(runtime):
    night = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    assert outbox.polite(night) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


async def test_booking_needs_consent_and_forged_keys_change_nothing(person, runtime):
    await publish(runtime)
    lina = person("14")
    await lina.send("/start")
    await lina.press("🙅 Non merci")
    await lina.press("📅 Réunions d'information")
    seen = await lina.press("✅ mar. 8 déc., 14:00")
    assert "j'ai besoin de votre accord" in seen[0].text
    seen = await lina.agree()
    assert "pas d'annonces" in seen[0].text and "Prochaines réunions" in seen[1].text  # then on to the list
    for forged in ("x:ss.y.0123456789ab", "x:ss.cy.nope", "x:ss.c.", "x:drop.table"):
        assert await lina.press_data(forged) == []
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0


@pytest.mark.parametrize("crowd", [100])
async def test_the_last_seat_is_never_given_twice(runtime, crowd):
    """100 residents press Book on a 10-seat session at the same moment."""
    await publish(runtime, SESSIONS.replace("capacity: 2", "capacity: 10"))
    now = runtime.core.clock()

    async def make(s):  # type: ignore[no-untyped-def]
        ids = []
        for i in range(crowd):
            resident, _ = await find_or_create(s, "test", f"c{i}", "fr", now)
            privacy.accept(resident, now, None)
            ids.append(resident.id)
        return ids

    await in_transaction(runtime.sessions, make)

    async def book_button(i: int) -> str:
        """Each resident opens the list, as on their phone, and finds the session's Book button."""
        listing = await runtime.handle(Inbound("test", f"c{i}", Kind.COMMAND, command="sessions"))
        return next(b.data for m in listing.messages for row in m.buttons for b in row if b.label.startswith("✅"))

    buttons = [await book_button(i) for i in range(crowd)]

    async def press(i: int) -> Reply:
        return await runtime.handle(Inbound("test", f"c{i}", Kind.BUTTON, data=buttons[i]))

    replies = await asyncio.gather(*(press(i) for i in range(crowd)))
    told_seat = sum(1 for r in replies if r.messages and "C'est réservé" in r.messages[0].text)
    told_wait = sum(1 for r in replies if r.messages and "liste d'attente" in r.messages[0].text)
    async with runtime.sessions() as session:
        booked = await session.scalar(select(func.count()).select_from(Booking).where(Booking.status == "booked"))
        waiting = await session.scalar(select(func.count()).select_from(Booking).where(Booking.status == "waitlisted"))
        taken = await session.scalar(select(InfoSession.seats_taken).where(InfoSession.key == "info-dec-08"))
    assert (booked, waiting, taken) == (10, crowd - 10, 10)
    assert (told_seat, told_wait) == (10, crowd - 10)


async def test_after_the_session_a_follow_up_asks_if_it_helped(person, runtime):
    await publish(runtime)
    sam = await ready(person, "15")
    await sam.press("📅 Réunions d'information")
    await sam.press("✅ mar. 8 déc., 14:00")
    [followup] = await pending(runtime, "followup")
    assert followup.due_at == datetime(2026, 12, 8, 16, 0, tzinfo=UTC)  # an hour after it ends, 17:00 in Paris
    useful = followup.payload["buttons"][0][0][1]
    seen = await sam.press_data(useful)
    assert "Et maintenant" in seen[0].text
    labels = [b.label for row in seen[0].buttons for b in row]
    assert labels[:2] == ["🧭 Où en est mon projet ?", "🙋 Parler à un conseiller"]
    async with runtime.sessions() as session:
        assert await session.scalar(select(Booking.feedback)) == "yes"


async def test_coordinators_see_fill_rates_and_mark_who_came(person, runtime, settings, clock):
    await publish(runtime)
    amina = await ready(person, "16", first_name="Amina", language_code="ar")
    await amina.press("📅 Réunions d'information")
    await amina.press("✅")
    from dataclasses import replace as swap

    from bot.core.dialogue import Dialogue

    runtime.dialogue = Dialogue(swap(runtime.core, coordinators=frozenset({"test:boss"})))
    boss = person("boss", first_name="Claire")
    await boss.send("/start")
    await boss.agree()
    seen = await boss.send("/sessions")
    assert "Sessions à venir" in seen[0].text and "1/2 inscrits (50 %), 0 en attente" in seen[0].text
    seen = await boss.press("📋 mar. 8 déc., 14:00")
    assert "1. Amina — ✅ Place réservée" in seen[0].text
    assert "La présence se note à partir du début" in seen[0].text  # nobody is absent before it begins
    assert not [label for label, _ in boss.buttons() if "Amina" in label]
    async with runtime.sessions() as session:
        token = await session.scalar(select(Booking.token))
    screen = boss.buttons()[0][1].split(":")[0]
    await boss.press_data(f"{screen}:co.a.{token}")  # a forged press on a name before the start
    assert "plus actif" in boss.notice  # only the buttons shown are taken (and the flow checks the time too)
    async with runtime.sessions() as session:
        assert await session.scalar(select(Booking.attendance)) is None

    clock.now = datetime(2026, 12, 8, 13, 5, tzinfo=UTC)  # 14:05 in Paris: the meeting has begun
    await boss.press("🗂️ Toutes les sessions")
    await boss.press("📋 mar. 8 déc., 14:00")
    await boss.press("⬜ Amina")
    seen = await boss.press("✅ Amina")
    assert "❌ Amina" in [label for label, _ in boss.buttons()]
    [noshow] = await pending(runtime, "noshow")
    assert noshow.chat_id == "16" and "👋" in noshow.payload["text"] and "On ne vous" not in noshow.payload["text"]
    assert noshow.due_at == datetime(2026, 12, 8, 17, 0, tzinfo=UTC)  # 18:00 in Paris: time to correct a slip
    assert all(f.chat_id != "16" for f in await pending(runtime, "followup"))  # no "how was it?" for an absence
    await boss.press("❌ Amina")  # a slip, undone: Amina is not told she was missed
    assert await pending(runtime, "noshow") == []
    await boss.press("⬜ Amina")
    await boss.press("✅ Amina")  # absent after all
    [noshow] = await pending(runtime, "noshow")
    await in_transaction(runtime.sessions, lambda s: outbox.sent(s, noshow.id, clock.now))
    await boss.press("❌ Amina")
    await boss.press("⬜ Amina")
    await boss.press("✅ Amina")  # absent again once she was told: no second message
    assert await pending(runtime, "noshow") == []
    sam = person("17")
    await sam.send("/start")
    seen = await sam.send("/sessions")  # residents get the resident list, never the staff view
    assert "Prochaines réunions" in seen[-1].text and "inscrits" not in seen[-1].text
    screen = sam.buttons()[0][1].split(":")[0]
    assert await sam.press_data(f"{screen}:co.list") == [] and "plus actif" in sam.notice


async def test_more_than_five_dates_are_paged_and_languages_are_named(person, runtime):
    many = "sessions:\n" + "".join(
        f"  - key: s{i}\n    title: {{fr: Atelier {i}}}\n    starts: 2026-12-{10 + i} 14:00\n"
        f"    ends: 2026-12-{10 + i} 16:00\n    venue: {{address: 1 rue X}}\n    capacity: 5\n"
        "    languages: [fr, ar, uk]\n"
        for i in range(7)
    )
    await publish(runtime, many)
    sam = await ready(person, "18")
    seen = await sam.press("📅 Réunions d'information")
    assert seen[0].text.count("Atelier") == 5 and "🗣️ Français, العربية, Українська" in seen[0].text
    seen = await sam.press("➡️ Après")
    assert "Atelier 5" in seen[0].text and "Atelier 6" in seen[0].text and "Atelier 0" not in seen[0].text
    seen = await sam.press("⬅️ Avant")
    assert "Atelier 0" in seen[0].text


async def test_erasing_everything_gives_the_seat_to_the_next_person(person, runtime):
    await publish(runtime)
    first, second, third = [await ready(person, uid) for uid in ("19", "20", "21")]
    for someone, label in ((first, "✅"), (second, "✅"), (third, "⏳")):
        await someone.press("📅 Réunions d'information")
        await someone.press(f"{label} mar. 8 déc., 14:00")
    await first.send("/menu")
    seen = await first.press("🔒 Mes données")
    assert "Réservations : 1" in seen[0].text
    await first.press("🗑️ Tout effacer")
    await first.press("🗑️ Oui, tout effacer")
    offers = await pending(runtime, "offer")
    assert [o.chat_id for o in offers] == ["21"]
    async with runtime.sessions() as session:
        info = await sessions.get(session, "info-dec-08")
    assert info.seats_taken == 2  # one for the second, one held for the third


# -- sessions in the resident's language (issue 16, item 7) -----------------------------------------

TRANSLATED = """\
sessions:
  - key: info-ar
    title: {fr: "Êtes-vous prêt à entreprendre ?", ar: "هل أنتم مستعدون لبدء مشروع؟"}
    description: {fr: "Réunion gratuite : les étapes et les aides.", ar: "اجتماع مجاني: الخطوات والمساعدات."}
    starts: 2026-12-08 14:00
    ends: 2026-12-08 16:00
    venue:
      name: "Maison du projet"
      address: "12 boulevard Claude-Bernard"
      access: {fr: "Accès en fauteuil roulant.", ar: "المكان مناسب للكراسي المتحركة."}
    capacity: 5
    languages: [fr, ar]
"""


async def test_title_description_and_access_are_in_the_residents_language(person, runtime):
    await publish(runtime, TRANSLATED)
    amina = await ready(person, "50", language_code="ar")
    seen = await amina.press("📅 Réunions d'information")
    assert "هل أنتم مستعدون لبدء مشروع؟" in seen[0].text and "entreprendre" not in seen[0].text
    assert "🗣️ Français, العربية" in seen[0].text and "(الفرنسية والعربية)" in seen[0].text
    confirmation = (await amina.press("✅"))[0].text
    assert "اجتماع مجاني: الخطوات والمساعدات." in confirmation and "♿ المكان مناسب للكراسي المتحركة." in confirmation
    assert "Réunion gratuite" not in confirmation and "fauteuil" not in confirmation
    sofia = await ready(person, "51", language_code="es")  # no Spanish text: the French one
    seen = await sofia.press("📅 Réunions d'information")
    assert "Êtes-vous prêt à entreprendre ?" in seen[0].text and "(francés y árabe)" in seen[0].text
    confirmation = (await sofia.press("✅"))[0].text
    assert "Réunion gratuite : les étapes et les aides." in confirmation
    assert "♿ Accès en fauteuil roulant." in confirmation


async def test_languages_are_named_in_the_residents_language(person, runtime):
    await publish(runtime, TRANSLATED)
    sam = await ready(person, "52")
    seen = await sam.press("📅 Réunions d'information")
    assert "🗣️ Français, العربية (français et arabe)" in seen[0].text
    olena = await ready(person, "53", language_code="uk")
    seen = await olena.press("📅 Réunions d'information")
    assert "🗣️ Français, العربية (французька і арабська)" in seen[0].text


def test_csv_files_carry_translated_descriptions_and_access(tmp_path):
    path = tmp_path / "sessions.csv"
    path.write_text(
        "key,title_fr,description_fr,description_ar,starts,ends,venue_address,access,access_ar,access_uk,capacity\n"
        "info-1,Réunion,Gratuit,مجاني,2027-01-12 14:00,2027-01-12 16:00,1 rue X,Rampe,منحدر,Пандус,15\n",
        encoding="utf-8",
    )
    [(_, row)] = importing.read_file(path)
    assert row["description"] == {"fr": "Gratuit", "ar": "مجاني"}
    assert row["access"] == {"fr": "Rampe", "ar": "منحدر", "uk": "Пандус"}


async def test_a_translation_without_french_or_in_an_unknown_language_is_refused(runtime):
    broken = TRANSLATED.replace('access: {fr: "Accès en fauteuil roulant.", ar:', "access: {xx: 'x', ar:")
    report = await publish(runtime, broken)
    assert any("access in unknown languages ['xx']" in e for e in report.errors)
    assert any("access needs a French text too" in e for e in report.errors)
    assert report.created == 0


async def test_dates_can_be_days_after_the_import(runtime):
    relative = SESSIONS.replace("2026-12-08 14:00", "+7d 14:00").replace("2026-12-08 16:00", "+7d 16:00")
    report = await publish(runtime, relative)
    assert report.errors == []
    async with runtime.sessions() as session:
        info = await sessions.get(session, "info-dec-08")
    assert info.starts_at == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # Tuesday 24 November + 7 days, 14:00 in Paris
    assert info.ends_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    report = await publish(runtime, relative.replace("+7d 14:00", "+7d 25:00"))
    assert any("starts: '+7d 25:00' is not a time of day" in e for e in report.errors)


async def test_the_shipped_example_is_upcoming_and_in_seven_languages(person, runtime, clock):
    example = (PROJECT_ROOT / "knowledge" / "sessions.example.yml").read_text(encoding="utf-8")
    for day in (0, 400):  # today, and a year later: still dates to come
        clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC) + timedelta(days=day)
        report = await publish(runtime, example, "sessions.example.yml")
        assert report.errors == [] and report.created + report.updated == 3
        async with runtime.sessions() as session:
            found = (await session.execute(select(InfoSession))).scalars().all()
        assert all(clock.now < info.starts_at < clock.now + timedelta(days=30) for info in found)
    for info in found:
        for texts in (info.title, info.description, info.access or dict.fromkeys(SUPPORTED_LANGUAGES)):
            assert set(texts) == set(SUPPORTED_LANGUAGES), info.key
        assert info.languages
    assert any(info.access for info in found)
    olena = await ready(person, "54", language_code="uk")
    seen = await olena.press("📅 Réunions d'information")
    assert seen[0].text.count("Чи готові ви почати власну справу?") == 2 and "entreprendre" not in seen[0].text


async def test_an_access_note_written_before_is_kept_as_the_french_one(database_url):
    import sqlalchemy as sa

    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade

    engine = make_engine(database_url)
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    info = sa.table(
        "info_sessions",
        *(sa.column(c) for c in ("key", "kind", "title", "description", "access_note", "capacity", "seats_taken")),
        *(sa.column(c) for c in ("languages", "neighbourhoods", "status", "starts_at", "ends_at", "updated_at")),
    )
    try:
        await upgrade(engine, "0007")
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO residents (channel, external_id, language, step, step_data, screen, created_at,"
                    " last_seen_at) VALUES ('test', '1', 'fr', 'menu', '{}', 0, :at, :at)"
                ).bindparams(sa.bindparam("at", monday, type_=sa.DateTime(timezone=True)))
            )
            await conn.execute(
                info.insert().values(
                    key="old",
                    kind="info",
                    title=sa.cast('{"fr": "Réunion"}', sa.JSON),
                    description=sa.cast("{}", sa.JSON),
                    access_note="Rampe à gauche",
                    capacity=5,
                    seats_taken=1,
                    languages=sa.cast('["fr"]', sa.JSON),
                    neighbourhoods=sa.cast("[]", sa.JSON),
                    status="scheduled",
                    starts_at=monday,
                    ends_at=monday,
                    updated_at=monday,
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO bookings (session_id, resident_id, status, token, created_at, updated_at)"
                    " SELECT s.id, r.id, 'booked', 'tok', s.updated_at, s.updated_at FROM info_sessions s, residents r"
                )
            )
        await upgrade(engine)
        async with engine.connect() as conn:
            access = (await conn.execute(sa.text("SELECT access FROM info_sessions"))).scalar_one()
            bookings = (await conn.execute(sa.text("SELECT count(*) FROM bookings"))).scalar_one()
        assert (json.loads(access) if isinstance(access, str) else access) == {"fr": "Rampe à gauche"}
        assert bookings == 1  # the column changed in place: nothing cascaded away
    finally:
        await engine.dispose()
