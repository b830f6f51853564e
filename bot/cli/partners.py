"""`tremplin partners check`: every mistake in knowledge/partners.yml, with what to change; and
`tremplin partners guide`: the printed guide (PDF or HTML) in one language."""

from __future__ import annotations

import html
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.partners.content import read_partners
from bot.core.screening.loader import load_screening
from bot.core.territory import load_territory
from bot.core.texts import N_, Texts
from bot.i18n import RTL_LANGUAGES
from bot.runtime import Runtime

if TYPE_CHECKING:
    from bot.printing.guide import Guide


def check_partners(content: Path, path: Path | None = None) -> int:
    knowledge = content / "knowledge"
    territory = load_territory(knowledge / "territory.yml")
    screening, _ = load_screening(content / "dialogues" / "screening.yml")
    steps = set(screening.steps)
    topics = {entry.stem for entry in (knowledge / "entries").glob("*.yml")}
    file = path or knowledge / "partners.yml"
    if not file.exists():
        print(f"tremplin: {file} not found", file=sys.stderr)
        return 1
    partners, problems = read_partners(file, territory, datetime.now(UTC).date(), steps, topics)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s); {len(partners.items)} partner(s) without any", file=sys.stderr)
        return 1
    print(f"{file.name}: {len(partners.items)} partners, all complete")
    return 0


FIELD_NAMES = {
    "project": N_("Construire le projet"),
    "network": N_("Réseau"),
    "financing": N_("Financement"),
    "legal": N_("Papiers et statut"),
    "training": N_("Formation"),
    "digital": N_("Numérique"),
    "language": N_("Français"),
    "youth": N_("Jeunes"),
    "women": N_("Femmes"),
    "qpv": N_("Quartiers prioritaires"),
    "social-economy": N_("Économie sociale et solidaire"),
    "test-activity": N_("Tester son activité"),
}


def plain_label(label: str) -> str:
    """A button's words without its emoji: paper fonts have no colour emoji."""
    first, _, rest = label.partition(" ")
    return rest if rest and not any(char.isalnum() for char in first) else label


def guide_of(runtime: Runtime, lang: str, username: str | None) -> Guide:
    """The guide's words in one language, from the partners, the catalogs and the territory."""
    from bot.core.contact import opening_hours
    from bot.core.partners.flow import NEED_LABELS, STAGE_LABELS
    from bot.core.partners.service import NEEDS
    from bot.printing.guide import EMAIL, FIELD_SIGNS, HOURS, PHONE, PLACE, STAGE_SIGNS, Card, Guide

    core = runtime.core
    t = Texts(core.catalogs, lang)
    legend = [(STAGE_SIGNS[s], plain_label(t(label))) for s, label in STAGE_LABELS.items()]
    legend += [(FIELD_SIGNS[f], t(name)) for f, name in FIELD_NAMES.items()]
    cards = []
    for partner in core.partners.items:
        contacts = [(PHONE, partner.phone)] if partner.phone else []
        contacts += [(EMAIL, partner.email)] if partner.email else []
        contacts += [(PLACE, partner.address)] if partner.address else []
        hours = html.unescape(opening_hours(partner.hours, t))  # plain text for paper
        contacts += [(HOURS, hours)] if hours else []
        contacts += [("", partner.web)] if partner.web else []
        free = t("Accompagnement gratuit") if partner.free else ""
        cards.append(Card(partner.name, partner.said(lang), partner.stages, partner.fields, tuple(contacts), free))
    index = []
    for need, label in NEED_LABELS.items():
        names = tuple(p.name.split(" (")[0] for p in core.partners.items if set(NEEDS[need]) & set(p.fields))
        if names:
            index.append((plain_label(t(label)), names))
    phone = core.territory.phone or ""
    return Guide(
        title=t("Qui peut vous aider ?"),
        intro=t(
            "Pour créer votre activité, ces structures peuvent vous aider, souvent gratuitement. "
            "Pour savoir par où commencer, demandez-nous : {organisation}, {phone}.",
            organisation=core.territory.name,
            phone=phone,
        ),
        rtl=lang in RTL_LANGUAGES,
        legend=tuple(legend),
        index_title=t("Qui contacter, selon votre besoin"),
        index=tuple(index),
        cards=tuple(cards),
        link=f"https://t.me/{username}" if username else None,
        link_caption=t("Écrivez-nous sur Telegram"),
    )


def guide_command(runtime: Runtime, lang: str, out: Path) -> int:
    """`tremplin partners guide --lang fr --out guide.pdf` (or .html)."""
    from bot.printing.guide import write_html, write_pdf

    username = runtime.settings.bot_username.strip().lstrip("@") or None
    guide = guide_of(runtime, lang, username)
    if not guide.cards:
        print("tremplin: no partner in knowledge/partners.yml (see `tremplin partners check`)", file=sys.stderr)
        return 1
    written = write_html(guide, out) if out.suffix.lower() in (".html", ".htm") else write_pdf(guide, out)
    print(f"partner guide ({lang}, {len(guide.cards)} partners) written to {written}")
    return 0
