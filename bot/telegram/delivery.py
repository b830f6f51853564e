"""Delivering outbox rows to Telegram: new messages, copies of relayed ones, edits, forum topics.

The core describes a message; what is Telegram's (a forum topic made again when deleted by hand,
the copy of a photo, the edit of a relayed message) is decided here, from the row's envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Bot
from telegram.error import BadRequest, RetryAfter

from bot.core.messages import Outbound
from bot.core.outbox import Throttled
from bot.runtime import Runtime
from bot.telegram.render import Renderer, with_retries

log = logging.getLogger(__name__)


class Delivery:
    """Sends one outbox row; the jobs call `send` for every row that is due."""

    def __init__(self, runtime: Runtime, bot: Bot) -> None:
        self.runtime = runtime
        self.bot = bot

    async def send(self, chat_id: str, message: Outbound) -> tuple[str, str] | None:
        """An outbox message, sent as new (the worker records it as the resident's live keyboard).
        In the counsellors' group it goes to the resident's topic, created (again) when missing.
        An edit of a relayed message edits its copy. Returns where a new message landed.
        A 429 is not waited out here: the sender pauses every message of the channel for that long."""
        try:
            return await self._send(chat_id, message)
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
            raise Throttled(float(wait)) from exc

    def renderer(self, chat_id: int, thread_id: int | None = None) -> Renderer:
        return Renderer(self.bot, chat_id, thread_id, max_wait=0.0)

    async def _send(self, chat_id: str, message: Outbound) -> tuple[str, str] | None:
        envelope = message.envelope
        if envelope.edit_of is not None:
            if await self.edit_copy(message) or envelope.edit_only:
                return None
            message = replace(message, envelope=replace(envelope, edit_of=None))
        if envelope.thread_name is not None or envelope.thread is not None:
            landed = await self.to_topic(int(chat_id), message)
            return (chat_id, str(landed)) if landed is not None else None
        live = await self.renderer(int(chat_id)).send(message)
        return chat_id, str(live)

    async def edit_copy(self, message: Outbound) -> bool:
        """Edit the copy of an edited message (or the topic card); False when there is none or Telegram refuses."""
        target = await self.runtime.relayed_as(message.envelope.edit_of or "")
        if target is None:
            return False
        renderer = self.renderer(int(target[0]))
        if message.envelope.caption:
            return await renderer.edit_caption(int(target[1]), message.text)
        return await renderer.edit(int(target[1]), message)

    async def to_topic(self, chat_id: int, message: Outbound) -> int | None:
        """Write in a forum topic; a topic deleted by hand is created again, never leaving a message unsent."""
        envelope = message.envelope
        name = envelope.thread_name or "?"
        thread = envelope.thread
        if envelope.handover_id is not None:
            thread = await self.runtime.topic_of(envelope.handover_id) or thread
        for attempt in range(2):
            if thread is None and envelope.thread_name is not None:
                created = await with_retries(
                    lambda: self.bot.create_forum_topic(chat_id, name), "createForumTopic", 0.0
                )
                thread = str(created.message_thread_id)
                if envelope.handover_id is not None:
                    await self.runtime.record_topic(envelope.handover_id, thread, name)
            try:
                if thread is not None and envelope.reopen:
                    await self.reopen(chat_id, int(thread), name)
                return await self.renderer(chat_id, int(thread) if thread else None).send(message)
            except BadRequest as exc:
                gone = "thread not found" in str(exc).lower() or "topic_deleted" in str(exc).lower()
                if not gone or envelope.thread_name is None or attempt:
                    raise
                log.info("topic %s of handover %s is gone; creating it again", thread, envelope.handover_id)
                thread = None
        return None

    async def reopen(self, chat_id: int, thread: int, name: str) -> None:
        """A returning resident's topic: opened again if closed by hand, renamed if their language or
        first name changed (counsellors read the language off the name). Telegram refuses both calls
        when they change nothing, so they are made only when the recorded state says so; a topic made
        before states were kept is taken as it is."""
        known = await self.runtime.topic_state(str(thread))
        if known is None:
            await self.runtime.remember_topic(str(thread), name=name, closed=False)
            return
        if known.closed:
            await self._topic_call("reopenForumTopic", lambda: self.bot.reopen_forum_topic(chat_id, thread))
            await self.runtime.remember_topic(str(thread), closed=False)
        if known.name and known.name != name:  # "": closed by hand before the bot knew its name
            await self._topic_call("editForumTopic", lambda: self.bot.edit_forum_topic(chat_id, thread, name=name))
        if known.name != name:
            await self.runtime.remember_topic(str(thread), name=name)

    @staticmethod
    async def _topic_call(what: str, call: Callable[[], Awaitable[object]]) -> None:
        try:
            await with_retries(call, what, 0.0)
        except BadRequest as exc:  # a change made while the bot was not told: the topic is already so
            if "not_modified" not in str(exc).lower():
                raise
            log.info("%s: the topic was already so (a change the bot was not told of)", what)
