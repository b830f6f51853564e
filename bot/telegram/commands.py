"""The command menu Telegram shows beside the text field (setMyCommands), in every language.

It is the resident's map of the bot, so it stays with the Telegram adapter and lists only the few
commands a resident uses; the core answers every command whether it is listed or not.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.config import SUPPORTED_LANGUAGES
from bot.core.context import Core
from bot.core.texts import N_, Texts
from bot.telegram.render import with_retries

log = logging.getLogger(__name__)

COMMANDS = (
    ("start", N_("Commencer")),
    ("menu", N_("Le menu")),
    ("language", N_("Changer de langue")),
    ("help", N_("Aide et contacts")),
)


def command_list(core: Core, lang: str) -> list[tuple[str, str]]:
    texts = Texts(core.catalogs, lang)
    return [(name, texts(description)) for name, description in COMMANDS]


async def set_commands(bot: Bot, core: Core) -> None:
    """The command menu in each language; a refusal is a warning, the bot works without it."""
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
