"""A resident's first minutes with the bot, told through the core the adapters share."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import OutreachArrival, Resident
from bot.runtime import Runtime
from tests.conftest import ARABIC, Clock


async def row(runtime: Runtime, user_id: str) -> Resident | None:
    async with runtime.sessions() as session:
        result = await session.execute(select(Resident).where(Resident.external_id == user_id))
        return result.scalar_one_or_none()


def french(runtime: Runtime, lang: str, text: str) -> str:
    return runtime.core.catalogs.gettext(lang, text)


async def test_greets_in_the_language_telegram_reports_and_asks_consent_first(person, runtime):
    amina = person("1", language_code="ar", first_name="Amina")
    seen = await amina.send("/start")
    assert "Amina" in seen[0].text
    assert ARABIC.search(seen[0].text) and ARABIC.search(seen[1].text)
    labels = [label for label, _ in amina.buttons()]
    assert labels[0] == french(runtime, "ar", "✅ Oui, d'accord") != "✅ Oui, d'accord"
    stored = await row(runtime, "1")
    assert stored is not None and stored.language == "ar"
    assert stored.first_name is None and stored.source is None and stored.consent is None


async def test_unsupported_or_regional_telegram_languages(person, runtime):
    ivan = person("2", language_code="ru", first_name="Ivan")
    assert (await ivan.send("/start"))[0].text.startswith("Bonjour Ivan")
    joana = person("3", language_code="pt-BR", first_name="Joana")
    hello = runtime.core.catalogs.gettext("pt", "Bonjour {name} 👋").format(name="Joana")
    assert not hello.startswith("Bonjour")
    assert (await joana.send("/start"))[0].text.startswith(hello)
    nobody = person("4", language_code=None, first_name=None)
    assert (await nobody.send("/start"))[0].text.startswith("Bonjour 👋")


async def test_any_first_message_gets_the_greeting(person):
    karim = person("5")
    seen = await karim.send("slt c koi ce bot")
    assert seen[0].text.startswith("Bonjour Amina")
    assert "d'accord" in seen[-1].text


async def test_consent_keeps_name_and_neighbourhood_link(person, runtime):
    fatou = person("6", first_name="Fatou")
    await fatou.send("/start nb-croix-de-neyrat")
    assert (await row(runtime, "6")).source is None  # not before she agrees
    asked = await fatou.press("✅ Oui, d'accord")
    assert asked[0].text.startswith("✅ Merci, c'est noté.")
    assert "annonces d'ateliers" in asked[0].text  # the one question that follows consent
    seen = await fatou.press("Non merci")
    assert seen[0].text.startswith("👍 C'est noté : pas d'annonces.")
    assert "Que voulez-vous faire" in seen[1].text
    stored = await row(runtime, "6")
    assert stored.consent == "yes" and stored.first_name == "Fatou" and stored.source == "nb-croix-de-neyrat"


async def test_declining_keeps_only_language_and_still_offers_the_menu(person, runtime):
    sam = person("7", first_name="Sam")
    await sam.send("/start nb-saint-jacques")
    seen = await sam.press("🙅 Non merci")
    assert "Je ne garde que votre langue" in seen[0].text
    assert "🔒 Mes données" in [label for label, _ in sam.buttons()]
    stored = await row(runtime, "7")
    assert stored.consent == "no" and stored.first_name is None and stored.source is None


async def test_outreach_arrivals_are_counted_without_a_person(person, runtime):
    for uid in ("20", "21", "22"):
        await person(uid).send("/start nb-la-gauthiere")
    await person("23").send("/start nb-nowhere")
    await person("24").send("/start <script>alert(1)</script>")
    async with runtime.sessions() as session:
        rows = (await session.execute(select(OutreachArrival))).scalars().all()
    assert [(r.source, r.count) for r in rows] == [("nb-la-gauthiere", 3)]


async def test_malformed_payload_still_greets(person):
    seen = await person("25").send("/start " + "x" * 200)
    assert seen[0].text.startswith("Bonjour")


async def test_a_greeting_before_consent_asks_again_kindly(person):
    lina = person("8")
    await lina.send("/start")
    seen = await lina.send("bonjour")
    assert "répondez d'abord à cette question" in seen[-1].text
    assert [label for label, _ in lina.buttons()][:2] == ["✅ Oui, d'accord", "🙅 Non merci"]


async def test_language_switch_is_kept_across_a_restart(person, runtime, settings, clock: Clock):
    amina = person("9", language_code="ar")
    await amina.send("/start")
    await amina.agree()
    await amina.press(french(runtime, "ar", "🌍 Langue"))
    seen = await amina.press("Français")
    assert seen[0].text == "✅ C'est noté : je vous parle en français."
    restarted = Runtime.build(settings, clock=clock)
    try:
        amina.runtime = restarted
        seen = await amina.send("/menu")
        assert seen[0].text == "Que voulez-vous faire ? 👇"
    finally:
        await restarted.close()


async def test_language_can_change_during_the_consent_question(person, runtime):
    olena = person("10", language_code="fr")
    await olena.send("/start")
    await olena.press("🌍 Langue")
    seen = await olena.press("Українська")
    heading = french(runtime, "uk", "🔒 <b>Avant de commencer</b>")
    assert heading != "🔒 <b>Avant de commencer</b>"
    assert seen[0].replace and seen[0].text.startswith(heading)
    assert olena.buttons()[0][0] == french(runtime, "uk", "✅ Oui, d'accord")


async def test_upcoming_features_say_so_and_give_a_person_to_call(person):
    ali = person("11")
    await ali.send("/start")
    await ali.agree()
    seen = await ali.press("🙋 Parler à un conseiller")
    assert "Bientôt" in seen[0].text and "04 65 71 00 00" in seen[0].text
    assert [label for label, _ in ali.buttons()] == ["⬅️ Menu"]
    seen = await ali.press("⬅️ Menu")
    assert seen[0].text == "Que voulez-vous faire ? 👇" and seen[0].replace


async def test_outside_office_hours_the_next_opening_is_given(person, clock: Clock):
    from datetime import UTC, datetime

    clock.now = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # Saturday afternoon in Paris
    ali = person("12")
    await ali.send("/start")
    await ali.agree()
    seen = await ali.press("🙋 Parler à un conseiller")
    assert "Fermé maintenant. On ouvre lundi 30 novembre à 09:00" in seen[0].text


async def test_stickers_voice_and_photos_get_a_kind_answer_and_the_menu(person):
    nour = person("13")
    await nour.send("/start")
    await nour.agree()
    voice = await nour.send_media("voice")
    assert "messages vocaux" in voice[0].text and voice[0].buttons
    photo = await nour.send_media("photo")
    assert "photos" in photo[0].text
    sticker = await nour.send_media("sticker")
    assert sticker[0].text.startswith("😊")
    # what is not a photo or a file is not called one; each says what to do instead
    assert "ne garde pas les contacts" in (await nour.send_media("contact"))[0].text
    assert "📅 Réunions d'information" in (await nour.send_media("location"))[0].text
    assert "sondages" in (await nour.send_media("poll"))[0].text
    dice = await nour.send_media("dice")
    assert dice[0].text.startswith("🎲") and dice[0].buttons
    assert "🙋 Parler à un conseiller" in voice[0].text


async def test_text_after_consent_is_never_met_with_silence(person):
    nour = person("14")
    await nour.send("/start")
    await nour.agree()
    for message in ("c koi une cae", "3andi projet", "ً" * 4000, "🙂🙂🙂", "مرحبا"):
        seen = await nour.send(message)
        assert seen and seen[0].buttons, message


async def test_help_and_unknown_commands(person):
    yusuf = person("15")
    await yusuf.send("/start")
    await yusuf.agree()
    help_text = (await yusuf.send("/help"))[0].text
    assert "/language" in help_text and "Tremplin Clermont" in help_text
    seen = await yusuf.send("/foo")
    assert "Je ne connais pas cette commande" in seen[0].text and seen[0].buttons


async def test_numbers_and_latin_names_keep_their_order_in_arabic(person, clock):
    from datetime import UTC, datetime

    from bot.core.texts import FSI, PDI

    clock.now = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    amina = person("30", language_code="ar")
    seen = await amina.send("/start")
    assert f"{FSI}Tremplin Clermont (démo){PDI}" in seen[0].text
    await amina.press(amina.buttons()[0][0])
    seen = await amina.send("واش غادي تشتا غدا فكليرمون؟")  # out of scope: the answer gives the phone number
    assert f"{FSI}04 65 71 00 00{PDI}" in seen[0].text


# -- no counsellors' group: a phone number and opening hours, never a promise (issue 16, item 6d) ----

NOBODY_HERE = ("une personne va vous répondre", "vous répondra ici", "Une personne le lira", "Une personne pourra")


def promises_nobody(text: str) -> bool:
    return not any(promise in text for promise in NOBODY_HERE)


async def test_without_counsellors_talk_to_a_counsellor_gives_phone_and_hours(person):
    ali = person("40")
    await ali.send("/start")
    await ali.agree()
    seen = await ali.press("🙋 Parler à un conseiller")
    text = seen[0].text
    assert "appelez-nous ou venez nous voir" in text and "📞 04 65 71 00 00" in text
    assert "🗓️ Horaires : lun., mar. et jeu. 09:00 – 12:30 et 13:30 – 17:30" in text and promises_nobody(text)
    help_text = (await ali.send("/help"))[0].text
    assert "📞 04 65 71 00 00" in help_text and "🗓️ Horaires :" in help_text and promises_nobody(help_text)


async def test_without_counsellors_asking_for_a_person_in_words_gives_the_phone(person, runtime):
    amina = person("41", language_code="ar")
    await amina.send("/start")
    await amina.press(amina.buttons()[0][0])
    seen = await amina.send("بغيت نهضر مع شي واحد")
    assert "04 65 71 00 00" in seen[-1].text and "أوقات العمل" in seen[-1].text
    assert [label for label, _ in amina.buttons()] == [french(runtime, "ar", "⬅️ Menu")]
    sam = person("42")
    await sam.send("/start")
    await sam.agree()
    seen = await sam.send("je veux parler a quelqu'un")
    assert "appelez-nous" in seen[-1].text and promises_nobody(seen[-1].text)


async def test_without_counsellors_words_of_distress_still_get_the_emergency_numbers(person):
    nour = person("43")
    await nour.send("/start")
    await nour.agree()
    seen = await nour.send("je n'ai plus envie de vivre")
    assert "3114" in seen[0].text
    assert "04 65 71 00 00" in seen[-1].text and promises_nobody(seen[-1].text)
