"""The house rules that tools can check: ruff and mypy stay clean on bot/."""

from __future__ import annotations

import subprocess
import sys

from bot.config import PROJECT_ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_is_clean_on_bot():
    result = run("ruff", "check", "bot")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_bot():
    result = run("mypy", "bot")
    assert result.returncode == 0, result.stdout + result.stderr
