"""A resident sees what is kept, can withdraw consent or erase everything; old data goes by itself."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.core.privacy import service as privacy
from bot.db.models import Resident


async def test_my_data_shows_what_is_kept(person):
    malik = person("1", first_name="Malik")
    await malik.send("/start nb-fontaine-du-bac")
    await malik.agree()
    seen = await malik.press("🔒 Mes données")
    text = seen[0].text
    assert "Prénom : Malik" in text
    assert "Fontaine" in text
    assert "oui, depuis le mardi 24 novembre" in text


async def test_withdrawing_consent_forgets_name_and_source(person, runtime):
    malik = person("2", first_name="Malik")
    await malik.send("/start nb-fontaine-du-bac")
    await malik.agree()
    await malik.press("🔒 Mes données")
    await malik.press("🚫 Retirer mon accord")
    async with runtime.sessions() as session:
        stored = (await session.execute(select(Resident).where(Resident.external_id == "2"))).scalar_one()
    assert stored.consent == "no" and stored.first_name is None and stored.source is None
    seen = await malik.press("⬅️ Menu")
    assert seen[0].buttons


async def test_names_from_telegram_are_escaped(person):
    evil = person("3", first_name="<b>Bob</b> & co")
    seen = await evil.send("/start")
    assert "&lt;b&gt;Bob&lt;/b&gt; &amp; co" in seen[0].text


async def test_residents_silent_past_the_retention_period_are_forgotten(person, runtime, clock):
    await person("4").send("/start")
    clock.now += timedelta(days=100)
    await person("5").send("/start")
    async with runtime.sessions() as session, session.begin():
        erased = await privacy.forget_inactive(session, clock.now, retention_days=60)
    assert erased == 1
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Resident)) == 1
