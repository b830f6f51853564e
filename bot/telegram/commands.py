"""The command menu Telegram shows beside the text field (setMyCommands), in every language.

It is the resident's map of the bot, so it stays with the Telegram adapter and lists only the few
commands a resident uses; the core answers every command whether it is listed or not. Coordinators
also see theirs, in their own chat only (a chat scope), never in the residents' menu.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import SUPPORTED_LANGUAGES
from bot.core.context import Core
from bot.core.texts import N_, Texts
from bot.telegram.inbound import CHANNEL
from bot.telegram.render import with_retries

log = logging.getLogger(__name__)

COMMANDS = (
    ("start", N_("Commencer")),
    ("menu", N_("Le menu")),
    ("language", N_("Changer de langue")),
    ("help", N_("Aide et contacts")),
)

STAFF_COMMANDS = (
    ("sessions", N_("Sessions : inscrits, présences")),
    ("outreach", N_("Campagnes : lien, QR code, flyer")),
    ("stats", N_("Parcours des résidents (12 mois)")),
    ("broadcast", N_("Annonces aux résidents")),
)


def command_list(core: Core, lang: str, *, staff: bool = False) -> list[tuple[str, str]]:
    texts = Texts(core.catalogs, lang)
    return [(name, texts(description)) for name, description in (*COMMANDS, *(STAFF_COMMANDS if staff else ()))]


async def set_commands(bot: Bot, core: Core, known: frozenset[str] = frozenset()) -> None:
    """The command menu in each language; a refusal is a warning, the bot works without it.

    `known`: the coordinators' ids who have written to the bot. Telegram refuses a menu for a chat
    it has never seen, so the others get theirs at a later start (their commands work anyway)."""
    targets: list[tuple[str, str | None]] = [(core.default_language, None)]
    targets += [(lang, lang) for lang in SUPPORTED_LANGUAGES]
    for lang, code in targets:
        commands = [BotCommand(name, description) for name, description in command_list(core, lang)]

        async def send(commands: list[BotCommand] = commands, code: str | None = code) -> Any:
            return await bot.set_my_commands(commands, language_code=code)

        try:
            await with_retries(send, "setMyCommands")
        except TelegramError as exc:
            log.warning("Telegram refused the command list for %s (%s); the bot works without it", lang, exc)
    for coordinator in sorted(core.coordinators):
        channel, _, user = coordinator.partition(":")
        if channel == CHANNEL and user.isdigit() and user in known:
            await _coordinator_commands(bot, core, int(user), targets)


async def _coordinator_commands(bot: Bot, core: Core, user: int, targets: list[tuple[str, str | None]]) -> None:
    """A coordinator's own menu, in their chat: Telegram knows that chat once they have written to the bot."""
    for lang, code in targets:
        commands = [BotCommand(name, description) for name, description in command_list(core, lang, staff=True)]

        async def send(commands: list[BotCommand] = commands, code: str | None = code) -> Any:
            return await bot.set_my_commands(commands, scope=BotCommandScopeChat(user), language_code=code)

        try:
            await with_retries(send, "setMyCommands")
        except TelegramError as exc:
            log.warning("no command menu for coordinator %s (%s); their commands work anyway", user, exc)
            return
