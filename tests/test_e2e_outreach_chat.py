"""End to end, in Telegram (the stand-in): a coordinator makes a campaign in a few taps and gets its QR code
and flyer as files, reads the funnel with its chart and table; a resident does not know these commands."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.botprocess import BotProcess, agree
from tests.standin import Resident, StandIn
from tests.standin.server import Entry

CLAIRE = 4001  # the coordinator


@pytest.fixture
def bot_settings() -> dict[str, str]:
    return {"TREMPLIN_COORDINATORS": str(CLAIRE)}  # no TREMPLIN_BOT_USERNAME: the bot asks getMe


def files(seen: list[Entry]) -> list[dict]:  # type: ignore[type-arg]
    return [entry.document for entry in seen if entry.kind == "document" and entry.document is not None]


def test_a_coordinator_makes_a_campaign_and_reads_the_funnel(api: StandIn, bot: BotProcess):
    claire = Resident(api, CLAIRE, "Claire", "fr", settle=0.5)
    claire.start()
    agree(claire)
    assert "Aucune campagne pour l'instant." in claire.send("/outreach")[-1].text
    claire.press("➕ Nouvelle campagne")
    claire.press("📍 Croix-de-Neyrat")
    claire.send("Marché du dimanche")
    claire.press("⬜ العربية")
    seen = claire.press("✅ Créer", timeout=30)

    made = next(entry for entry in seen if "Campagne créée" in entry.text)
    found = re.search(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{1,64})", made.text)
    assert found is not None, made.text
    assert found.group(1) == api.bot_username  # learnt from getMe at start
    payload = found.group(2)
    qr, flyer = files(seen)
    assert qr["file_name"] == f"{payload}-qr.png" and qr["data"].startswith(b"\x89PNG")  # a file, not a photo
    assert flyer["file_name"] == f"{payload}-flyer.pdf" and flyer["data"].startswith(b"%PDF-")
    assert claire.last.labels == ["📣 Campagnes", "⬅️ Menu"]
    sent = [r for r in api.records() if r.method == "sendDocument"]
    assert len(sent) == 2 and all(r.chat_id == CLAIRE for r in sent)

    sam = Resident(api, 4002, "Sam", "fr", settle=0.3)
    sam.start(payload)
    agree(sam)
    for command in ("/outreach", "/stats"):
        seen = sam.send(command)
        assert sam.last.text.startswith("Je ne connais pas cette commande") and not files(seen)

    seen = claire.send("/stats", timeout=30)
    summary = next(entry for entry in seen if "Parcours des résidents" in entry.text)
    assert "<b>Croix-de-Neyrat</b>\nArrivés : 1 · D'accord : 1 · Inscrits : 0" in str(summary.html)
    chart, table = (d for d in files(seen) if d["file_name"].startswith("parcours-"))  # the flyer lost its buttons
    assert chart["file_name"].endswith(".png") and chart["data"].startswith(b"\x89PNG")
    assert table["file_name"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(table["data"].decode("utf-8-sig")), delimiter=";"))
    mine = next(row for row in rows if row["source"] == payload)
    assert (mine["arrived"], mine["consented"]) == ("1", "1")

    residents_menu = {c["command"] for lang in ("", "fr", "ar") for c in api.commands(lang)}
    assert "menu" in residents_menu and not residents_menu & {"outreach", "stats", "sessions"}
    refused = [r.short() for r in api.records() if r.method == "setMyCommands" and r.status != 200]
    assert not refused, refused  # no menu asked for a chat Telegram has never seen
    bot.restart()  # Claire has written to the bot now: her own menu lists her commands
    mine_menu = [c["command"] for c in api.commands("fr", "chat", chat_id=CLAIRE)]
    assert {"outreach", "stats", "sessions", "menu"} <= set(mine_menu)
