"""Ask a question: answers from the knowledge base, as a resident sees them, through the core."""

from __future__ import annotations

from datetime import timedelta

from bot.core.knowledge import gaps
from bot.db.engine import in_transaction
from bot.runtime import Runtime
from tests.conftest import ARABIC


def gettext(runtime: Runtime, lang: str, text: str) -> str:
    return runtime.core.catalogs.gettext(lang, text)


async def started(person, user_id: str = "1001", lang: str = "fr"):  # type: ignore[no-untyped-def]
    someone = person(user_id, language_code=lang)
    await someone.send("/start")
    await someone.agree()
    return someone


async def test_a_french_question_with_typos_gets_the_answer_its_source_and_feedback(person, runtime):
    amina = await started(person)
    seen = await amina.send("jtouche le chomage si je cree ma boite je perd tt ?")
    answer = seen[-1]
    assert "<b>Chômage (ARE) et création" in answer.text
    assert "ARCE" in answer.text and "📚 Source" in answer.text and "{{" not in answer.text
    labels = [label for label, _ in amina.buttons()]
    assert "👍 Oui" in labels and "👎 Non" in labels and "⬅️ Menu" in labels
    assert any(label.startswith("➡️") for label in labels)  # related topics
    await amina.press("👍 Oui")
    assert amina.notice == "Merci ! 🙏"


async def test_the_menu_entry_invites_a_question_and_offers_common_topics(person):
    amina = await started(person)
    await amina.press("❓ Poser une question")
    assert "Posez votre question" in amina.seen[-1].text
    await amina.press("💡 La réunion d'information")
    assert "Êtes-vous prêt à entreprendre" in amina.seen[-1].text


async def test_a_question_in_arabic_is_answered_in_arabic_with_an_offer_to_switch(person, runtime):
    amina = await started(person)
    seen = await amina.send("واش نقدر نحل مشروع وانا كنشد الشوماج؟")
    assert ARABIC.search(seen[-1].text)
    switch = gettext(runtime, "ar", "🌍 Continuer en {language}").split("{")[0]
    label = next(label for label, _ in amina.buttons() if label.startswith(switch))
    await amina.press(label)
    assert ARABIC.search(amina.seen[-2].text)  # "from now on I write in Arabic", then the menu


async def test_arabizi_and_ukrainian_are_understood(person, runtime):
    karim = await started(person, "1002", "fr")
    seen = await karim.send("salam, bghit nkhdem l rasi walakin ma3andich flous bzaf, kifach ndir?")
    assert ARABIC.search(seen[-1].text)
    olena = await started(person, "1003", "uk")
    seen = await olena.send("я отримую RSA, якщо відкрию мікропідприємство, мені його заберуть?")
    assert "RSA" in seen[-1].text and "📚" in seen[-1].text


async def test_an_unsure_match_offers_topics_and_a_counsellor(person):
    amina = await started(person)
    seen = await amina.send("aide")
    assert seen[-1].text.startswith("🤔")
    labels = [label for label, _ in amina.buttons()]
    assert 1 <= sum(label.startswith("➡️") for label in labels) <= 3
    assert "🙋 Parler à un conseiller" in labels
    topic = next(label for label in labels if label.startswith("➡️"))
    await amina.press(topic)
    assert "📚 Source" in amina.seen[-1].text


async def test_out_of_scope_is_said_kindly_with_who_can_help(person, runtime):
    amina = await started(person)
    seen = await amina.send("il va pleuvoir demain a clermont ?")
    assert "je n'ai pas de réponse" in seen[-1].text
    assert runtime.core.territory.phone in seen[-1].text


async def test_a_thumbs_down_lands_in_the_gaps_with_no_link_to_the_person(person, runtime, clock):
    amina = await started(person)
    await amina.send("c quoi la cfe que je dois payer ? mon numero 06 11 22 33 44")
    await amina.press("👎 Non")
    assert "transmise à l'équipe" in amina.seen[-1].text
    await amina.send("je cherche un travail de cuisinier")
    found = await in_transaction(runtime.sessions, lambda s: gaps.report(s, clock() - timedelta(days=1)))
    texts = [text for gap in found for text, _ in gap.examples]
    assert any("cfe" in text for text in texts) and any("cuisinier" in text for text in texts)
    assert not any("06 11" in text for text in texts)


async def test_greetings_thanks_and_unreadable_messages(person):
    amina = await started(person)
    assert (await amina.send("bonjour"))[-1].text.startswith("Bonjour 👋")
    assert (await amina.send("merci !!"))[-1].text.startswith("Avec plaisir")
    assert (await amina.send("😀😀😀"))[-1].text.startswith("🙂")
    assert "⬅️ Menu" not in [label for label, _ in amina.buttons()]  # the full menu is attached instead


async def test_a_very_long_message_is_still_answered(person):
    amina = await started(person)
    seen = await amina.send("je voudrais savoir comment marche le pret d'honneur " * 100)  # 5,100 characters
    shown = seen[-1].text + " ".join(label for label, _ in amina.buttons())
    assert "prêt d'honneur" in shown.lower()


async def test_forged_faq_buttons_change_nothing(person):
    amina = await started(person)
    await amina.send("c koi une cae")
    screen = amina.buttons()[0][1].split(":")[0]
    await amina.press_data(f"{screen}:k.dn.not-a-token")
    assert amina.notice.startswith("Ce bouton n'est plus actif")
    await amina.press_data(f"{screen}:k.t.no-such-topic")
    assert amina.notice.startswith("Ce bouton n'est plus actif")


async def test_before_consent_a_question_is_answered_and_consent_is_still_asked(person):
    bob = person("1004", language_code="fr")
    await bob.send("/start")
    seen = await bob.send("c koi une cae")
    assert "CAE" in seen[-1].text
    await bob.press("⬅️ Menu")
    assert "Avant de commencer" in bob.seen[-1].text


async def test_logged_questions_are_deleted_after_six_months(person, runtime, clock):
    from bot.jobs import forget_inactive

    amina = await started(person)
    await amina.send("je cherche un travail de cuisinier")
    clock.now += timedelta(days=gaps.KEEP_DAYS + 1)
    await forget_inactive(runtime)
    found = await in_transaction(runtime.sessions, lambda s: gaps.report(s, clock() - timedelta(days=400)))
    assert found == []


def test_the_privacy_answer_states_how_long_questions_are_kept(answers):
    months = int(answers.amounts["faq_questions_months"].value)
    assert abs(months * 30.4 - gaps.KEEP_DAYS) < 15
