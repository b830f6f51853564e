"""The `tremplin` command: run the bot, chat in a terminal, manage the database.

One module per command group (`sessions`, `knowledge`, `dialogues`, `i18n`); each calls services, never flows.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date
from pathlib import Path

from bot.config import SUPPORTED_LANGUAGES, ConfigError, load_settings
from bot.core.territory import ContentError
from bot.runtime import Runtime

log = logging.getLogger("tremplin")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tremplin", description="Tremplin, the entrepreneurs' front door bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the Telegram bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="serve Telegram's webhook instead of polling")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal, no token needed")
    chat.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="the language to talk in")
    chat.add_argument("--user", default="me", help="who you are, to keep several test conversations apart")
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations (run and chat do it by themselves)")
    dialogues = sub.add_parser("dialogues", help="dialogue content in dialogues/")
    dialogues_sub = dialogues.add_subparsers(dest="dialogues_command", required=True)
    check = dialogues_sub.add_parser("check", help="validate dialogues/screening.yml and its translations")
    check.add_argument("--file", type=Path, help="another screening file to check")
    dialogues_sub.add_parser("rasa-domain", help="print the Rasa domain of the screening form")
    sessions = sub.add_parser("sessions", help="information sessions and workshops")
    sessions_sub = sessions.add_subparsers(dest="sessions_command", required=True)
    imp = sessions_sub.add_parser("import", help="create or update sessions from a YAML or CSV file (by key)")
    imp.add_argument("file", type=Path)
    sessions_sub.add_parser("list", help="upcoming sessions with their fill rate")
    cancel = sessions_sub.add_parser("cancel", help="cancel a session and tell everyone booked")
    cancel.add_argument("key")
    knowledge = sub.add_parser("knowledge", help="the knowledge base in knowledge/")
    knowledge_sub = knowledge.add_subparsers(dest="knowledge_command", required=True)
    knowledge_sub.add_parser("check", help="missing languages, broken links, missing sources, stale dates")
    gaps = knowledge_sub.add_parser("gaps", help="questions not answered, or answered then 👎, grouped")
    gaps.add_argument("--days", type=int, default=90, help="how far back to look (default 90)")
    faq = sub.add_parser("faq", help="answer questions read from standard input, one per line")
    faq.add_argument("--json", action="store_true", help="one JSON object per line: q, lang, topics, scores, answered")
    faq.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="answer as to a resident who chose this language")
    outreach = sub.add_parser("outreach", help="outreach campaigns: links, QR codes, flyers, the funnel")
    outreach_sub = outreach.add_subparsers(dest="outreach_command", required=True)
    new = outreach_sub.add_parser("new", help="make a campaign: its link, QR code and printable flyer")
    new.add_argument("--neighbourhood", required=True, help="a code from knowledge/territory.yml")
    new.add_argument("--event", help="the event's name, if the flyer is for one (a market, a fair...)")
    new.add_argument("--place", help="where the flyers are handed out")
    new.add_argument("--langs", default="fr", help="the flyer's languages, e.g. fr,ar,tr (French always first)")
    new.add_argument("--out", type=Path, help="where to write the files (default: data/outreach/)")
    outreach_sub.add_parser("list", help="campaigns with their links and arrivals so far")
    stats = outreach_sub.add_parser("stats", help="the funnel per campaign and neighbourhood")
    stats.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD (default: a year ago)")
    stats.add_argument("--csv", type=Path, help="also write the table as CSV")
    stats.add_argument("--chart", type=Path, help="also draw the funnel as a PNG chart")
    broadcast = sub.add_parser("broadcast", help="announcements to the residents who asked for them")
    broadcast_sub = broadcast.add_subparsers(dest="broadcast_command", required=True)
    draft = broadcast_sub.add_parser("new", help="read a draft from a YAML file and show who gets what")
    draft.add_argument("file", type=Path)
    draft.add_argument("--report-to", help="who gets the report in Telegram (default: the first coordinator)")
    for verb, what in (("send", "queue a draft (now, or at its at: time)"), ("cancel", "stop what is not sent")):
        broadcast_sub.add_parser(verb, help=what).add_argument("id", type=int)
    broadcast_sub.add_parser("list", help="broadcasts with their queued, sent, blocked and failed counts")
    partners = sub.add_parser("partners", help="the territory's partners in knowledge/partners.yml")
    partners_sub = partners.add_subparsers(dest="partners_command", required=True)
    partners_check = partners_sub.add_parser("check", help="stages, fields, translations, sources, dates")
    partners_check.add_argument("--file", type=Path, help="another partners file to check")
    guide = partners_sub.add_parser("guide", help="print the guide: one card per partner, pictograms, QR code, index")
    guide.add_argument("--lang", choices=SUPPORTED_LANGUAGES, default="fr")
    guide.add_argument("--out", type=Path, required=True, help="guide.pdf, or guide.html")
    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(dest="i18n_command", required=True)
    i18n_sub.add_parser("update", help="extract texts from the code and merge them into every catalog")
    i18n_sub.add_parser("check", help="list untranslated, fuzzy or broken entries; fails if any")
    return parser


async def _upgrade_only(runtime: Runtime) -> None:
    try:
        await runtime.migrate()
    finally:
        await runtime.close()


async def _chat(runtime: Runtime, lang: str | None, user: str) -> None:
    from bot.console import chat

    try:
        await chat(runtime, lang, user)
    finally:
        await runtime.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level.upper() if args.command == "run" else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        logging.getLogger("httpx").setLevel(logging.WARNING)
        # APScheduler logs two INFO lines for every run of every job: dozens a minute when nothing
        # happens. Its warnings (a missed or failed run) still show.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        if args.command == "dialogues":
            default = settings.content_dir / "dialogues" / "screening.yml"
            if args.dialogues_command == "rasa-domain":
                from bot.cli.dialogues import rasa_domain

                return rasa_domain(default, settings.content_dir)
            from bot.cli.dialogues import check_dialogues

            return check_dialogues(args.file or default, settings.content_dir)
        if args.command == "sessions":
            from bot.cli.sessions import sessions_command

            runtime = Runtime.build(settings, with_answers=False)
            return asyncio.run(sessions_command(runtime, args))
        if args.command == "outreach":
            from bot.cli.outreach import outreach_command

            return asyncio.run(outreach_command(Runtime.build(settings, with_answers=False), args))
        if args.command == "partners" and args.partners_command == "guide":
            from bot.cli.partners import guide_command

            return guide_command(Runtime.build(settings, with_answers=False), args.lang, args.out)
        if args.command == "partners":
            from bot.cli.partners import check_partners

            return check_partners(settings.content_dir, args.file)
        if args.command == "broadcast":
            from bot.cli.broadcast import broadcast_command

            return asyncio.run(broadcast_command(Runtime.build(settings, with_answers=False), args))
        if args.command == "knowledge" and args.knowledge_command == "gaps":
            from bot.cli.knowledge import gaps_command

            return asyncio.run(gaps_command(Runtime.build(settings, with_answers=False), args.days))
        if args.command == "knowledge":
            from bot.cli.knowledge import check_knowledge

            return check_knowledge(settings.content_dir)
        if args.command == "faq":
            from bot.cli.knowledge import faq_batch

            return faq_batch(settings, args.json, args.lang)
        if args.command == "i18n":
            from bot.cli.i18n import i18n_command

            return i18n_command(args.i18n_command, settings.content_dir)
        if args.command == "run":
            settings.require_token()
            from bot.telegram.application import run

            run(settings, webhook=args.webhook)
        else:
            runtime = Runtime.build(settings, with_answers=args.command == "chat")
            if args.command == "chat":
                asyncio.run(_chat(runtime, args.lang, args.user))
            else:
                asyncio.run(_upgrade_only(runtime))
                print("database is up to date")
    except (ConfigError, ContentError) as exc:
        print(f"tremplin: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
