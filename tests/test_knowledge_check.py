"""`tremplin knowledge check` names each kind of problem a coordinator can make in the base."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.config import SUPPORTED_LANGUAGES
from bot.core.knowledge.content import MANDATORY, check, fill, load_amounts

TODAY = date(2026, 11, 25)


def entry(entry_id: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": entry_id,
        "checked": "2026-11-01",
        "sources": [{"name": "Service-public.fr", "url": "https://entreprendre.service-public.fr/"}],
        "related": [],
        "title": {lang: f"Titre {lang}" for lang in SUPPORTED_LANGUAGES},
        "answer": {lang: f"Réponse {lang} {{{{micro_ceiling}}}}" for lang in SUPPORTED_LANGUAGES},
        "examples": {lang: ["a", "b", "c"] for lang in SUPPORTED_LANGUAGES},
    }
    data.update(changes)
    return data


def base(tmp_path: Path, entries: list[dict[str, Any]], amounts: dict[str, Any] | None = None) -> Path:
    folder = tmp_path / "knowledge" / "entries"
    folder.mkdir(parents=True)
    for data in entries:
        (folder / f"{data['id']}.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (tmp_path / "knowledge" / "amounts").mkdir()
    default = {"micro_ceiling": {"value": "77 700 €", "source": "Urssaf", "checked": "2026-11-01"}}
    (tmp_path / "knowledge" / "amounts" / "a.yml").write_text(
        yaml.safe_dump(amounts if amounts is not None else default), encoding="utf-8"
    )
    return tmp_path


def test_a_complete_base_has_no_problem(tmp_path):
    root = base(tmp_path, [entry(i) for i in MANDATORY])
    assert check(root, TODAY) == []


def test_each_kind_of_mistake_is_named(tmp_path):
    broken = [entry(i) for i in MANDATORY if i not in ("cae", "qpv")]
    broken.append(entry("cae", related=["cape", "coopp"], sources=[], checked="2024-05-01"))
    qpv = entry("qpv")
    del qpv["answer"]["uk"]
    qpv["examples"]["ar"] = ["one"]
    qpv["answer"]["fr"] = "Plafond : {{micro_plafond}}. " + "mot " * 140
    qpv["title"]["es"] = qpv["title"]["fr"]
    broken.append(qpv)
    found = "\n".join(check(base(tmp_path, broken), TODAY))
    assert "cae: related topic 'coopp' does not exist" in found
    assert "cae: needs its official sources" in found
    assert "cae: last checked on 2024-05-01, more than a year ago" in found
    assert "qpv: answer missing in uk" in found
    assert "qpv: needs at least 3 example questions in ar" in found
    assert "qpv: fr uses {{micro_plafond}}, which knowledge/amounts/ does not define" in found
    assert "qpv: the French answer has" in found
    assert "qpv: title in es is still the French text" in found


def test_missing_mandatory_entries_and_stale_amounts(tmp_path):
    stale = {"micro_ceiling": {"value": "77 700 €", "source": "Urssaf", "checked": "2023-01-01"}}
    found = check(base(tmp_path, [entry("cae")], stale), TODAY)
    assert "qpv: mandatory entry is missing (knowledge/entries/qpv.yml)" in found
    assert "amounts: micro_ceiling was last checked more than a year ago (or never)" in found


def test_amounts_are_written_once_and_filled_in(tmp_path):
    folder = tmp_path / "amounts"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.yml").write_text(
            "acre_rate:\n  value: '50 %'\n  source: Urssaf\n  checked: 2026-11-01\n", encoding="utf-8"
        )
    amounts, problems = load_amounts(folder)
    assert problems == ["amounts/b.yml: acre_rate is already defined in another file"]
    assert fill("Exonération de {{ acre_rate }}.", amounts) == "Exonération de 50 %."
    assert fill("إعفاء {{acre_rate}}", amounts, rtl=True) == "إعفاء \u206850 %\u2069"


def test_amounts_carry_no_words(tmp_path):
    words = {"micro_ceiling": {"value": "4 ans", "source": "Urssaf", "checked": "2026-11-01"}}
    found = check(base(tmp_path, [entry(i) for i in MANDATORY], words), TODAY)
    assert any(line.startswith("amounts: micro_ceiling = '4 ans' has words in it") for line in found)


def test_the_shipped_knowledge_base_is_complete_and_current():
    """All mandatory topics, seven languages, sources, and checked within the last year."""
    from bot.config import PROJECT_ROOT

    problems = check(PROJECT_ROOT, date.today())
    assert problems == [], "\n".join(problems)
