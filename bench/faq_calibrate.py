"""How sure the matcher must be before it answers: thresholds chosen on held-out folds of the base's
own questions, then checked once on the public evaluation set.

Run: `.venv/bin/python bench/faq_calibrate.py` (a few minutes). The resident questions of every
topic (and `none`) are split in 5 folds; for each fold both classifiers are trained without it, and
its questions are scored. Every rule of the grid is then applied to those held-out scores:

- stage 1, the n-gram classifier alone (0.3 ms a question): answer when its best topic is this far
  ahead (in standard deviations of the question's topic scores) of the next one and of `none`;
- stage 2, only for the questions stage 1 is unsure about: the embedding classifier too (about
  20 ms), with today's rule (`MIN_MARGIN`, `CLEAR_MARGIN`).

It prints, per rule: in-scope questions answered right and wrong, out-of-scope questions not
answered, and how many questions needed stage 2; first on the folds (where the rule is chosen: the
most answered with no more wrong answers than the rule used before), then on the public set.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.knowledge.content import load_entries, load_questions  # noqa: E402
from bot.core.knowledge.matcher import NONE, Classifier, Doc, TopicIndex, documents, standardised  # noqa: E402
from bot.core.knowledge.vectors import CharNgrams, E5Encoder, EmbeddingCache  # noqa: E402
from tests.faq_eval.metrics import load_set  # noqa: E402

FOLDS = 5
Scores = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scored:
    """One question: its right topic and the three signals the bot reads, over the topics."""

    topic: int
    spelling: Scores  # the n-gram classifier's probabilities
    meaning: Scores  # the embedding classifier's probabilities
    nearest: Scores  # each topic's closest base question, by n-gram cosine


@dataclass(frozen=True)
class Rule:
    first: float  # stage 1: the n-gram classifier's probability, its closest question agreeing
    outside: float  # stage 1: the same for `none` (out of scope, said without the embeddings)
    low: float  # stage 2: MIN_MARGIN
    clear: float  # stage 2: CLEAR_MARGIN
    agreed: float  # stage 2: the margin that suffices when all three signals agree


def std(p: Scores) -> Scores:
    return standardised(np.log(p + 1e-9))


def decide(none: int, item: Scored, rule: Rule) -> tuple[int, str, bool]:
    """(first topic other than `none`, outcome, embeddings used): bot/core/knowledge/matcher.py's rule."""
    spelling, nearest = item.spelling, item.nearest
    top = int(np.argmax(spelling))
    best = int(np.argsort(-spelling)[1]) if top == none else top
    if spelling[top] >= (rule.first if top != none else rule.outside) and int(np.argmax(nearest)) == top:
        return best, ("answered" if top != none else "none"), False
    scores = (std(spelling) + std(item.meaning)) / 2
    order = np.argsort(-scores)
    first = int(order[0])
    best = int(order[1]) if first == none else first
    if first == none or scores[first] - scores[none] < rule.low:
        return best, "none", True
    margin = scores[first] - scores[int(order[1])]
    signals = (int(np.argmax(spelling)), int(np.argmax(item.meaning)))
    agree = all(s == first for s in signals)
    sure = margin >= rule.clear or (agree and margin >= rule.low)
    sure = sure or (agree and int(np.argmax(nearest)) == first and margin >= rule.agreed)
    return best, "answered" if sure else "unsure", True


@dataclass(frozen=True)
class Rates:
    right: float
    wrong: float
    wrong_count: int
    kept_out: float
    embeddings: float


def rates(none: int, items: Sequence[Scored], rule: Rule) -> Rates:
    inscope = sum(i.topic != none for i in items)
    nones = len(items) - inscope
    right = wrong = kept_out = used = 0
    for item in items:
        best, said, with_embeddings = decide(none, item, rule)
        used += with_embeddings
        if item.topic == none:
            kept_out += said != "answered"
        elif said == "answered":
            right += best == item.topic
            wrong += best != item.topic
    return Rates(right / inscope, wrong / inscope, wrong, kept_out / max(1, nones), used / len(items))


def show(label: str, rule: Rule, r: Rates) -> None:
    print(
        f"{label:7} {rule}: answered right {r.right:6.1%}, wrong {r.wrong:5.1%} ({r.wrong_count}),"
        f" out of scope kept out {r.kept_out:6.1%}, embeddings for {r.embeddings:5.1%}"
    )


def signals(
    spelling: Classifier, meaning: Classifier, ngrams: CharNgrams, index: TopicIndex, text: str, vector: Scores
) -> tuple[Scores, Scores, Scores]:
    return (
        spelling.sparse_probabilities(ngrams.vector(text)).astype(np.float64),
        meaning.probabilities(vector).astype(np.float64),
        index.best(ngrams.scores(text)),
    )


def collect() -> tuple[list[str], list[Scored], list[Scored]]:
    """The three signals for every held-out question of the folds, and for the public set."""
    entries = load_entries(ROOT / "knowledge" / "entries")
    questions = load_questions(ROOT / "knowledge" / "questions")
    docs = documents(entries, questions)
    index = TopicIndex(docs)
    topics, classes = index.topics, len(index.topics)
    taught = [i for i, d in enumerate(docs) if d.kind != "answer"]
    encoder = E5Encoder()
    cache = EmbeddingCache(encoder, ROOT / "data" / "cache")
    vectors = cache.vectors([docs[i].text for i in taught], [True] * len(taught))
    vector_of = dict(zip(taught, vectors, strict=True))
    residents = {text for by_topic in questions.values() for texts in by_topic.values() for text in texts}
    held = [i for i, d in enumerate(docs) if d.kind == "question" and d.text in residents]
    rng = np.random.default_rng(7)
    fold_of = dict(zip(held, rng.integers(0, FOLDS, len(held)), strict=True))
    folds: list[Scored] = []
    for fold in range(FOLDS):
        keep = [i for i in taught if fold_of.get(i, -1) != fold]
        kept: list[Doc] = [docs[i] for i in keep]
        kept_index = TopicIndex(kept)
        assert kept_index.topics == topics
        ngrams = CharNgrams([d.text for d in kept])
        spelling = Classifier.on_ngrams(ngrams.rows(range(len(kept))), kept_index.of_doc, classes)
        meaning = Classifier.on_embeddings(np.vstack([vector_of[i] for i in keep]), kept_index.of_doc, classes)
        for i in held:
            if fold_of[i] == fold:
                found = signals(spelling, meaning, ngrams, kept_index, docs[i].text, vector_of[i])
                folds.append(Scored(topics.index(docs[i].topic), *found))
        print(f"fold {fold + 1}/{FOLDS} done", flush=True)

    taught_docs = [docs[i] for i in taught]
    taught_index = TopicIndex(taught_docs)
    ngrams = CharNgrams([d.text for d in taught_docs])
    spelling = Classifier.on_ngrams(ngrams.rows(range(len(taught))), taught_index.of_doc, classes)
    meaning = Classifier.on_embeddings(vectors, taught_index.of_doc, classes)
    rows = load_set()
    asked = encoder.embed([r.question for r in rows], query=True)
    public = [
        Scored(topics.index(r.topic), *signals(spelling, meaning, ngrams, taught_index, r.question, v))
        for r, v in zip(rows, asked, strict=True)
    ]

    return list(topics), folds, public


def main() -> None:
    kept = Path(sys.argv[1]) if len(sys.argv) > 1 else None  # scores kept, to try rules without training
    if kept is not None and kept.exists():
        topics, folds, public = pickle.loads(kept.read_bytes())
    else:
        topics, folds, public = collect()
        if kept is not None:
            kept.write_bytes(pickle.dumps((topics, folds, public)))
    none = topics.index(NONE)
    before = Rule(2.0, 2.0, 1.0, 1.5, 99.0)  # the rule before: no stage 1 (a probability above 1), no third signal
    base = rates(none, folds, before)
    print(f"\n{len(folds)} held-out questions of the base ({FOLDS} folds); {len(public)} of the public set\n")
    show("folds", before, base)
    # The speed goal (5 ms median) needs the embeddings skipped for more than half of the questions
    # residents ask; the folds' questions are harder (written to teach each topic's edge cases), so
    # 62 % of them is the bound. Among those rules: the fewest wrong answers on the folds, then the most right.
    tried = []
    for first in (0.5, 0.6, 0.7, 0.8):
        for outside in (0.3, 0.5, 0.7):
            for low in (0.75, 1.0):
                for clear in (1.25, 1.5):
                    for agreed in (0.5, 99.0):
                        rule = Rule(first, outside, low, clear, agreed)
                        tried.append((rule, rates(none, folds, rule)))
    tried.sort(key=lambda c: (c[1].wrong_count, -c[1].right))
    candidates = [(rule, found) for rule, found in tried if found.embeddings < 0.62]
    candidates = [(r, f) for r, f in candidates if f.kept_out >= base.kept_out - 0.021] or candidates
    if len(candidates) < len(tried) and not any(f.kept_out >= base.kept_out - 0.021 for _, f in candidates):
        print("\nno rule under 62 % of embeddings keeps out as many `none` questions (within 2 points): kept out most")
        candidates.sort(key=lambda c: (-round(c[1].kept_out, 2), c[1].wrong_count, -c[1].right))
    print("\nthe rules that use the embeddings for less than 62 % of the questions, fewest wrong answers first:")
    for rule, found in candidates[:8]:
        show("folds", rule, found)
    chosen = candidates[0][0]
    print(f"\nchosen: {chosen}\n")
    show("public", before, rates(none, public, before))
    show("public", chosen, rates(none, public, chosen))


if __name__ == "__main__":
    main()
