"""The FAQ on the public evaluation set: accuracy, time per question and memory, against baselines.

Run: `.venv/bin/python bench/faq_eval.py`. The bot's own matcher is built first, exactly as the bot
builds it (embeddings and classifiers from the cache in data/cache/, computed on first use), and the
process's resident memory is read right after, with the Telegram and database libraries imported
too. Then every question of tests/faq_eval/ is asked, timing the bot's own work (language detection
and matching, on its worker thread). The other methods run in the same process afterwards: BM25
with Snowball stems (the lexical baseline), the n-gram classifier alone, the closest document by
character n-grams, and the e5-small classifier alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.knowledge.answers import Answers  # noqa: E402
from bot.core.knowledge.matcher import NONE, Bm25, Matcher, TopicIndex, ranked  # noqa: E402
from bot.core.knowledge.vectors import CharNgrams  # noqa: E402
from tests.faq_eval.metrics import Row, load_set, score, table, total  # noqa: E402

BM25_CONFIDENT = 8.0  # BM25 has no "none": above this score the baseline would answer


def resident_mb(field: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS) or at its highest so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(rows: Sequence[Row], ask: Callable[[str], tuple[list[str], bool]]) -> tuple[str, list[float], float]:
    timings: list[float] = []
    found = []
    for row in rows:
        started = time.perf_counter()
        found.append(ask(row.question))
        timings.append(time.perf_counter() - started)
    stats = score(rows, found)
    everything = total(stats)
    return table(stats), timings, everything.top1 / everything.questions


def times(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--fresh", action="store_true", help="build in an empty cache, as a fresh clone does")
    args = parser.parse_args()
    rows = load_set()
    import bot.telegram.application  # the rest of the bot, for an honest memory figure

    fresh = tempfile.TemporaryDirectory(prefix="tremplin-faq-") if args.fresh else None
    started = time.perf_counter()
    answers = Answers(ROOT, Path(fresh.name) if fresh else ROOT / "data" / "cache")
    answers.wait()
    ready = time.perf_counter() - started
    memory_ready = resident_mb()
    answers.wait(complete=True)
    built = time.perf_counter() - started
    memory, peak = resident_mb(), resident_mb("VmHWM")
    print(
        f"{'empty' if fresh else 'computed'} cache: ready to answer after {ready:.1f} s ({memory_ready:.0f} MB),"
        f" embeddings in use after {built:.1f} s ({memory:.0f} MB); highest resident memory {peak:.0f} MB"
    )
    answers.ask_now("warm up")

    def bot(question: str) -> tuple[list[str], bool]:
        asked = answers.ask_now(question)
        return [m.topic for m in asked.result.topics], asked.result.answered

    report, bot_times, bot_top1 = run(rows, bot)
    print(f"{len(rows)} questions\n")
    print("the bot (n-gram classifier, then e5-small classifier when unsure; margin and agreement rules):")
    print(report)
    print(f"time per question: {times(bot_times)}\n")

    bm25 = Bm25(answers.docs)

    def baseline(question: str) -> tuple[list[str], bool]:
        found = bm25.search(question, 3)
        return [m.topic for m in found], bool(found) and found[0].score >= BM25_CONFIDENT

    report, bm25_times, bm25_top1 = run(rows, baseline)
    print("baseline: BM25 over Snowball stems (best document per topic):")
    print(report)
    print(f"time per question: {times(bm25_times)}\n")

    spelling = Matcher(answers.docs, encoder=None, cache=ROOT / "data" / "cache")

    def lexical(question: str) -> tuple[list[str], bool]:
        result = spelling.ask(question)
        return [m.topic for m in result.topics], result.answered

    report, lexical_times, _ = run(rows, lexical)
    print("the bot before its embeddings are ready (n-gram classifier alone):")
    print(report)
    print(f"time per question: {times(lexical_times)}\n")

    matcher, _ = answers.matcher_and_detector()
    ngrams = CharNgrams([d.text for d in answers.docs])
    index = TopicIndex(answers.docs)

    def nearest(question: str) -> tuple[list[str], bool]:
        found = ranked(index.topics, index.best(ngrams.scores(question)), 4)
        topics = [m.topic for m in found if m.topic != NONE][:3]
        return topics, found[0].topic != NONE and found[0].score >= 0.5

    report, nearest_times, _ = run(rows, nearest)
    print("character 3-5-gram TF-IDF, closest document per topic (answers at cosine >= 0.5):")
    print(report)
    print(f"time per question: {times(nearest_times)}\n")

    def meaning(question: str) -> tuple[list[str], bool]:
        assert matcher.encoder is not None and matcher.meaning is not None
        probabilities = matcher.meaning.probabilities(matcher.encoder.embed([question], query=True)[0])
        found = ranked(matcher.index.topics, probabilities.astype(float), 4)
        topics = [m.topic for m in found if m.topic != NONE][:3]
        return topics, found[0].topic != NONE and found[0].score >= 0.5

    report, meaning_times, _ = run(rows, meaning)
    print("multilingual-e5-small classifier alone (answers at probability >= 0.5):")
    print(report)
    print(f"time per question: {times(meaning_times)}\n")
    ratio = statistics.median(bot_times) / statistics.median(bm25_times)
    print(
        f"summary: top-1 {bot_top1:.1%} (BM25 {bm25_top1:.1%}); median time {ratio:.0f}× BM25's; "
        f"memory {memory:.0f} MB with the bot's libraries loaded (highest {peak:.0f} MB)"
    )
    answers.close()
    if fresh:
        fresh.cleanup()


if __name__ == "__main__":
    main()
