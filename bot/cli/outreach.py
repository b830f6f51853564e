"""Coordinators' commands for outreach: make a campaign (link, QR code, flyer), list them, and the
funnel funders ask about (table, CSV, chart)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.core.outreach import campaigns
from bot.core.outreach.funnel import COLUMNS, Line, chart_drawing, csv_text, funnel
from bot.core.texts import Texts
from bot.db.engine import in_transaction
from bot.db.models import OutreachCampaign
from bot.runtime import Runtime

HEADERS = {
    "arrived": "arrivés", "consented": "accord", "screened": "questionnaire", "booked": "réservé",
    "attended": "venus", "handed_over": "conseiller", "outcome:ready": "prêts",
    "outcome:not_yet": "pas encore", "outcome:job_first": "emploi/formation d'abord",
}  # fmt: skip


async def bot_username(settings: Settings) -> str:
    """The bot's @username, so that printed links are right: the setting, else Telegram's getMe."""
    if settings.bot_username.strip():
        return settings.bot_username.strip().lstrip("@")
    if not settings.telegram_bot_token.strip():
        raise ConfigError("set TREMPLIN_BOT_USERNAME (the bot's @username) or TELEGRAM_BOT_TOKEN to print its link")
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.require_token(), base_url=settings.bot_api_base_url) as bot:
            me = await bot.get_me()
    except TelegramError as exc:
        raise ConfigError(f"cannot ask Telegram for the bot's username ({exc}); set TREMPLIN_BOT_USERNAME") from exc
    if not me.username:
        raise ConfigError("Telegram gave no username for this bot; set TREMPLIN_BOT_USERNAME")
    return me.username


def write_material(runtime: Runtime, campaign: OutreachCampaign, link: str, folder: Path) -> list[Path]:
    """The QR code (SVG, PNG) and the one-page flyer (PDF) of a campaign, in `folder`: the same
    flyer as the one a coordinator gets in Telegram."""
    from bot.drawing import write_flyer
    from bot.printing.qr import write_qr

    folder.mkdir(parents=True, exist_ok=True)
    svg, png = write_qr(link, folder, campaign.payload)
    flyer = campaigns.flyer_drawing(campaign, link, runtime.core.territory, runtime.core.catalogs)
    return [svg, png, write_flyer(folder, campaign.payload, flyer)]


async def outreach_command(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        await runtime.migrate()
        if args.outreach_command == "new":
            return await _new(runtime, args)
        if args.outreach_command == "list":
            return await _list(runtime)
        return await _stats(runtime, args)
    finally:
        await runtime.close()


async def _new(runtime: Runtime, args: argparse.Namespace) -> int:
    username = await bot_username(runtime.settings)
    now = runtime.core.clock()
    languages = [lang.strip() for lang in (args.langs or "fr").split(",")]
    try:
        campaign = await in_transaction(
            runtime.sessions,
            lambda s: campaigns.create(
                s, runtime.core.territory, args.neighbourhood, args.event, args.place, languages,
                f"cli:{getpass.getuser()}", now,
            ),
        )  # fmt: skip
    except campaigns.CampaignError as exc:
        print(f"tremplin: {exc}", file=sys.stderr)
        return 2
    link = campaigns.link(username, campaign.payload)
    folder = (args.out or runtime.settings.data_dir / "outreach") / campaign.payload
    files = write_material(runtime, campaign, link, folder)
    print(f"campaign {campaign.payload}: {link}")
    print(f"printed material in {folder}:")
    for path in files:
        print(f"  {path.name}")
    return 0


async def _list(runtime: Runtime) -> int:
    username = runtime.settings.bot_username.strip().lstrip("@")
    if not username:
        try:
            username = await bot_username(runtime.settings)
        except ConfigError:
            username = "<bot>"
    found = await in_transaction(runtime.sessions, campaigns.listed)
    if not found:
        print("No campaign yet: `tremplin outreach new --neighbourhood CODE` makes one.")
        return 0
    for item in found:
        c = item.campaign
        what = f"{c.neighbourhood}" + (f" · {c.event}" if c.event else "") + (f" · {c.place}" if c.place else "")
        print(f"{c.payload:34} {item.arrivals:4d} arrivals  {what}  ({c.created_at:%Y-%m-%d}, {c.created_by})")
        print(f"{'':34} {campaigns.link(username, c.payload)}")
    return 0


async def _stats(runtime: Runtime, args: argparse.Namespace) -> int:
    until = runtime.core.clock().date()
    since = args.since or until - timedelta(days=365)
    lines = await in_transaction(runtime.sessions, lambda s: funnel(s, runtime.core.territory, since, until))
    print(f"Outreach funnel, {since:%d/%m/%Y} - {until:%d/%m/%Y}")
    width = max([len(line.label) for line in lines] + [10])
    print(f"{'':{width}} " + " ".join(f"{HEADERS[c][:12]:>12}" for c in COLUMNS))
    for line in lines:
        print(f"{line.label:{width}} " + " ".join(f"{line.counts[c]:12d}" for c in COLUMNS))
    if args.csv:
        write_csv(args.csv, lines, runtime)
        print(f"CSV written to {args.csv}")
    if args.chart:
        from bot.drawing import funnel_chart

        french = Texts(runtime.core.catalogs, "fr")  # funders' reports are written in French
        funnel_chart(args.chart, chart_drawing(lines, runtime.core.territory, since, until, french))
        print(f"chart written to {args.chart}")
    return 0


def write_csv(path: Path, lines: list[Line], runtime: Runtime) -> None:
    """One row per link, then one per neighbourhood: what funders' reports are made of."""
    path.write_text(csv_text(lines, runtime.core.territory), encoding="utf-8", newline="")


def parse_day(text: str) -> date:
    return date.fromisoformat(text)
