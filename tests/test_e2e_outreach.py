"""End to end: a campaign's link brings a resident who consents, finishes the screening and books;
the funnel counts them once, for that campaign and its neighbourhood, and nothing for another."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.i18n import Catalogs
from tests import screening_paths as paths
from tests.botprocess import BotProcess, agree
from tests.standin import Resident, StandIn
from tests.test_e2e_sessions import publish

CATALOGS = Catalogs(PROJECT_ROOT / "locales")


def tremplin(bot: BotProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=bot.env, cwd=bot.workdir, capture_output=True, text=True, timeout=120
    )


def test_a_campaign_link_is_followed_through_the_funnel(api: StandIn, bot: BotProcess, tmp_path: Path):
    made = tremplin(
        bot, "outreach", "new", "--neighbourhood", "croix-de-neyrat", "--event", "Marché du dimanche",
        "--langs", "fr,ar", "--out", str(tmp_path / "print"),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    found = re.search(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{1,64})", made.stdout)
    assert found is not None, made.stdout
    assert found.group(1) == api.bot_username  # read from getMe, so the printed link is right
    payload = found.group(2)
    other = tremplin(bot, "outreach", "new", "--neighbourhood", "les-vergnes")
    assert other.returncode == 0, other.stderr
    publish(bot, tmp_path, seats=5)

    sam = Resident(api, 3001, "Sam", "fr", settle=0.3)
    sam.start(payload)
    sam.start(payload)  # the same link twice: one arrival
    agree(sam)
    sam.press("🧭 Où en est mon projet ?")
    for step in paths.QPV_JOBSEEKER_NO_MONEY:
        if isinstance(step, tuple):
            sam.send(step[1])
        else:
            sam.press(step)
    sam.press("📅 Réunions d'information")
    sam.press(next(label for label in sam.buttons if label.startswith("✅")))

    report = tmp_path / "funnel.csv"
    stats = tremplin(bot, "outreach", "stats", "--csv", str(report), "--chart", str(tmp_path / "funnel.png"))
    assert stats.returncode == 0, stats.stderr
    rows = list(csv.DictReader(report.open(encoding="utf-8-sig"), delimiter=";"))  # as French Excel reads it
    mine = next(row for row in rows if row["source"] == payload)
    for column in ("arrived", "consented", "screened", "booked"):
        assert mine[column] == "1", (column, mine)
    assert mine["attended"] == "0" and mine["handed_over"] == "0"
    assert sum(int(mine[f"outcome:{o}"]) for o in ("ready", "not_yet", "job_first")) == 1
    theirs = next(row for row in rows if row["kind"] == "link" and row["neighbourhood"] == "les-vergnes")
    assert all(theirs[column] == "0" for column in ("arrived", "consented", "screened", "booked"))
    place = next(row for row in rows if row["kind"] == "neighbourhood" and row["neighbourhood"] == "croix-de-neyrat")
    assert place["arrived"] == "1" and place["booked"] == "1"
    assert (tmp_path / "funnel.png").stat().st_size > 10_000

    listed = tremplin(bot, "outreach", "list")
    assert payload in listed.stdout and "1 arrivals" in listed.stdout
