"""Telegram updates in, replies out: each update becomes one core event, and its reply is shown.

A button press is acknowledged at once; "typing…" shows only when an answer is slow; in the
counsellors' group, only its members are heard.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.texts import Texts
from bot.i18n import supported
from bot.runtime import Runtime
from bot.telegram.inbound import from_update, topic_change
from bot.telegram.render import Renderer, Undeliverable, with_retries

log = logging.getLogger(__name__)

MEMBER_CACHE_SECONDS = 60.0
TYPING_AFTER = 1.0  # seconds before "typing…" is shown


class Updates:
    """The one handler the Application calls for every update."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.members: dict[tuple[int, int], tuple[bool, float]] = {}  # (group, user) -> (member?, valid until)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        changed = topic_change(update)
        if changed is not None:
            if changed.group == self.runtime.core.counsellors:
                await self.runtime.remember_topic(changed.thread, name=changed.name, closed=changed.closed)
            return
        inbound = from_update(update)
        if inbound is None:
            if query is not None:
                await self._answer(update, "")
            return
        if inbound.group and inbound.group != self.runtime.core.counsellors:
            log.warning(
                "left group %s: it is not the counsellors' group (TREMPLIN_COUNSELLORS_CHAT=%s); to make it so,"
                " set TREMPLIN_COUNSELLORS_CHAT=%s and add the bot to it again",
                inbound.group,
                self.runtime.core.counsellors or "not set",
                inbound.group,
            )
            await self._leave(context.bot, int(inbound.group), inbound.language_code)
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
        if reply.done_before:  # a repeat of an update already answered (a webhook retried)
            return
        # the press is acknowledged while the reply is shown: two independent calls, one round trip
        answered = asyncio.create_task(self._answer(update, reply.notice, reply.alert)) if query is not None else None
        pressed = query.message.message_id if query is not None and query.message is not None else None
        try:
            live = await Renderer(context.bot, chat_id).show(reply, pressed)
            if live is not None and str(live) != reply.keyboard:  # a new message: only Telegram knew its id
                await self.runtime.remember_keyboard(inbound, str(live))
        except Undeliverable as exc:
            log.info("a resident cannot be reached: %s", exc)
        finally:
            if answered is not None:
                await answered

    async def _leave(self, bot: Bot, chat_id: int, language_code: str | None) -> None:
        """A group nobody configured (someone added the bot): one polite line, in the language of whoever
        wrote, then the bot leaves, so residents' words never sit in a group nobody watches."""
        core = self.runtime.core
        t = Texts(core.catalogs, supported(language_code, core.default_language))
        text = t("👋 Bonjour ! Je réponds à chacun en privé : écrivez-moi directement. Je quitte ce groupe.")
        if core.bot_username:
            text += f"\nhttps://t.me/{core.bot_username}"
        try:
            await with_retries(lambda: bot.send_message(chat_id, text), "sendMessage")
        except TelegramError as exc:
            log.info("could not say goodbye in group %s: %s", chat_id, exc)
        try:
            await with_retries(lambda: bot.leave_chat(chat_id), "leaveChat")
        except TelegramError as exc:
            log.warning("could not leave group %s: %s", chat_id, exc)

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
