"""Which partners fit a resident: at their stage, for their need, near them, at their age.

What the bot knows of the resident comes from their newest questionnaire (age, situation, whether
they live in a priority neighbourhood) and from the link they came by (the neighbourhood); nothing
is asked twice, and nothing more is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.partners.content import Partner, Partners
from bot.core.screening import runs
from bot.db.models import Resident

# What a resident can say they need, and the partners' fields that answer it.
NEEDS: dict[str, tuple[str, ...]] = {
    "project": ("project",),
    "money": ("financing",),
    "papers": ("legal",),
    "training": ("training",),
    "network": ("network",),
    "help": ("digital", "language"),
    "test": ("test-activity",),
}
YOUTH_UNTIL = 25  # the youth services (Mission Locale, youth cooperatives) take people up to this age
SITUATIONS = {"jobseeker": "job-seekers", "rsa": "rsa"}


@dataclass(frozen=True)
class Profile:
    age: int | None = None
    neighbourhood: str | None = None  # the code of the neighbourhood of the link they came by
    groups: frozenset[str] = frozenset()  # qpv, job-seekers, rsa, youth

    @property
    def young(self) -> bool:
        return self.age is not None and self.age <= YOUTH_UNTIL


async def profile(session: AsyncSession, resident: Resident) -> Profile:
    neighbourhood = _neighbourhood(resident.source or "")
    groups: set[str] = {"qpv"} if neighbourhood else set()
    age: int | None = None
    run = await runs.latest(session, resident) or await runs.open_run(session, resident)
    if run is not None:
        given = await runs.answers(session, run)
        value = given.get("age", ("", None))[1]
        age = int(value) if value and value.isdigit() else None
        if given.get("qpv", ("", None))[0] == "yes":
            groups.add("qpv")
        situation = SITUATIONS.get(given.get("situation", ("", None))[0])
        if situation:
            groups.add(situation)
    if age is not None and age <= YOUTH_UNTIL:
        groups.add("youth")
    return Profile(age, neighbourhood, frozenset(groups))


def _neighbourhood(source: str) -> str | None:
    if source.startswith("nb-"):
        return source[3:]
    if source.startswith("cp"):  # "cp<n>-<neighbourhood>[-<event>]": the code is checked by the caller
        return source.partition("-")[2] or None
    return None


def choose(partners: Partners, stage: str, need: str, who: Profile, most: int = 3) -> list[Partner]:
    """1 to `most` partners: those for this stage and need, the resident's neighbourhood and age first.
    A young resident is shown the youth services whatever the need: they take every question."""
    fields = set(NEEDS.get(need, ()))
    found = []
    for partner in partners.items:
        youth = "youth" in partner.fields and who.young
        if stage not in partner.stages and not youth:
            continue
        if not (fields & set(partner.fields)) and not youth:
            continue
        if not partner.fits_age(who.age):
            continue
        found.append(partner)
    return sorted(found, key=lambda p: -_rank(p, who, fields))[:most]


def _rank(partner: Partner, who: Profile, fields: set[str]) -> int:
    place = who.neighbourhood or ""  # a campaign's link may go on with the event's name: "<code>-<event>"
    near = bool(place) and any(place == area or place.startswith(area + "-") for area in partner.areas)
    for_them = bool(who.groups & set(partner.groups))
    score = 8 * near + 4 * ("youth" in partner.fields and who.young) + 2 * for_them
    score += len(fields & set(partner.fields)) + ("anyone" in partner.groups)
    return score - 10 * _not_for_them(partner, who)


def _not_for_them(partner: Partner, who: Profile) -> bool:
    """A partner only for some people (women, residents of priority neighbourhoods...) comes last
    when the bot does not know the resident is one of them; it is not hidden (the bot may not know)."""
    only = set(partner.groups) - {"anyone"}
    return bool(only) and "anyone" not in partner.groups and not (only & who.groups)


def find(partners: Partners, words: str) -> list[Partner]:
    """For counsellors' `/partner WORDS`: by name, id or field, best first."""
    wanted = [word for word in words.lower().split() if word]
    scored = []
    for partner in partners.items:
        haystack = " ".join((partner.id, partner.name.lower(), *partner.fields, *partner.topics))
        hits = sum(1 for word in wanted if word in haystack)
        if hits:
            scored.append((hits, partner))
    return [p for _, p in sorted(scored, key=lambda item: -item[0])]
