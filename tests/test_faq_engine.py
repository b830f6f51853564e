"""The matcher behind "Ask a question": spelling-tolerant, offline, over the shipped base."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.config import PROJECT_ROOT
from bot.core.knowledge.answers import Answers
from bot.core.knowledge.content import load_entries
from bot.core.knowledge.flow import small_talk
from bot.core.knowledge.gaps import mask
from bot.core.knowledge.language import Detector, load_words
from bot.core.knowledge.matcher import Bm25, Matcher, documents
from bot.core.knowledge.vectors import E5Encoder, EmbeddingCache
from bot.core.normalise import normalise, romanised
from tests.botprocess import FAQ_CACHE

WORDS = load_words(PROJECT_ROOT / "dialogues" / "words.yml")


def test_spelling_is_normalised_before_matching():
    assert normalise("Créééer ma SOCIÉTÉ !!!") == "creer ma societe !!"
    assert normalise("مـــشروع") == normalise("مشروع")
    assert normalise("مدرسة إبن") == normalise("مدرسه ابن")  # taa marbuta and hamza seats merged
    assert normalise("wa7ed n9der") == normalise("wahed nqder")  # Arabizi digits spelled out
    assert normalise("le 2eme rdv a 14h") == "le 2eme rdv a 14h"  # ordinals and hours are not Arabizi


def test_arabic_script_meets_its_latin_spelling():
    assert romanised("كيفاش") == "kifach"
    assert romanised("الرسا") == "rsa"  # the article goes
    assert romanised("chomage") is None


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("l'acre c koi", "acre"),
        ("pret adie microcredit combien", "microcredit"),
        ("kifach nlqa mission locale", "mission-locale"),
        ("sirket kurmadan kendi isimi yapabilir miyim", "cae"),
        ("شنو هي CAE؟", "cae"),
    ],
)
def test_obvious_questions_are_answered_with_their_topic(answers: Answers, question, topic):
    asked = answers.ask_now(question)
    assert asked.result.topics[0].topic == topic


def test_an_ambiguous_question_offers_the_topic_among_three(answers: Answers):
    # "how to open a micro-enterprise": the steps, the status and the registration are all fair readings
    topics = [m.topic for m in answers.ask_now("як відкрити мікропідприємство").result.topics]
    assert "micro-entreprise" in topics and len(topics) == 3


@pytest.mark.parametrize(
    "question", ["will it rain in lyon tomorrow", "qui a gagné le match hier soir", "рецепт борщу будь ласка"]
)
def test_out_of_scope_questions_are_not_answered(answers: Answers, question):
    assert not answers.ask_now(question).result.answered


def test_without_embeddings_the_spelling_views_still_answer():
    docs = documents(load_entries(PROJECT_ROOT / "knowledge" / "entries"))
    matcher = Matcher(docs, encoder=None, cache=None)
    assert matcher.ask("c koi une cae").topics[0].topic == "cae"
    assert Bm25(docs).search("c koi une cae")[0].topic == "cae"


class CountingE5(E5Encoder):
    """The real model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts, query):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().embed(texts, query)


def test_embeddings_are_cached_by_text_and_recomputed_only_for_new_texts(tmp_path: Path):
    encoder = CountingE5()
    texts = ["c'est quoi une CAE", "prêt d'honneur", "c'est quoi une CAE"]  # the same text twice
    first = EmbeddingCache(encoder, tmp_path).vectors(texts, [True] * 3)
    assert encoder.embedded == 2
    assert np.allclose(first[0], first[2])
    assert np.allclose(first[1], encoder.embed(["prêt d'honneur"], query=True)[0], atol=1e-2)  # stored as float16
    encoder.embedded = 0
    again = EmbeddingCache(encoder, tmp_path).vectors([*texts, "le RSA"], [True] * 4)
    assert encoder.embedded == 1
    assert np.allclose(again[:3], first)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("bghit ndir auto entrepreneur", "ar"),
        ("ana 3andi projet dyal snack", "ar"),
        ("شنو خاصني باش نحل مشروع", "ar"),
        ("що таке мікропідприємство", "uk"),
        ("что такое микропредприятие", "uk"),
        ("jvoudrai savoir coment on cré une entreprise", "fr"),
        ("kendi isimi kurmak istiyorum nasil yapilir", "tr"),
        ("quiero abrir una peluqueria y no tengo dinero", "es"),
        ("quero abrir um salao de beleza mas nao tenho dinheiro", "pt"),
        ("i want to open a shop what do i do first", "en"),
    ],
)
def test_the_language_of_a_message_is_recognised_however_it_is_typed(text, lang):
    assert Detector(WORDS).guess(text).code == lang


def test_greetings_and_thanks_are_not_questions():
    assert small_talk("Bonjour !", WORDS) == "greeting"
    assert small_talk("salam 3likom", WORDS) == "greeting"
    assert small_talk("merci beaucoup 🙏", WORDS) == "thanks"
    assert small_talk("شكرا", WORDS) == "thanks"
    assert small_talk("bonjour je voudrais savoir ce qu'est une CAE", WORDS) is None
    assert small_talk("ok", WORDS) == small_talk("d'accord", WORDS) == small_talk("واخا", WORDS) == "ok"
    assert small_talk("ok pour la cae", WORDS) is None


def test_phone_numbers_and_emails_never_reach_the_gap_log():
    masked = mask("appelez moi au 06 12 34 56 78 ou ecrivez a fatima.b@example.fr pour la cae")
    assert "06" not in masked and "@" not in masked and "pour la cae" in masked


def test_a_changed_base_is_learnt_again_not_read_from_a_stale_cache(tmp_path: Path):
    from bot.core.knowledge.matcher import Doc

    base = [
        Doc("cae", "c'est quoi une cae", "question"),
        Doc("acre", "l'acre c'est quoi", "question"),
        Doc("acre", "moins de cotisations au début", "question"),
        Doc("cae", "coopérative d'activité", "question"),
    ]
    assert Matcher(base, cache=tmp_path).ask("cotisations").topics[0].topic == "acre"
    changed = [*base, Doc("honour-loan", "prêt d'honneur à zéro pour cent", "question")]
    assert Matcher(changed, cache=tmp_path).ask("pret d'honneur").topics[0].topic == "honour-loan"
    assert Matcher(base, cache=tmp_path).ask("cotisations").topics[0].topic == "acre"


def test_a_bot_stopped_while_its_answers_load_stops_quietly(answers: Answers, caplog: pytest.LogCaptureFixture):
    """A restart during the start-up build is routine: it must not be reported as a broken FAQ."""
    caplog.set_level("DEBUG", logger="bot.core.knowledge.answers")
    loading = Answers(PROJECT_ROOT, FAQ_CACHE)
    loading.wait()  # the first stage answers; the embeddings are still being read
    loading.close()
    loading.wait(complete=True)
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    assert "sentence embeddings in use" not in caplog.text  # closed before the second stage ended
