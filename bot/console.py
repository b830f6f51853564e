"""`tremplin chat`: the same dialogue core in a terminal, for trying the bot and writing content."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.core import residents
from bot.core.messages import Button, Inbound, Kind, Reply
from bot.core.texts import plain
from bot.db.engine import in_transaction
from bot.runtime import Runtime

CHANNEL = "console"


def render(reply: Reply, out: TextIO, ansi: bool) -> list[Button]:
    """Print a reply; returns the buttons, numbered from 1, that the next line may pick."""
    buttons: list[Button] = []
    if reply.notice:
        out.write(f"  ({reply.notice})\n")
    for message in reply.messages:
        out.write("\n" + plain(message.text, ansi) + "\n")
        for row in message.buttons:
            cells = []
            for button in row:
                buttons.append(button)
                cells.append(f"[{len(buttons)}] {button.label}")
            out.write("   " + "   ".join(cells) + "\n")
    out.flush()
    return buttons


def parse_line(line: str, buttons: list[Button], user: str, lang: str | None) -> Inbound:
    """A number picks a button; `/word` is a command; anything else is text."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Inbound(CHANNEL, user, Kind.BUTTON, data=buttons[int(stripped) - 1].data, language_code=lang)
    if stripped.startswith("/") and len(stripped) > 1:
        command, _, args = stripped[1:].partition(" ")
        return Inbound(CHANNEL, user, Kind.COMMAND, command=command.lower(), args=args, language_code=lang)
    return Inbound(CHANNEL, user, Kind.TEXT, text=line, language_code=lang)


async def chat(
    runtime: Runtime,
    lang: str | None,
    user: str = "me",
    read: Callable[[], str] = input,
    out: TextIO = sys.stdout,
) -> None:
    ansi = out.isatty()
    await runtime.migrate()
    if lang:
        await in_transaction(
            runtime.sessions,
            lambda s: residents.set_language(s, CHANNEL, user, lang, runtime.core.clock()),
        )
    out.write(f"{runtime.core.territory.name}: type a message, a button's number, /menu, or /quit.\n")
    buttons = render(await runtime.handle(parse_line("/start", [], user, lang)), out, ansi)
    while True:
        try:
            line = await asyncio.to_thread(read)
        except EOFError:
            break
        if line.strip() in ("/quit", "/exit"):
            break
        if not line.strip():
            continue
        reply = await runtime.handle(parse_line(line, buttons, user, lang))
        shown = render(reply, out, ansi)
        buttons = shown or buttons
