"""Coordinators' commands for announcements: read a draft from a file and preview it, queue it, see
how it went, stop it."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.broadcasts import compose
from bot.core.broadcasts import service as broadcasts
from bot.core.broadcasts.report import report
from bot.db.engine import in_transaction
from bot.db.models import Broadcast
from bot.i18n import PARIS
from bot.runtime import Runtime

STATUSES = ("pending", "sent", "blocked", "failed", "cancelled", "expired")


async def broadcast_command(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        await runtime.migrate()
        if args.broadcast_command == "new":
            return await _new(runtime, args)
        if args.broadcast_command == "list":
            return await _list(runtime)
        return await _act(runtime, args.broadcast_command, args.id)
    finally:
        await runtime.close()


async def _new(runtime: Runtime, args: argparse.Namespace) -> int:
    core, now = runtime.core, runtime.core.clock()
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"tremplin: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    neighbourhoods = {n.code for n in core.territory.neighbourhoods}
    draft, errors = compose.read(text, args.file.name, neighbourhoods, now)
    if draft is None:
        print(f"tremplin: {args.file.name} has {len(errors)} mistake(s); nothing was saved:", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 2
    report_to = args.report_to or next(iter(sorted(core.coordinators)), None)

    async def save(session: AsyncSession) -> tuple[Broadcast, broadcasts.Preview]:
        made = await broadcasts.create(session, draft, f"cli:{getpass.getuser()}", report_to, now)
        return made, await broadcasts.preview(session, made, core.catalogs, core.screening, now)

    try:
        made, shown = await in_transaction(runtime.sessions, save)
    except ValueError as exc:
        print(f"tremplin: {args.file.name}:{draft.session_line}: {exc}; nothing was saved", file=sys.stderr)
        return 2
    print(f"broadcast {made.id} (draft): {shown.total} recipient(s)")
    for lang, count in shown.per_language.items():
        note = " (French text: none in this language)" if not made.texts.get(lang) else ""
        print(f"  {lang}: {count}{note}")
    if shown.fallback:
        print(f"  {shown.fallback} get the French text, their language has none")
    when = made.send_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") if made.send_at else "when sent"
    print(f"sent: {when} (Paris time; never 21:00-08:00, at most one a day per person)")
    for lang, shown_text in shown.texts.items():
        print(f"\n--- {lang} ---\n{shown_text}")
    print(f"\n`tremplin broadcast send {made.id}` queues it.")
    return 0


async def _act(runtime: Runtime, what: str, number: int) -> int:
    core, now = runtime.core, runtime.core.clock()

    async def act(session: AsyncSession) -> int:
        found = await session.get(Broadcast, number)
        if found is None:
            raise ValueError(f"no broadcast {number} (see `tremplin broadcast list`)")
        if what == "send":
            return await broadcasts.queue(session, found, core.catalogs, core.screening, now)
        return await broadcasts.cancel(session, found)

    try:
        count = await in_transaction(runtime.sessions, act)
    except ValueError as exc:
        print(f"tremplin: {exc}", file=sys.stderr)
        return 2
    print(f"broadcast {number}: " + (f"{count} message(s) queued" if what == "send" else f"{count} not sent"))
    return 0


async def _list(runtime: Runtime) -> int:
    async def listed(session: AsyncSession) -> list[tuple[Broadcast, dict[str, dict[str, int]]]]:
        await report(session, runtime.core.catalogs, runtime.core.clock())  # as the running bot does
        found = await broadcasts.listed(session)
        return [(b, await broadcasts.counts(session, b)) for b in found]

    rows = await in_transaction(runtime.sessions, listed)
    if not rows:
        print("No broadcast yet: `tremplin broadcast new FILE` makes one.")
        return 0
    print(f"{'id':>4} {'status':10} " + " ".join(f"{s:>9}" for s in STATUSES) + f" {'bookings':>9}  text")
    for made, counts in rows:
        total = broadcasts.totals(counts)
        first = str(made.texts.get("fr", "")).splitlines()[0][:40]
        print(
            f"{made.id:>4} {made.status:10} "
            + " ".join(f"{total.get(s, 0):>9}" for s in STATUSES)
            + f" {made.bookings:>9}  {first}"
        )
    return 0
