"""Show a core Reply in Telegram: new messages or edits, with retries that respect Telegram's limits."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.core.messages import Document, Outbound, Reply
from bot.core.outbox import Unreachable
from bot.core.texts import plain

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 5
MAX_WAIT = 60.0


class Undeliverable(Unreachable):
    """The person cannot be reached (blocked the bot, deleted account): stop trying."""


async def with_retries(call: Callable[[], Awaitable[T]], what: str, max_wait: float = MAX_WAIT) -> T:
    """Wait out 429s (up to `max_wait` seconds) and retry 5xx and time-outs; a Bad Request is not retried as such."""
    delay = 0.5
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
            if attempt == ATTEMPTS or wait > max_wait:
                raise
            log.warning("%s: Telegram asks to wait %ss (attempt %d)", what, wait, attempt)
            await asyncio.sleep(float(wait))
        except Forbidden as exc:
            raise Undeliverable(str(exc)) from exc
        except BadRequest:
            raise
        except (TimedOut, NetworkError) as exc:
            if attempt == ATTEMPTS:
                raise
            log.warning("%s: %s, trying again in %.1fs (attempt %d)", what, exc, delay, attempt)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def keyboard(message: Outbound) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in message.buttons
        ]
    )


def split(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut a long text at paragraph, then line, boundaries so no piece passes Telegram's limit."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(paragraph) > limit:
            cut = paragraph.rfind("\n", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip("\n")
        current = paragraph
    if current:
        pieces.append(current)
    return pieces


class Renderer:
    """Sends one reply to one private chat."""

    def __init__(self, bot: Bot, chat_id: int, thread_id: int | None = None, max_wait: float = MAX_WAIT) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.thread_id = thread_id  # a forum topic in the counsellors' group
        self.max_wait = max_wait  # the outbox's sender does not wait out a 429 here: it pauses every send

    async def _retry(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        result = await with_retries(call, what, self.max_wait)
        # Once part of a message is out, a 429 for the rest is waited out here: sending the whole
        # message again later would show its first part twice.
        self.max_wait = max(self.max_wait, MAX_WAIT)
        return result

    async def _send(self, text: str, markup: InlineKeyboardMarkup | None) -> Message:
        async def html() -> Message:
            return await self.bot.send_message(
                self.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, message_thread_id=self.thread_id
            )

        try:
            return await self._retry(html, "sendMessage")
        except BadRequest as exc:
            if "parse entities" not in str(exc).lower():
                raise
            log.error("HTML refused by Telegram (%s); sending as plain text: %r", exc, text[:200])

            async def raw() -> Message:
                return await self.bot.send_message(
                    self.chat_id, plain(text), reply_markup=markup, message_thread_id=self.thread_id
                )

            return await self._retry(raw, "sendMessage")

    async def send(self, message: Outbound) -> int:
        """Send (in pieces if long); returns the id of the last piece, the one with the buttons."""
        if message.envelope.copy_of is not None:  # a relayed photo, voice note or document: the same content
            source_chat, source_id = message.envelope.copy_of

            async def copy() -> Any:
                return await self.bot.copy_message(
                    self.chat_id, int(source_chat), int(source_id), message_thread_id=self.thread_id
                )

            return int((await self._retry(copy, "copyMessage")).message_id)
        if not message.text and message.document is not None and message.venue is None:  # the file alone
            return await self.document(message.document, keyboard(message))
        pieces = split(message.text)
        sent = None
        for i, piece in enumerate(pieces):
            sent = await self._send(piece, keyboard(message) if i == len(pieces) - 1 else None)
        assert sent is not None
        await self.attachments(message)
        return sent.message_id

    async def attachments(self, message: Outbound) -> None:
        """The place as a map and the date as a calendar file, after the text they belong to."""
        venue, document = message.venue, message.document
        if venue is not None:

            async def map_() -> Any:
                return await self.bot.send_venue(
                    self.chat_id, venue.latitude, venue.longitude, venue.title[:256], venue.address[:256]
                )

            await self._retry(map_, "sendVenue")
        if document is not None:
            await self.document(document)

    async def document(self, document: Document, markup: InlineKeyboardMarkup | None = None) -> int:
        """A file under its own name: a PNG goes as a document too, so Telegram does not recompress it."""
        content = document.content
        data = content if isinstance(content, bytes) else content.encode()

        async def file_() -> Message:
            upload = InputFile(data, filename=document.filename)
            return await self.bot.send_document(
                self.chat_id, upload, reply_markup=markup, message_thread_id=self.thread_id
            )

        return (await self._retry(file_, "sendDocument")).message_id

    async def edit(self, message_id: int, message: Outbound) -> bool:
        """Edit in place; False when the message can no longer be edited, so the caller sends anew."""
        if len(message.text) > MessageLimit.MAX_TEXT_LENGTH:
            return False

        async def call() -> Any:
            return await self.bot.edit_message_text(
                message.text,
                chat_id=self.chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message),
            )

        return await self._edited(call, "editMessageText", message_id)

    async def edit_caption(self, message_id: int, caption: str) -> bool:
        """A photo's or file's new caption, within Telegram's caption limit; False when Telegram refuses."""
        if len(caption) > MessageLimit.CAPTION_LENGTH:  # cut, without leaving half an HTML entity
            caption = re.sub(r"&[#a-z0-9]*$", "", caption[: MessageLimit.CAPTION_LENGTH])

        async def call() -> Any:
            return await self.bot.edit_message_caption(
                chat_id=self.chat_id, message_id=message_id, caption=caption or None, parse_mode=ParseMode.HTML
            )

        return await self._edited(call, "editMessageCaption", message_id)

    async def _edited(self, call: Callable[[], Awaitable[Any]], what: str, message_id: int) -> bool:
        """An edit that changes nothing is as good as done; any other refusal is False, for the caller to decide."""
        try:
            await self._retry(call, what)
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            log.warning("%s refused for message %s (%s)", what, message_id, exc)
            return False
        return True

    async def drop_keyboard(self, message_id: int) -> None:
        """A used keyboard is removed so old buttons do not invite a second press."""

        async def call() -> Any:
            return await self.bot.edit_message_reply_markup(chat_id=self.chat_id, message_id=message_id)

        try:
            await self._retry(call, "editMessageReplyMarkup")
        except (TelegramError, Undeliverable) as exc:  # stale anyway: never let it hide what the reply did
            log.info("keyboard of message %s not removed: %s", message_id, exc)

    async def show(self, reply: Reply, pressed: int | None = None) -> int | None:
        """Show the reply; `pressed` is the message whose button was tapped, if any.

        Returns the id of the message that now holds the live keyboard, if the reply showed one.
        """
        old = int(reply.old_keyboard) if reply.old_keyboard and reply.old_keyboard.isdigit() else None
        retire = None
        if old is not None and old != pressed and any(message.buttons for message in reply.messages):
            # its buttons went stale when the screen number moved on: retire it while the new one is sent
            retire = asyncio.create_task(self.drop_keyboard(old))
        try:
            return await self._show(reply, pressed)
        finally:
            if retire is not None:
                await retire

    async def _show(self, reply: Reply, pressed: int | None) -> int | None:
        replaced = False
        live: int | None = None
        for message in reply.messages:
            shown: int
            if message.replace and pressed is not None and not replaced:
                replaced = True
                if await self.edit(pressed, message):
                    shown = pressed
                    await self.attachments(message)  # an edit carries text only: the map and file follow
                else:
                    shown = await self.send(message)
            else:
                shown = await self.send(message)
            if message.buttons:
                live = shown
        if pressed is not None and reply.messages and not replaced:
            await self.drop_keyboard(pressed)
        return live
