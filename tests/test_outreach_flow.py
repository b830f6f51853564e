"""Coordinators in the chat: a campaign made in a few taps comes back with its link, QR code and flyer;
/stats gives the funnel of the last 12 months as a summary, a chart and a table; residents never see any of it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace as swap

from sqlalchemy import select

from bot.core.dialogue import Dialogue
from bot.core.messages import Document, Outbound
from bot.core.outreach import campaigns
from bot.db.engine import in_transaction
from bot.db.models import OutreachCampaign
from bot.drawing import fill
from bot.runtime import Runtime

PNG, PDF = b"\x89PNG\r\n\x1a\n", b"%PDF-"


def coordinators(runtime: Runtime, *ids: str, username: str = "TremplinTestBot") -> None:
    """As the settings would: these people coordinate, and the bot knows its @username."""
    runtime.core = swap(runtime.core, coordinators=frozenset(f"test:{i}" for i in ids), bot_username=username)
    runtime.dialogue = Dialogue(runtime.core)


async def staff(person, uid: str = "boss", **kwargs):  # type: ignore[no-untyped-def]
    claire = person(uid, first_name="Claire", **kwargs)
    await claire.send("/start")
    await claire.agree()
    return claire


async def test_a_coordinator_makes_a_campaign_in_a_few_taps(person, runtime):
    coordinators(runtime, "boss")
    claire = await staff(person)
    seen = await claire.send("/outreach")
    assert "Campagnes" in seen[0].text and "Aucune campagne pour l'instant." in seen[0].text
    seen = await claire.press("➕ Nouvelle campagne")
    assert seen[0].replace and "Pour quel quartier ?" in seen[0].text
    assert [label for label, _ in claire.buttons()][:2] == ["📍 Croix-de-Neyrat", "📍 Les Vergnes"]
    seen = await claire.press("📍 Croix-de-Neyrat")
    assert "événement" in seen[0].text and "⏭️ Passer" in [label for label, _ in claire.buttons()]
    seen = await claire.send("Marché <du> dimanche")  # typed by a person: escaped before it is shown as HTML
    assert "Croix-de-Neyrat · Marché &lt;du&gt; dimanche" in seen[0].text and not seen[0].replace
    await claire.press("⬜ العربية")
    await claire.press("⬜ Türkçe")
    seen = await claire.press("☑️ Türkçe")  # a second tap takes it off again
    labels = [label for label, _ in claire.buttons()]
    assert "☑️ العربية" in labels and "⬜ Türkçe" in labels and "Français" not in " ".join(labels)
    seen = await claire.press("✅ Créer")

    text, qr, flyer = seen
    link = "https://t.me/TremplinTestBot?start=cp1-croix-de-neyrat-marche-du-dimanche"
    assert "Campagne créée" in text.text and link in text.text and "Français, العربية" in text.text
    assert qr.text == "" and qr.document is not None and qr.document.filename.endswith(".png")
    assert isinstance(qr.document.content, bytes) and qr.document.content.startswith(PNG)
    assert flyer.document is not None and flyer.document.filename.endswith(".pdf")
    assert isinstance(flyer.document.content, bytes) and flyer.document.content.startswith(PDF)
    assert [b.label for row in flyer.buttons for b in row] == ["📣 Campagnes", "⬅️ Menu"]
    async with runtime.sessions() as session:
        made = await session.scalar(select(OutreachCampaign))
    assert made is not None and made.languages == ["fr", "ar"] and made.created_by == "test:boss"
    assert made.event == "Marché <du> dimanche" and made.neighbourhood == "croix-de-neyrat"

    await person("31").send(f"/start {made.payload}")  # someone scans the QR code
    seen = await claire.press("📣 Campagnes")
    assert "Marché &lt;du&gt; dimanche</b> — 1 arrivée" in seen[0].text and link in seen[0].text


async def test_campaigns_are_listed_newest_first_and_the_event_can_be_skipped(person, runtime, clock):
    coordinators(runtime, "boss")
    async with runtime.sessions() as session, session.begin():
        await campaigns.create(session, runtime.core.territory, "les-vergnes", "Forum", None, ["fr"], "cli:x", clock())
    claire = await staff(person)
    await claire.send("/outreach")
    await claire.press("➕ Nouvelle campagne")
    await claire.press("📍 Saint-Jacques")
    await claire.press("⏭️ Passer")
    *_, flyer = await claire.press("✅ Créer")
    assert flyer.document is not None and flyer.document.filename == "cp2-saint-jacques-flyer.pdf"
    seen = await claire.send("/outreach")
    assert seen[0].text.index("Saint-Jacques") < seen[0].text.index("Les Vergnes · Forum")
    assert "?start=cp2-saint-jacques\n" in seen[0].text + "\n"


async def test_menu_in_the_middle_leaves_the_campaign_and_typed_text_is_a_question_again(person, runtime):
    coordinators(runtime, "boss")
    claire = await staff(person)
    await claire.send("/outreach")
    await claire.press("➕ Nouvelle campagne")
    await claire.press("📍 Les Vergnes")
    await claire.send("/menu")
    seen = await claire.send("c'est quoi une CAE ?")
    assert "Langues du flyer" not in seen[0].text
    async with runtime.sessions() as session:
        assert await session.scalar(select(OutreachCampaign)) is None


async def test_residents_do_not_know_the_coordinators_commands(person, runtime):
    coordinators(runtime, "boss")
    sam = person("17")
    await sam.send("/start")
    await sam.agree()
    for command in ("/outreach", "/stats"):
        seen = await sam.send(command)
        assert seen[0].text.startswith("Je ne connais pas cette commande")
        assert not any(m.document for m in seen)


async def test_stats_give_the_funnel_of_the_year_with_a_chart_and_a_table(person, runtime, clock):
    coordinators(runtime, "boss", "olena")
    claire = await staff(person)
    seen = await claire.send("/stats")
    assert "Personne n'est encore arrivé" in seen[0].text and len(seen) == 1
    async with runtime.sessions() as session, session.begin():
        made = await campaigns.create(
            session, runtime.core.territory, "croix-de-neyrat", "Marché", None, ["fr"], "cli:x", clock()
        )
    arrivals = (("41", made.payload, True), ("42", made.payload, False), ("43", "nb-les-vergnes", True))
    for uid, payload, agrees in arrivals:
        resident = person(uid)
        await resident.send(f"/start {payload}")
        if agrees:
            await resident.agree()

    summary, chart, table = await claire.send("/stats")
    assert "Parcours des résidents" in summary.text and "Du 24 nov. 2025 au 24 nov. 2026" in summary.text
    assert "Arrivés : 3 · D'accord : 2 · Inscrits : 0" in summary.text
    assert "<b>Croix-de-Neyrat</b>\nArrivés : 2 · D'accord : 1" in summary.text
    assert "<b>Les Vergnes</b>\nArrivés : 1 · D'accord : 1" in summary.text
    assert chart.document is not None and chart.document.filename == "parcours-2026-11-24.png"
    assert isinstance(chart.document.content, bytes) and chart.document.content.startswith(PNG)
    assert table.document is not None and table.document.filename == "parcours-2026-11-24.csv"
    text = str(table.document.content)
    assert text.startswith("\ufeff")  # the byte-order mark that makes Excel read UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    mine = next(row for row in rows if row["source"] == made.payload)
    assert (mine["arrived"], mine["consented"], mine["label"]) == ("2", "1", "Croix-de-Neyrat · Marché")

    olena = await staff(person, "olena", language_code="uk")  # another coordinator, in her language
    summary, *_ = await olena.send("/stats")
    assert "Прибули: 3" in summary.text and "Du " not in summary.text


def test_a_document_travels_as_json_with_its_bytes_and_older_rows_still_read():
    png = Outbound("", document=Document("qr.png", "image/png", PNG + bytes(range(256))))
    payload = json.loads(json.dumps(png.to_payload()))
    assert Outbound.from_payload(payload) == png
    drawn = Outbound("", document=Document("c.png", "image/png", drawing={"kind": "qr", "link": "https://t.me/x"}))
    assert Outbound.from_payload(json.loads(json.dumps(drawn.to_payload()))) == drawn
    old = {"text": "ok", "buttons": [], "document": {"filename": "r.ics", "mime_type": "text/calendar", "content": "X"}}
    assert Outbound.from_payload(old).document == Document("r.ics", "text/calendar", "X")


async def test_a_file_that_cannot_be_drawn_is_said_missing_and_the_rest_still_goes():
    broken = Outbound("", document=Document("x.png", "image/png", drawing={"kind": "nothing we know"}))
    fine = Outbound("", document=Document("q.png", "image/png", drawing={"kind": "qr", "link": "https://t.me/x"}))
    missing, drawn = await fill([broken, fine], lambda name: f"missing {name}")
    assert missing.text == "missing x.png" and missing.document is None
    assert drawn.document is not None and isinstance(drawn.document.content, bytes)


async def test_the_username_learnt_from_telegram_makes_the_links(runtime):
    assert runtime.core.bot_username == ""
    runtime.name_bot("@TremplinBot")
    runtime.name_bot("AnotherBot")  # once known, it stays
    assert runtime.core.bot_username == runtime.dialogue.core.bot_username == "TremplinBot"
    assert await in_transaction(runtime.sessions, campaigns.listed) == []
