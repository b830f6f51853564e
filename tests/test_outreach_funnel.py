"""The funnel's numbers stay honest: once per person and link, later steps for the first link that
brought them, and an erased resident leaves the counts as they were."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.core.outreach import campaigns
from bot.core.outreach.funnel import funnel
from bot.core.privacy import service as privacy
from bot.db.engine import in_transaction
from bot.db.models import Resident


async def made(runtime, neighbourhood: str, event: str | None = None):  # type: ignore[no-untyped-def]
    return await in_transaction(
        runtime.sessions,
        lambda s: campaigns.create(
            s, runtime.core.territory, neighbourhood, event, None, ["fr"], "test", runtime.core.clock()
        ),
    )


async def counts(runtime) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    today = runtime.core.clock().date()
    lines = await in_transaction(
        runtime.sessions, lambda s: funnel(s, runtime.core.territory, date(today.year - 1, 1, 1), today)
    )
    return {line.source: line.counts for line in lines}


async def test_a_second_link_counts_an_arrival_but_later_steps_stay_with_the_first(person, runtime):
    market = await made(runtime, "croix-de-neyrat", "Marché du dimanche")
    poster = await made(runtime, "les-vergnes")
    sam = person("4001", language_code="fr")
    await sam.send(f"/start {market.payload}")
    await sam.send(f"/start {market.payload}")  # the same flyer scanned again
    await sam.agree()
    await sam.send(f"/start {poster.payload}")  # later, another campaign's poster
    found = await counts(runtime)
    assert found[market.payload]["arrived"] == 1 and found[market.payload]["consented"] == 1
    assert found[poster.payload]["arrived"] == 1 and found[poster.payload]["consented"] == 0


async def test_erasing_a_resident_leaves_the_counts_as_they_were(person, runtime):
    market = await made(runtime, "croix-de-neyrat")
    lina = person("4002", language_code="ar")
    await lina.send(f"/start {market.payload}")
    await lina.agree()
    before = await counts(runtime)

    async def erase(session):  # type: ignore[no-untyped-def]
        resident = await session.scalar(select(Resident).where(Resident.external_id == "4002"))
        await privacy.erase(session, resident)

    await in_transaction(runtime.sessions, erase)
    assert await counts(runtime) == before
    assert before[market.payload]["arrived"] == 1 and before[market.payload]["consented"] == 1


async def test_an_unknown_campaign_link_is_not_counted(person, runtime):
    sam = person("4003", language_code="fr")
    await sam.send("/start cp99-croix-de-neyrat")
    await sam.agree()
    assert "cp99-croix-de-neyrat" not in await counts(runtime)
