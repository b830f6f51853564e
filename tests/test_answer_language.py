"""The resident's language, always: SMS French stays French, Arabizi from an Arabic speaker stays
Arabic, and a reply given in another language comes with a button back to the resident's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.config import PROJECT_ROOT
from bot.runtime import Runtime
from tests.conftest import ARABIC

# Written for this test, as residents type: no accents, "jai", "c koi", "jsais pas"; none of them is
# copied from knowledge/questions/ or the public evaluation set.
SMS_FRENCH = [
    "jai le rsa je perd tout si je cree",
    "jsui au chomage jpeux cree ma boite",
    "c koi une micro entreprise",
    "jsais pas par ou commencer pour mon projet",
    "jai pas de diplome je peux ouvrir un resto",
    "cb ca coute de cree une societe",
    "jveux vendre des gateaux de chez moi c possible",
    "c koi la difference entre sasu et eurl",
    "jai besoin dun local pas cher pour ma boutique",
    "kel aide pour les jeunes ki veulent se lancer",
    "jai 19 ans jpeux etre auto entrepreneur",
    "mon pote fait uber eats jpeux faire pareil",
    "ya des reunions dinfo gratuites pres de chez moi",
    "jai un titre de sejour etudiant jpeux cree",
    "faut il un compte en banque pro obligatoire",
    "jai des dettes est ce ke je peux emprunter",
    "c koi lacre et comment on la demande",
    "jparle pas bien francais ya qqn pour maider",
    "je touche l are je garde mes droits si je me lance",
    "on ma dit que la cfe c cher c vrai",
    "comment on fait une facture jcomprends rien",
    "jai une idee mais pas dargent du tout",
    "c koi un pret dhonneur",
    "jsuis une femme au foyer je veux me lancer",
    "chui handicape jai droit a des aides pour cree",
    "ou je trouve un conseiller gratuit dans mon quartier",
    "la tva jdois la payer en micro",
    "jveux faire food truck il faut quoi comme papier",
    "jai deja une boite elle marche pas bien",
    "c quoi une couveuse dentreprise",
]

ARABIZI = [
    "bghit ndir projet walakin ma3andich lflouss",
    "3andi rsa wach n9der nbda l3mal dyali",
    "kifach ndir micro entreprise",
    "wach khassni diplome bach nftah resto",
    "ana f chomage wach n9der ncree societe",
    "chhal khass lflouss bach nbda",
    "bghit nbi3 l7lwa mn dar wach mumkin",
    "fin nl9a local rkhis",
    "wach kayn chi 3awn l chabab",
    "3andi titre de sejour etudiant wach n9der nkhdem b rassi",
    "kifach ndir facture",
    "wach kayn chi wa7ed yhder m3aya b l3arbiya",
    "bghit nkhdem m3a uber eats chno khassni",
    "3andi dettes wach n9der nakhod credit",
    "chno hiya l acre",
]

BACK = "↩️"


async def started(person, user_id: str, lang: str):  # type: ignore[no-untyped-def]
    someone = person(user_id, language_code=lang)
    await someone.send("/start")
    await someone.agree()
    return someone


def in_language(runtime: Runtime, text: str, lang: str) -> bool:
    """The reply is one a resident of `lang` gets: an entry's title in that language, or the flow's
    own words for "not sure" / "no answer" in that language."""
    answers = runtime.core.answers
    assert answers is not None
    titles = [entry.title[lang] for entry in answers.entries.values() if lang in entry.title]
    flow = [
        runtime.core.catalogs.gettext(lang, "🤔 Je ne suis pas sûr d'avoir compris. Votre question parle de… ?"),
        runtime.core.catalogs.gettext(lang, "🙏 Désolé, je n'ai pas de réponse à cette question."),
    ]
    return any(f"<b>{title}" in text for title in titles) or any(text.startswith(line) for line in flow)


async def test_sms_french_is_answered_in_french(person, runtime):
    amina = await started(person, "2001", "fr")
    for question in SMS_FRENCH:
        seen = await amina.send(question)
        assert in_language(runtime, seen[-1].text, "fr"), (question, seen[-1].text[:120])
        assert not any(label.startswith(BACK) for label, _ in amina.buttons()), question


async def test_arabizi_from_an_arabic_speaker_is_answered_in_arabic(person, runtime):
    karim = await started(person, "2002", "ar")
    for question in ARABIZI:
        seen = await karim.send(question)
        assert in_language(runtime, seen[-1].text, "ar"), (question, seen[-1].text[:120])
        assert ARABIC.search(seen[-1].text)


async def test_another_script_switches_with_a_button_back(person, runtime):
    amina = await started(person, "2003", "fr")
    seen = await amina.send("شحال خاصني من الفلوس باش نبدا مشروع صغير؟")
    assert ARABIC.search(seen[-1].text) and in_language(runtime, seen[-1].text, "ar")
    back = next(label for label, _ in amina.buttons() if label.startswith(BACK))
    assert back == "↩️ Voir en Français"  # in the resident's own language, so they can read it
    seen = await amina.press(back)
    assert in_language(runtime, seen[-1].text, "fr") and not ARABIC.search(seen[-1].text)


async def test_a_short_message_in_another_latin_language_keeps_the_residents_language(person, runtime):
    amina = await started(person, "2004", "fr")
    seen = await amina.send("acre how")
    assert in_language(runtime, seen[-1].text, "fr")
    lucia = await started(person, "2005", "es")
    seen = await lucia.send("c koi l'acre")  # a French word or two from a Spanish speaker
    assert in_language(runtime, seen[-1].text, "es")


async def test_code_and_markup_are_not_a_language(person, runtime):
    """SQL or HTML pasted by mistake (or to test the bot) gets an answer in the resident's language;
    English written in capitals is still English."""
    amina = await started(person, "2006", "fr")
    for junk in ("SELECT * FROM users WHERE id='1' OR '1'='1'; DROP TABLE residents;--", "<b>unclosed & <i>co"):
        seen = await amina.send(junk)
        assert in_language(runtime, seen[-1].text, "fr"), (junk, seen[-1].text[:120])
    seen = await amina.send("I WANT TO OPEN A SMALL SHOP IN MY AREA, WHERE DO I START")
    assert in_language(runtime, seen[-1].text, "en")


def test_the_command_line_answers_as_to_a_resident_of_a_language(faq_cache: str):
    questions = "\n".join([*SMS_FRENCH, "I would like to open a small restaurant, what do I need to do first?"])
    found = subprocess.run(
        [sys.executable, "-m", "bot", "faq", "--json", "--lang", "fr"],
        input=questions, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("TREMPLIN_")}, "TREMPLIN_CACHE_DIR": faq_cache},
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    rows = [json.loads(line) for line in found.stdout.splitlines()]
    assert [row["lang"] for row in rows] == ["fr"] * len(SMS_FRENCH) + ["en"]  # a long English message switches
