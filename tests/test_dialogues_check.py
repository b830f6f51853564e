"""`tremplin dialogues check` catches each kind of broken questionnaire, and the bot refuses to start on one."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.core.screening.loader import load_screening
from tests.test_cli import tremplin

REAL = PROJECT_ROOT / "dialogues" / "screening.yml"


@pytest.fixture
def data() -> dict[str, Any]:
    return yaml.safe_load(REAL.read_text(encoding="utf-8"))


def problems_of(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = tmp_path / "screening.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_screening(path)[1]


def question(data: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == qid)


def test_the_shipped_file_is_valid():
    assert load_screening(REAL)[1] == []


def test_unknown_question_answer_tag_and_step_are_named(tmp_path, data):
    question(data, "trade")["when"] = {"stge": ["idea"]}
    question(data, "market")["when"] = {"stage": ["ideaa"]}
    data["rules"][0]["when"] = {"tag": "no_tarde"}
    data["rules"][1]["steps"] = ["job_frist"]
    found = "\n".join(problems_of(tmp_path, data))
    assert "unknown question 'stge'" in found
    assert "unknown answer 'ideaa' of question 'stage'" in found
    assert "unknown tag 'no_tarde'" in found
    assert "unknown step 'job_frist'" in found


def test_a_question_that_can_never_be_asked_is_unreachable(tmp_path, data):
    question(data, "trade")["when"] = {"stage": ["idea"], "not": {"stage": ["idea"]}}
    found = "\n".join(problems_of(tmp_path, data))
    assert "question trade.when" in found and "unreachable" in found


def test_a_question_depending_on_a_later_one_is_unreachable(tmp_path, data):
    question(data, "stage")["when"] = {"urgency": ["now"]}
    found = "\n".join(problems_of(tmp_path, data))
    assert "not asked before it" in found


def test_an_answer_without_score_is_refused(tmp_path, data):
    del question(data, "money")["answers"][0]["score"]
    found = "\n".join(problems_of(tmp_path, data))
    assert "answer 'none' has no score" in found


def test_duplicate_ids_bad_actions_and_empty_texts(tmp_path, data):
    broken = copy.deepcopy(data)
    broken["questions"].append(copy.deepcopy(broken["questions"][0]))
    broken["steps"]["counsellor"]["action"] = "booking"
    question(broken, "time")["text"] = ""
    found = "\n".join(problems_of(tmp_path, broken))
    assert "two questions share an id" in found
    assert "unknown action 'booking'" in found
    assert "question time.text: needs a text" in found


def test_missing_translations_are_listed_by_the_command(tmp_path, data):
    question(data, "time")["text"] = "Une question toute neuve, pas encore traduite ?"
    path = tmp_path / "screening.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = tremplin("dialogues", "check", "--file", str(path), cwd=tmp_path)
    assert result.returncode == 1
    for lang in ("en", "ar", "es", "pt", "tr", "uk"):
        assert f"not translated in {lang}: 'Une question toute neuve" in result.stdout


def test_the_shipped_file_passes_the_command(tmp_path):
    result = tremplin("dialogues", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("screening.yml: ok")


def test_the_bot_refuses_to_start_on_a_broken_file(tmp_path, data):
    content = tmp_path / "content"
    (content / "dialogues").mkdir(parents=True)
    (content / "knowledge").mkdir()
    (content / "knowledge" / "territory.yml").write_text(
        (PROJECT_ROOT / "knowledge" / "territory.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (content / "locales").symlink_to(PROJECT_ROOT / "locales")
    del question(data, "money")["answers"][0]["score"]
    (content / "dialogues" / "screening.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {"TREMPLIN_CONTENT_DIR": str(content), "TREMPLIN_DATA_DIR": str(tmp_path / "data")}
    result = tremplin("chat", env=env, stdin="/quit\n", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "has no score" in result.stderr
