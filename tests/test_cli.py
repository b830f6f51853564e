"""The `tremplin` command as a newcomer meets it: clear one-line errors, a terminal chat in any language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.botprocess import FAQ_CACHE
from tests.conftest import ARABIC


@pytest.fixture(autouse=True)
def _faq_cache_ready(faq_cache: str) -> None:
    """Every `tremplin` here shares the FAQ cache the session computed once."""


def tremplin(*args: str, env: dict[str, str] | None = None, stdin: str = "", cwd: Path | None = None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "TREMPLIN_"))}
    full_env["TREMPLIN_CACHE_DIR"] = str(FAQ_CACHE)  # the FAQ's embeddings, computed once for the run
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        cwd=cwd,
    )


def test_run_without_a_token_says_so_in_one_line(tmp_path: Path):
    result = tremplin("run", env={"TREMPLIN_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_wrong_database_url_says_so_in_one_line(tmp_path: Path):
    for url in ("mysql://x@localhost/db", "not a url", "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        result = tremplin("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "DATABASE_URL" in result.stderr, result.stderr


def test_an_unknown_default_language_is_refused_clearly(tmp_path: Path):
    result = tremplin("chat", env={"TREMPLIN_DEFAULT_LANGUAGE": "klingon"}, cwd=tmp_path)
    assert result.returncode == 2 and "TREMPLIN_DEFAULT_LANGUAGE" in result.stderr


def test_db_upgrade_creates_the_sqlite_file(tmp_path: Path):
    result = tremplin("db", "upgrade", env={"TREMPLIN_DATA_DIR": str(tmp_path / "d")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "tremplin.sqlite3").exists()


def test_chat_in_arabic_needs_no_token(tmp_path: Path):
    env = {"TREMPLIN_DATA_DIR": str(tmp_path)}
    result = tremplin("chat", "--lang", "ar", env=env, stdin="1\n/quit\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    greeting = result.stdout.split("\n\n")[1]
    assert ARABIC.search(greeting)
    assert "[1]" in result.stdout


def test_chat_remembers_the_conversation_and_switches_language(tmp_path: Path):
    env = {"TREMPLIN_DATA_DIR": str(tmp_path)}
    first = tremplin("chat", env=env, stdin="1\n/quit\n", cwd=tmp_path)
    assert "Merci, c'est noté" in first.stdout
    again = tremplin("chat", env=env, stdin="/quit\n", cwd=tmp_path)
    assert "Re-bonjour" in again.stdout and "Que voulez-vous faire" in again.stdout
    arabic = tremplin("chat", "--lang", "ar", env=env, stdin="/quit\n", cwd=tmp_path)
    assert ARABIC.search(arabic.stdout.split("\n\n")[1])


def test_the_terminal_chat_runs_the_screening(tmp_path: Path):
    """Numbers press buttons: agree (no announcements), open the screening, then answer like a resident with
    no money."""
    taps = ["1", "2", "1", "2", "food truck", "2", "1", "2", "1", "1", "1", "38", "1", "2", "2", "2", "/quit"]
    result = tremplin("chat", env={"TREMPLIN_DATA_DIR": str(tmp_path)}, stdin="\n".join(taps) + "\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Question 13" in result.stdout
    summary = result.stdout.split("Merci, c'est fini !")[1]
    assert "CitésLab" in summary and "prêt d'honneur" in summary and "réunion d'information" in summary


def test_the_terminal_chat_answers_a_typed_question(tmp_path: Path):
    result = tremplin("chat", env={"TREMPLIN_DATA_DIR": str(tmp_path)}, stdin="1\nc koi une cae\n/quit\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "CAE : lancer son activité dans une coopérative" in result.stdout
    assert "👍 Oui" in result.stdout


def test_faq_batch_reads_questions_and_writes_json_lines(tmp_path: Path):
    result = tremplin("faq", "--json", stdin="c koi une cae\nqui a gagné le match hier ?\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["q"] == "c koi une cae" and lines[0]["lang"] == "fr"
    assert lines[0]["topics"][0] == "cae" and lines[0]["answered"] is True
    assert lines[1]["answered"] is False and len(lines[1]["topics"]) <= 3
