"""`tremplin dialogues`: check the questionnaire and its translations, print the Rasa domain."""

from __future__ import annotations

from pathlib import Path

from bot.core.territory import ContentError


def check_dialogues(path: Path, root: Path) -> int:
    """Print every problem with where it is; exit 1 if there is any."""
    from bot.cli import i18n as catalogs
    from bot.core.screening.loader import load_screening

    screening, problems = load_screening(path)
    for lang, missing in catalogs.untranslated(root, [t for t in screening.texts() if t]).items():
        problems += [f"{path.name}: not translated in {lang}: {text[:70]!r}" for text in missing]
    for line in problems:
        print(line)
    print(f"{path.name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def rasa_domain(path: Path, root: Path) -> int:
    from bot.actions.domain import rasa_domain_yaml
    from bot.core.screening.loader import load_screening
    from bot.i18n import Catalogs

    screening, problems = load_screening(path)
    if problems:
        raise ContentError(f"{path.name}: {problems[0]}")
    print(rasa_domain_yaml(screening, Catalogs(root / "locales")), end="")
    return 0
