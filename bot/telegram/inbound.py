"""Turn a Telegram Update into the core's Inbound event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from telegram import Message, MessageEntity, Update

from bot.core.messages import Inbound, Kind

CHANNEL = "telegram"
MEDIA_KINDS = (
    "sticker",
    "voice",
    "audio",
    "video_note",
    "video",
    "photo",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


@dataclass(frozen=True)
class TopicChange:
    """A person closed, reopened or renamed a forum topic (Telegram's service message says so)."""

    group: str
    thread: str
    name: str | None = None
    closed: bool | None = None


def topic_change(update: Update) -> TopicChange | None:
    message = update.message
    if message is None or message.message_thread_id is None or message.chat.type != "supergroup":
        return None
    group, thread = str(message.chat.id), str(message.message_thread_id)
    if message.forum_topic_closed is not None:
        return TopicChange(group, thread, closed=True)
    if message.forum_topic_reopened is not None:
        return TopicChange(group, thread, closed=False)
    edited = message.forum_topic_edited
    if edited is not None and edited.name is not None:  # an icon changed alone: nothing the bot keeps
        return TopicChange(group, thread, name=edited.name)
    return None


def _command(message: Message) -> tuple[str, str] | None:
    """`/start payload` or `/menu@our_bot`: the command word in lower case and its arguments."""
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    word = message.parse_entity(entity)[1:].split("@", 1)[0].lower()
    return word, text[entity.length :].strip()


def from_update(update: Update) -> Inbound | None:
    """None for updates the front door does not answer (groups, channels, service messages)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None

    message = update.message or update.edited_message
    group = ""
    if message is not None and message.chat.type in ("group", "supergroup"):
        group = str(message.chat.id)  # the core listens only to the counsellors' group
    thread = str(message.message_thread_id or "") if message is not None and message.is_topic_message else ""

    def make(kind: Kind, **fields: Any) -> Inbound:
        return Inbound(
            CHANNEL,
            str(user.id),
            kind,
            language_code=user.language_code,
            first_name=user.first_name,
            group=group,
            thread_id=thread,
            message_id=str(message.message_id) if message is not None else "",
            event_id=str(update.update_id),
            **fields,
        )

    query = update.callback_query
    if query is not None:  # the pressed message: the core may keep it as the live keyboard
        pressed = str(query.message.message_id) if query.message is not None else ""
        return replace(make(Kind.BUTTON, data=query.data or ""), message_id=pressed)
    if message is None or (message.chat.type != "private" and not group):
        return None
    edited = update.edited_message is not None
    if message.text is not None:
        command = None if edited else _command(message)
        if command is not None:
            return make(Kind.COMMAND, command=command[0], args=command[1])
        return make(Kind.TEXT, text=message.text, edited=edited)
    kind = next((name for name in MEDIA_KINDS if getattr(message, name, None)), "other")
    if edited and message.caption is None:
        return None  # a moved live location and the like: nothing a person reads changed
    if group and kind == "other":
        return None  # service messages in the counsellors' group (topic created, renamed, closed)
    return make(Kind.MEDIA, media=kind, text=message.caption or "", edited=edited)
