"""`tremplin chat`: the same dialogue core in a terminal, for trying the bot and writing content."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.core import residents
from bot.core.messages import Button, Inbound, Kind, Outbound, Reply
from bot.core.texts import plain
from bot.db.engine import in_transaction
from bot.runtime import Runtime
from bot.sending import pump_outbox

CHANNEL = "console"


def render(reply: Reply, out: TextIO, ansi: bool) -> list[Button]:
    """Print a reply; returns the buttons, numbered from 1, that the next line may pick."""
    buttons: list[Button] = []
    if reply.notice:
        out.write(f"  ({reply.notice})\n")
    for message in reply.messages:
        buttons += show(message, out, ansi, first=len(buttons) + 1)
    out.flush()
    return buttons


def show(message: Outbound, out: TextIO, ansi: bool, first: int = 1) -> list[Button]:
    """One message with its numbered buttons, its place and its calendar file."""
    out.write("\n" + plain(message.text, ansi) + "\n")
    shown: list[Button] = []
    for row in message.buttons:
        cells = []
        for button in row:
            if button.url is not None:  # a link: the terminal shows where it goes
                cells.append(f"{button.label} <{button.url}>")
                continue
            shown.append(button)
            cells.append(f"[{first + len(shown) - 1}] {button.label}")
        out.write("   " + "   ".join(cells) + "\n")
    if message.venue is not None:
        venue = message.venue
        out.write(f"   📍 {venue.title}, {venue.address} (map {venue.latitude}, {venue.longitude})\n")
    if message.document is not None:
        out.write(f"   📎 {message.document.filename} ({message.document.mime_type})\n")
    return shown


def parse_line(line: str, buttons: list[Button], user: str, lang: str | None) -> Inbound:
    """A number picks a button; `/word` is a command; anything else is text."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Inbound(CHANNEL, user, Kind.BUTTON, data=buttons[int(stripped) - 1].data, language_code=lang)
    if stripped.startswith("/") and len(stripped) > 1:
        command, _, args = stripped[1:].partition(" ")
        return Inbound(CHANNEL, user, Kind.COMMAND, command=command.lower(), args=args, language_code=lang)
    return Inbound(CHANNEL, user, Kind.TEXT, text=line, language_code=lang)


async def deliver(runtime: Runtime, user: str, out: TextIO, ansi: bool, first: int) -> list[Button]:
    """Messages the outbox holds for this terminal user and that are due now (offers, notices)."""
    shown: list[Button] = []

    async def send(chat_id: str, message: Outbound) -> None:
        if chat_id == user:
            shown.extend(show(message, out, ansi, first=first + len(shown)))
        else:
            raise RuntimeError("another terminal user's message")

    await pump_outbox(runtime, CHANNEL, send, chat=user)  # another terminal user's wait for their turn
    out.flush()
    return shown


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
        inbound = parse_line(line, buttons, user, lang)
        answers = runtime.core.answers
        if answers is not None and not answers.complete and inbound.kind is Kind.TEXT:
            # one person at this terminal: waiting a few seconds is kinder than "ask again"
            out.write("  (one moment: preparing the answers to questions, a few seconds)\n")
            out.flush()
            await answers.until_ready()
            await answers.until_complete(timeout=5)
        reply = await runtime.handle(inbound)
        shown = render(reply, out, ansi)
        shown += await deliver(runtime, user, out, ansi, first=len(shown) + 1)
        buttons = shown or buttons
