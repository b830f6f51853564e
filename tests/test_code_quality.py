"""The house rules that tools can check: ruff and mypy stay clean on bot/, and the layout keeps its shape."""

from __future__ import annotations

import ast
import re
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


def modules() -> list[tuple[str, str]]:
    """(path, source) of every hand-written module of bot/ (migrations are generated)."""
    root = PROJECT_ROOT / "bot"
    return [
        (str(path.relative_to(PROJECT_ROOT)), path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_modules_and_classes_stay_small():
    too_long = []
    for path, source in modules():
        if len(source.splitlines()) > 400:
            too_long.append(f"{path}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and (node.end_lineno or 0) - node.lineno + 1 > 250:
                too_long.append(f"{path}: class {node.name} has {(node.end_lineno or 0) - node.lineno + 1} lines")
    assert not too_long, too_long


def test_the_core_speaks_of_messages_not_of_telegram_and_features_meet_through_services():
    broken = []
    for path, source in modules():
        imported = [m.group(1) for m in re.finditer(r"^\s*(?:from|import) ([\w.]+)", source, re.M)]
        if path.startswith("bot/core/"):
            broken += [f"{path} imports {m}" for m in imported if m.split(".")[0] == "telegram" or m == "bot.telegram"]
            broken += [f"{path} imports {m}" for m in imported if m.startswith("bot.telegram.")]
        feature = re.match(r"bot/core/(\w+)/", path)
        if feature is not None:
            flows = [m for m in imported if re.fullmatch(r"bot\.core\.(\w+)\.flow", m)]
            broken += [f"{path} imports {m}" for m in flows if m.split(".")[2] != feature.group(1)]
    assert not broken, broken
