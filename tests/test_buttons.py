"""Old, forged and oversized button presses are answered kindly and change nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.db.models import Resident


async def consent(person, uid: str):  # type: ignore[no-untyped-def]
    someone = person(uid)
    await someone.send("/start")
    await someone.agree()
    return someone


async def test_a_press_on_an_old_keyboard_changes_nothing(person):
    rania = await consent(person, "1")
    await rania.press("🔒 Mes données")
    old_erase = next(data for label, data in rania.buttons() if label == "🗑️ Tout effacer")
    await rania.send("/menu")
    seen = await rania.press_data(old_erase)
    assert seen == [] and "plus actif" in rania.notice
    seen = await rania.send("/menu")
    assert seen[0].text == "Que voulez-vous faire ? 👇"


async def test_forged_presses_never_erase(person, runtime):
    rania = await consent(person, "2")
    for forged in ("erase.yes", "1:erase.yes", "999:erase.yes", "x:erase.yes", "2.99", "x" * 64, "é:menu", ":"):
        seen = await rania.press_data(forged)
        assert seen == [] and rania.notice, forged
    async with runtime.sessions() as session:
        assert (await session.execute(select(Resident).where(Resident.external_id == "2"))).scalar_one()


async def test_every_button_fits_telegram_limits_and_names_nothing_in_clear(person):
    rania = await consent(person, "3")
    screens = [
        await rania.press("🔒 Mes données"),
        await rania.press("⬅️ Menu"),
        await rania.press("🧭 Où en est mon projet ?"),  # a question's answers
        await rania.send("/menu"),
        await rania.press("📅 Réunions d'information"),
        await rania.send("c koi l'acre"),  # an answer with topics, 👍 and 👎
    ]
    for seen in screens:
        assert seen and "problème" not in seen[0].text, seen
        buttons = rania.buttons()
        assert buttons, seen[-1].text
        for label, data in buttons:
            assert 1 <= len(data.encode()) <= 64, (label, data)
            # only the screen's stamp and the button's place travel: no session key, topic or answer id
            assert re.fullmatch(r"\d+\.\d+", data), (label, data)


async def test_erase_needs_a_confirmation_from_the_current_screen(person, runtime):
    rania = await consent(person, "4")
    await rania.press("🔒 Mes données")
    await rania.press("🗑️ Tout effacer")
    seen = await rania.press("⬅️ Non, retour")
    assert "Vos données" in seen[0].text
    await rania.press("🗑️ Tout effacer")
    seen = await rania.press("🗑️ Oui, tout effacer")
    assert "tout est effacé" in seen[0].text
    async with runtime.sessions() as session:
        assert (await session.execute(select(Resident).where(Resident.external_id == "4"))).first() is None
    seen = await rania.send("/start")
    assert seen[0].text.startswith("Bonjour")
