"""The bars of the FAQ on the public evaluation set, through the batch interface coordinators use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from tests.faq_eval.metrics import load_set, score, table, total

TOP1, TOP3, NONE_NOT_ANSWERED = 0.90, 0.97, 0.85


@pytest.fixture(scope="module")
def results(faq_cache: str) -> list[dict[str, object]]:
    rows = load_set()
    env = {**os.environ, "TREMPLIN_CACHE_DIR": faq_cache}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "faq", "--json"],
        input="\n".join(r.question for r in rows) + "\n",
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=900, check=True,
    )  # fmt: skip
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_batch_interface_gives_one_line_per_question(results):
    rows = load_set()
    assert len(results) == len(rows) >= 300
    assert [r["q"] for r in results] == [row.question for row in rows]
    for result in results:
        assert set(result) >= {"q", "lang", "topics", "scores", "answered"}
        assert len(result["topics"]) <= 3 and len(result["scores"]) == len(result["topics"])
        assert "none" not in result["topics"]


def test_the_detected_language_is_the_question_language_for_most_questions(results):
    rows = load_set()
    right = sum(r["lang"] == row.lang for r, row in zip(results, rows, strict=True))
    assert right / len(rows) >= 0.93


def test_the_faq_meets_its_bars_in_every_language(results):
    stats = score(load_set(), ((r["topics"], r["answered"]) for r in results))
    print("\n" + table(stats))
    for lang, s in stats.items():
        assert s.top1 / s.questions >= TOP1, f"top-1 in {lang}\n{table(stats)}"
        assert s.top3 / s.questions >= TOP3, f"top-3 in {lang}\n{table(stats)}"
    everything = total(stats)
    assert everything.nones_not_answered / everything.nones >= NONE_NOT_ANSWERED, table(stats)
