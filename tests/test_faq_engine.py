"""The retrievers behind "Ask a question": spelling-tolerant, offline, over the shipped base."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.core.faq import Bm25, CharNgrams, documents, normalise
from bot.core.knowledge import load_entries


@pytest.fixture(scope="module")
def docs() -> list[tuple[str, str]]:
    return documents(load_entries(PROJECT_ROOT / "knowledge" / "entries"))


def test_spelling_is_normalised_before_matching():
    assert normalise("Créééer ma SOCIÉTÉ !!!") == "creer ma societe !!"
    assert normalise("مـــشروع") == normalise("مشروع")


@pytest.mark.parametrize("method", [CharNgrams, Bm25])
@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("l'acre c koi", "acre"),
        ("pret adie microcredit combien", "microcredit"),
        ("kifach nlqa mission locale", "mission-locale"),
        pytest.param(
            "як відкрити мікропідприємство",
            "micro-entreprise",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known weakness, to fix on the evaluation set: a short example of another topic sharing "
                "'як відкрити' outweighs the topic's own title when topics are scored by their best document",
            ),
        ),
    ],
)
def test_obvious_questions_find_their_topic(docs, method, question, topic):
    assert method(docs).search(question)[0].topic == topic
