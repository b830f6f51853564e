"""How the matcher's settings were chosen: cross-validation on the base's own questions, never on the
public evaluation set (tests/faq_eval/), which stays a held-out measure.

Run: `.venv/bin/python bench/faq_tune.py`. The resident questions of every topic (and `none`) are
split in 5 folds; for each fold the n-gram index and both classifiers are built without it, and its
questions are matched. It prints top-1 per language group (and, for `none`, how often it comes
first) for each weighting of the three views tried.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.knowledge.content import load_entries, load_questions  # noqa: E402
from bot.core.knowledge.matcher import (  # noqa: E402
    NONE,
    Classifier,
    Doc,
    TopicIndex,
    documents,
    standardised,
)
from bot.core.knowledge.vectors import CharNgrams, E5Encoder, EmbeddingCache  # noqa: E402

FOLDS = 5
GRID = [(lex, spelling, round(1 - lex - spelling, 2)) for lex in (0.0, 0.15, 0.3) for spelling in (0.3, 0.5, 0.7)
        if lex + spelling < 1]  # fmt: skip


def main() -> None:
    entries = load_entries(ROOT / "knowledge" / "entries")
    questions = load_questions(ROOT / "knowledge" / "questions")
    docs = documents(entries, questions)
    language = {}  # the language group of each resident question, for the report
    for lang, by_topic in questions.items():
        for texts in by_topic.values():
            for text in texts:
                language[text] = lang
    index = TopicIndex(docs)
    classes = len(index.topics)
    taught = [i for i, d in enumerate(docs) if d.kind != "answer"]
    encoder = E5Encoder()
    cache = EmbeddingCache(encoder, ROOT / "data" / "cache")
    vectors = cache.vectors([docs[i].text for i in taught], [True] * len(taught))
    vector_of = dict(zip(taught, vectors, strict=True))
    held = [i for i, d in enumerate(docs) if d.kind == "question" and d.text in language]
    rng = np.random.default_rng(7)
    fold_of = dict(zip(held, rng.integers(0, FOLDS, len(held)), strict=True))
    hits: dict[tuple[float, ...], dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for fold in range(FOLDS):
        keep = [i for i in range(len(docs)) if fold_of.get(i, -1) != fold]
        test = [i for i in held if fold_of[i] == fold]
        kept_docs: list[Doc] = [docs[i] for i in keep]
        kept_index = TopicIndex(kept_docs)
        assert kept_index.topics == index.topics
        ngrams = CharNgrams([d.text for d in kept_docs])
        train = [j for j, i in enumerate(keep) if i in vector_of]
        labels = kept_index.of_doc[train]
        spelling = Classifier.on_ngrams(ngrams.rows(train), labels, classes)
        meaning = Classifier.on_embeddings(np.vstack([vector_of[keep[j]] for j in train]), labels, classes)
        for i in test:
            vector = ngrams.vector(docs[i].text)
            views = (
                standardised(kept_index.top_mean(ngrams.scores(docs[i].text), 3)),
                standardised(np.log(spelling.sparse_probabilities(vector).astype(np.float64) + 1e-9)),
                standardised(np.log(meaning.probabilities(vector_of[i]).astype(np.float64) + 1e-9)),
            )
            for weights in GRID:
                scores = sum(w * v for w, v in zip(weights, views, strict=True))
                order = [index.topics[t] for t in np.argsort(-scores)]
                first = order[0] if docs[i].topic == NONE else next(t for t in order if t != NONE)
                group = "none" if docs[i].topic == NONE else language[docs[i].text]
                counts = hits[weights][group]
                counts[0] += first == docs[i].topic
                counts[1] += 1
        print(f"fold {fold + 1}/{FOLDS} done", flush=True)
    groups = sorted({g for by_group in hits.values() for g in by_group})
    print("weights (n-gram neighbours, n-gram classifier, embedding classifier); `none`: ranked first")
    print("weights            " + " ".join(f"{g:>6}" for g in groups) + "  in-scope")
    for weights, by_group in sorted(hits.items()):
        right = sum(c[0] for g, c in by_group.items() if g != "none")
        seen = sum(c[1] for g, c in by_group.items() if g != "none")
        cells = " ".join(f"{by_group[g][0] / by_group[g][1]:6.1%}" for g in groups)
        print(f"{weights!s:18} {cells} {right / seen:8.1%}")


if __name__ == "__main__":
    main()
