"""Coordinators' commands for sessions: import, list, cancel. Output is for a person in a hurry."""

from __future__ import annotations

import argparse
import sys

from bot.core.sessions import importing
from bot.core.sessions import service as sessions
from bot.core.sessions.notices import Notices
from bot.db.engine import in_transaction
from bot.i18n import format_clock, format_day
from bot.runtime import Runtime


async def sessions_command(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        await runtime.migrate()
        if args.sessions_command == "import":
            return await _import(runtime, args)
        if args.sessions_command == "cancel":
            return await _cancel(runtime, args.key)
        return await _list(runtime)
    finally:
        await runtime.close()


async def _import(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        rows = importing.read_file(args.file)
    except (OSError, importing.ImportError_) as exc:
        print(f"tremplin: {exc}", file=sys.stderr)
        return 2
    now = runtime.core.clock()
    codes = {n.code for n in runtime.core.territory.neighbourhoods}
    notices = Notices(runtime.core.catalogs, runtime.core.territory)
    report = await in_transaction(runtime.sessions, lambda s: notices.import_file(s, rows, args.file.name, codes, now))
    for error in report.errors:
        print(error, file=sys.stderr)
    if report.errors:
        print(f"nothing imported: {len(report.errors)} problem(s)", file=sys.stderr)
        return 1
    print(
        f"{report.created} created, {report.updated} updated" + (f", {len(report.moved)} moved" if report.moved else "")
    )
    return 0


async def _list(runtime: Runtime) -> int:
    now = runtime.core.clock()
    async with runtime.sessions() as session:
        found = await sessions.fill_rates(session, starting_after=now)
    if not found:
        print("no upcoming session")
    for info, waiting in found:
        fill = f"{info.seats_taken}/{info.capacity}"
        when = f"{format_day(info.starts_at, 'fr')} {format_clock(info.starts_at, 'fr')}"
        status = "" if info.status == "scheduled" else f" [{info.status}]"
        print(f"{info.key:40} {when:28} {fill:>7} booked, {waiting} waiting{status}  {info.title.get('fr', '')}")
    return 0


async def _cancel(runtime: Runtime, key: str) -> int:
    now = runtime.core.clock()

    async def work(session):  # type: ignore[no-untyped-def]
        info = await sessions.get(session, key)
        if info is None:
            return None
        return await Notices(runtime.core.catalogs, runtime.core.territory).cancel_session(session, info, now)

    told = await in_transaction(runtime.sessions, work)
    if told is None:
        print(f"tremplin: no session with key {key!r} (see `tremplin sessions list`)", file=sys.stderr)
        return 2
    print(f"{key} cancelled; {told} resident(s) will be told in their language")
    return 0
