"""Build and run the python-telegram-bot Application around the shared runtime."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from telegram import Bot, BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.config import SUPPORTED_LANGUAGES, ConfigError, Settings
from bot.core.dialogue import command_list
from bot.core.messages import Inbound, Kind, Outbound
from bot.jobs import Jobs
from bot.runtime import Runtime
from bot.telegram.inbound import CHANNEL, from_update
from bot.telegram.render import Renderer, Undeliverable, with_retries

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)
MEMBER_CACHE_SECONDS = 60.0
TYPING_AFTER = 1.0  # seconds before "typing…" is shown


class TelegramBot:
    """Holds the runtime and the scheduler for the life of one Application."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.jobs: Jobs | None = None
        self.members: dict[tuple[int, int], tuple[bool, float]] = {}  # (group, user) -> (member?, valid until)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        inbound = from_update(update)
        if inbound is None:
            if query is not None:
                await self._answer(update, "")
            return
        if inbound.group and inbound.group != self.runtime.core.counsellors:
            log.warning(
                "message in group %s ignored: it is not the counsellors' group (TREMPLIN_COUNSELLORS_CHAT=%s);"
                " set TREMPLIN_COUNSELLORS_CHAT=%s to make it so",
                inbound.group,
                self.runtime.core.counsellors or "not set",
                inbound.group,
            )
            return
        if inbound.group:  # the counsellors' group: everything it causes goes through the outbox
            if await self._counsellor(context.bot, int(inbound.group), int(inbound.user_id)):
                await self.runtime.handle(inbound)
            else:
                log.warning("message from %s in group %s ignored: not a member", inbound.user_id, inbound.group)
            return
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else int(inbound.user_id)
        typing = asyncio.create_task(self._typing_after(context, chat_id, TYPING_AFTER))
        try:
            reply = await self.runtime.handle(inbound)
        finally:
            typing.cancel()
        if query is not None:
            await self._answer(update, reply.notice, reply.alert)
        pressed = query.message.message_id if query is not None and query.message is not None else None
        try:
            live = await Renderer(context.bot, chat_id).show(reply, pressed)
            if live is not None:
                await self.runtime.remember_keyboard(inbound, str(live))
        except Undeliverable as exc:
            log.info("resident %s cannot be reached: %s", inbound.user_id, exc)

    async def _counsellor(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Only members of the counsellors' group act there; asked with getChatMember, kept one minute."""
        now = time.monotonic()
        known = self.members.get((chat_id, user_id))
        if known is not None and known[1] > now:
            return known[0]
        try:
            member = await with_retries(lambda: bot.get_chat_member(chat_id, user_id), "getChatMember")
            ok = member.status in ("creator", "administrator", "member") or bool(getattr(member, "is_member", False))
        except TelegramError as exc:
            log.warning("could not check %s in %s: %s", user_id, chat_id, exc)
            return False
        self.members[(chat_id, user_id)] = (ok, now + MEMBER_CACHE_SECONDS)
        return ok

    @staticmethod
    async def _typing_after(context: ContextTypes.DEFAULT_TYPE, chat_id: int, delay: float) -> None:
        """Show "typing…" only when an answer is slow, so a quick one costs no extra call."""
        await asyncio.sleep(delay)
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            log.info("typing indicator not shown: %s", exc)

    async def _answer(self, update: Update, notice: str, alert: bool = False) -> None:
        """Every press is answered at once, so the button stops spinning on the phone."""
        query = update.callback_query
        if query is None:
            return
        try:
            await with_retries(
                lambda: query.answer(notice[:200] or None, show_alert=alert and bool(notice)), "answerCallbackQuery"
            )
        except TelegramError as exc:
            log.info("button press not acknowledged: %s", exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update: %s", context.error, exc_info=context.error)

    async def on_start(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await self.set_commands(app)

        async def send(chat_id: str, message: Outbound) -> tuple[str, str] | None:
            """An outbox message: sent as new, and it becomes the resident's live keyboard.
            In the counsellors' group it goes to the resident's topic, created (again) when missing.
            An edit of a relayed message edits its copy. Returns where a new message landed."""
            if message.edit_of is not None:
                if await self.edit_copy(app, message) or message.edit_only:
                    return None
                message = replace(message, edit_of=None)
            if message.topic_name is not None or message.thread_id is not None:
                landed = await self.to_topic(app, int(chat_id), message)
                return (chat_id, str(landed)) if landed is not None else None
            live = await Renderer(app.bot, int(chat_id)).send(message)
            if message.buttons:
                await self.runtime.remember_keyboard(Inbound(CHANNEL, chat_id, Kind.TEXT), str(live))
            return chat_id, str(live)

        self.jobs = Jobs(self.runtime, {CHANNEL: send}).start()

    async def edit_copy(self, app: Application[Any, Any, Any, Any, Any, Any], message: Outbound) -> bool:
        """Edit the copy of an edited message (or the topic card); False when there is none or Telegram refuses."""
        target = await self.runtime.relayed_as(message.edit_of or "")
        if target is None:
            return False
        renderer = Renderer(app.bot, int(target[0]))
        if message.caption:
            return await renderer.edit_caption(int(target[1]), message.text)
        return await renderer.edit(int(target[1]), message)

    async def to_topic(
        self, app: Application[Any, Any, Any, Any, Any, Any], chat_id: int, message: Outbound
    ) -> int | None:
        """Write in a forum topic; a topic deleted by hand is created again, never leaving a message unsent."""
        thread = message.thread_id
        if message.handover_id is not None:
            thread = await self.runtime.topic_of(message.handover_id) or thread
        for attempt in range(2):
            if thread is None and message.topic_name is not None:
                created = await with_retries(
                    lambda: app.bot.create_forum_topic(chat_id, message.topic_name or "?"), "createForumTopic"
                )
                thread = str(created.message_thread_id)
                if message.handover_id is not None:
                    await self.runtime.record_topic(message.handover_id, thread)
            try:
                if thread is not None and message.reopen:
                    await self.reopen(app, chat_id, int(thread), message.topic_name or "")
                return await Renderer(app.bot, chat_id, int(thread) if thread else None).send(message)
            except BadRequest as exc:
                gone = "thread not found" in str(exc).lower() or "topic_deleted" in str(exc).lower()
                if not gone or message.topic_name is None or attempt:
                    raise
                log.info("topic %s of handover %s is gone; creating it again", thread, message.handover_id)
                thread = None
        return None

    @staticmethod
    async def reopen(app: Application[Any, Any, Any, Any, Any, Any], chat_id: int, thread: int, name: str) -> None:
        """A returning resident's topic: opened again if closed by hand, renamed if their language or
        first name changed (counsellors read the language off the name). Already so: nothing to do."""
        calls = (
            ("reopenForumTopic", lambda: app.bot.reopen_forum_topic(chat_id, thread)),
            ("editForumTopic", lambda: app.bot.edit_forum_topic(chat_id, thread, name=name)),
        )
        for what, call in calls:
            try:
                await with_retries(call, what)
            except BadRequest as exc:
                if "not_modified" not in str(exc).lower():
                    raise

    async def on_stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Before the bot's connection closes: let a job that is sending finish."""
        if self.jobs is not None:
            await self.jobs.stop()

    async def on_shutdown(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await self.runtime.close()

    async def set_commands(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The command menu in each language; a refusal is a warning, the bot works without it."""
        core = self.runtime.core
        targets: list[tuple[str, str | None]] = [(core.default_language, None)]
        targets += [(lang, lang) for lang in SUPPORTED_LANGUAGES]
        for lang, code in targets:
            commands = [BotCommand(name, description) for name, description in command_list(core, lang)]

            async def send(commands: list[BotCommand] = commands, code: str | None = code) -> Any:
                return await app.bot.set_my_commands(commands, language_code=code)

            try:
                await with_retries(send, "setMyCommands")
            except TelegramError as exc:
                log.warning("Telegram refused the command list for %s (%s); the bot works without it", lang, exc)


def build_application(runtime: Runtime) -> tuple[Application[Any, Any, Any, Any, Any, Any], TelegramBot]:
    settings = runtime.settings
    bot = TelegramBot(runtime)
    app = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .post_init(bot.on_start)
        .post_stop(bot.on_stop)
        .post_shutdown(bot.on_shutdown)
        .build()
    )
    app.add_handler(TypeHandler(Update, bot.on_update))
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
