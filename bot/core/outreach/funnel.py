"""The funnel funders ask about: per campaign (or neighbourhood link) and neighbourhood, how many
arrived, consented, finished the screening, booked, attended, were handed to a counsellor, and what
the screening advised. Read from the aggregate counts only."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.outreach.service import STEPS
from bot.core.territory import Territory
from bot.core.texts import N_, Texts
from bot.db.models import OutreachArrival, OutreachCampaign, OutreachStep
from bot.i18n import RTL_LANGUAGES, format_date

OUTCOMES = ("ready", "not_yet", "job_first")  # the screening's advice, as funders group it
COLUMNS = ("arrived", *STEPS, *(f"outcome:{o}" for o in OUTCOMES))
# The chart's bars: each step of the funnel and its name in the legend.
CHART_STEPS = (
    ("arrived", N_("arrivés")),
    ("consented", N_("d'accord")),
    ("screened", N_("questionnaire fait")),
    ("booked", N_("inscrits")),
    ("attended", N_("venus")),
    ("handed_over", N_("conseiller")),
)


@dataclass
class Line:
    """One link's counts over the period."""

    source: str
    label: str  # what a coordinator reads: the campaign's neighbourhood and event, or the link's kind
    neighbourhood: str  # its code, or "" when the link names none (an event link)
    counts: dict[str, int] = field(default_factory=dict)


def _describe(source: str, campaigns: dict[str, OutreachCampaign], territory: Territory) -> tuple[str, str]:
    campaign = campaigns.get(source)
    if campaign is not None:
        where = territory.neighbourhood(campaign.neighbourhood)
        name = where.name if where is not None else campaign.neighbourhood
        return (f"{name} · {campaign.event}" if campaign.event else name), campaign.neighbourhood
    if source.startswith("nb-"):
        where = territory.neighbourhood(source[3:])
        return (f"{where.name if where else source[3:]} (quartier)", source[3:])
    return source, ""


async def funnel(session: AsyncSession, territory: Territory, since: date, until: date) -> list[Line]:
    """Every link with any count in [since, until], campaigns first in the order they were made."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    arrived = await session.execute(
        select(OutreachArrival.source, func.sum(OutreachArrival.count))
        .where(OutreachArrival.day >= since, OutreachArrival.day <= until)
        .group_by(OutreachArrival.source)
    )
    for source, total in arrived.all():
        counts[source]["arrived"] = int(total)
    steps = await session.execute(
        select(OutreachStep.source, OutreachStep.step, func.sum(OutreachStep.count))
        .where(OutreachStep.day >= since, OutreachStep.day <= until)
        .group_by(OutreachStep.source, OutreachStep.step)
    )
    for source, step, total in steps.all():
        counts[source][step] = int(total)
    made = (await session.scalars(select(OutreachCampaign).order_by(OutreachCampaign.id))).all()
    campaigns = {c.payload: c for c in made}
    order = [c.payload for c in made] + sorted(s for s in counts if s not in campaigns)
    lines = []
    for source in order:
        label, neighbourhood = _describe(source, campaigns, territory)
        lines.append(Line(source, label, neighbourhood, {c: counts[source].get(c, 0) for c in COLUMNS}))
    return lines


def by_neighbourhood(lines: list[Line]) -> dict[str, dict[str, int]]:
    """The same counts added up per neighbourhood ("" for links that name none)."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for line in lines:
        for column, value in line.counts.items():
            totals[line.neighbourhood][column] += value
    return dict(totals)


CSV_DELIMITER = ";"  # what a spreadsheet set to French expects; with the BOM, accents open right in Excel


def csv_text(lines: list[Line], territory: Territory) -> str:
    """One row per link, then one per neighbourhood: what funders' reports are made of. Semicolons and
    a byte-order mark, so that a coordinator's French Excel opens it in columns, accents intact."""
    names = {n.code: n.name for n in territory.neighbourhoods}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=CSV_DELIMITER)
    writer.writerow(["kind", "source", "label", "neighbourhood", *COLUMNS])
    for line in lines:
        writer.writerow(["link", line.source, line.label, line.neighbourhood, *(line.counts[c] for c in COLUMNS)])
    for code, counts in sorted(by_neighbourhood(lines).items()):
        writer.writerow(["neighbourhood", "", names.get(code, code or "—"), code, *(counts[c] for c in COLUMNS)])
    return out.getvalue()


def chart_drawing(lines: list[Line], territory: Territory, since: date, until: date, t: Texts) -> dict[str, Any]:
    """The funnel as grouped bars, one group per neighbourhood, in `t`'s language (`bot/drawing.py`
    draws it). Arabic is drawn in French: the chart library does not join Arabic letters."""
    if t.lang in RTL_LANGUAGES:
        t = Texts(t.catalogs, "fr")
    totals = by_neighbourhood(lines)
    names = {n.code: n.name for n in territory.neighbourhoods}
    places = sorted(totals, key=lambda code: (-totals[code]["arrived"], code))
    arrived = sum(counts["arrived"] for counts in totals.values())
    booked = sum(counts["booked"] for counts in totals.values())
    title = t(
        "Du {since} au {until} : {arrived} arrivés, {booked} inscrits",
        since=format_date(since, t.lang), until=format_date(until, t.lang), arrived=arrived, booked=booked,
    )  # fmt: skip
    return {
        "kind": "funnel_chart",
        "title": title,
        "axis": t("résidents"),
        "steps": [[step, t(label)] for step, label in CHART_STEPS],
        "places": [[names.get(code, code) if code else t("autres liens"), _bars(totals[code])] for code in places],
    }


def _bars(counts: dict[str, int]) -> dict[str, int]:
    return {step: counts[step] for step, _ in CHART_STEPS}
