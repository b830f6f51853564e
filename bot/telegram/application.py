"""Build and run the python-telegram-bot Application around the shared runtime.

Updates become core events in `updates.py`; outbox rows are delivered by `delivery.py`, and the
command menu is set by `commands.py`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlparse

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.config import ConfigError, Settings
from bot.jobs import Jobs
from bot.runtime import Runtime
from bot.telegram.commands import set_commands
from bot.telegram.delivery import Delivery
from bot.telegram.inbound import CHANNEL
from bot.telegram.polling import SkippingRequest
from bot.telegram.updates import Updates

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)


class TelegramBot:
    """Holds the runtime and the scheduler for the life of one Application."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.jobs: Jobs | None = None
        self.updates = Updates(runtime)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update: %s", context.error, exc_info=context.error)

    async def on_start(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if not self.runtime.core.bot_username:  # the Application asked getMe as it started
            self.runtime.name_bot(app.bot.username)
        await set_commands(app.bot, self.runtime.core, await self.runtime.known_users(CHANNEL))
        self.jobs = Jobs(self.runtime, {CHANNEL: Delivery(self.runtime, app.bot).send}).start()

    async def on_stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Before the bot's connection closes: let a job that is sending finish."""
        if self.jobs is not None:
            await self.jobs.stop()

    async def on_shutdown(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await self.runtime.close()


def build_application(runtime: Runtime) -> tuple[Application[Any, Any, Any, Any, Any, Any], TelegramBot]:
    settings = runtime.settings
    bot = TelegramBot(runtime)
    app = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .get_updates_request(SkippingRequest(connection_pool_size=1))
        .post_init(bot.on_start)
        .post_stop(bot.on_stop)
        .post_shutdown(bot.on_shutdown)
        .build()
    )
    app.add_handler(TypeHandler(Update, bot.updates.on_update))
    app.add_error_handler(bot.on_error)
    return app, bot


async def _prepare(runtime: Runtime) -> None:
    """Migrate and check the token before python-telegram-bot starts, so mistakes read as one line."""
    settings = runtime.settings
    try:
        await runtime.migrate()
    finally:
        await runtime.engine.dispose()
    bot = Bot(settings.require_token(), base_url=settings.bot_api_base_url, base_file_url=settings.bot_api_file_url)
    try:
        async with bot:
            pass
    except InvalidToken as exc:
        raise ConfigError("Telegram refused TELEGRAM_BOT_TOKEN; copy it again from @BotFather") from exc
    except NetworkError as exc:
        raise ConfigError(f"cannot reach the Bot API at {settings.bot_api_base_url} ({exc})") from exc


def run(settings: Settings, webhook: bool = False) -> None:
    """Migrate, then serve until stopped; start-up failures become one line for the operator."""
    runtime = Runtime.build(settings)
    asyncio.run(_prepare(runtime))
    asyncio.set_event_loop(asyncio.new_event_loop())
    app, _ = build_application(runtime)
    try:
        if webhook:
            if not settings.webhook_url:
                raise ConfigError("--webhook needs TREMPLIN_WEBHOOK_URL, the public https address Telegram will call")
            if not settings.webhook_secret:
                raise ConfigError("--webhook needs TREMPLIN_WEBHOOK_SECRET (1-256 characters of A-Z a-z 0-9 _ -)")
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlparse(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        else:
            app.run_polling(allowed_updates=list(ALLOWED_UPDATES))
    except InvalidToken as exc:
        raise ConfigError(f"Telegram refused TELEGRAM_BOT_TOKEN ({exc}); copy it again from @BotFather") from exc
    except NetworkError as exc:
        raise ConfigError(f"cannot reach the Bot API at {settings.bot_api_base_url} ({exc})") from exc
