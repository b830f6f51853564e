"""A Telegram Bot API stand-in for end-to-end tests.

The real python-telegram-bot ``Application`` runs in its own process and talks HTTP to this
server instead of api.telegram.org.  The server keeps the state a phone and Telegram would
keep (chats, messages, keyboards, topics, pending updates) and answers the way the official
Bot API does, errors included, so a bot that behaves here behaves on Telegram.

The wording of errors follows the Bot API server (tdlib/telegram-bot-api ``Client.cpp``) and
tdlib (``MessageEntity.cpp`` for HTML, ``ReplyMarkup.cpp``, ``BotCommand.cpp``,
``ForumTopicManager.cpp``); see the report in ``tests/test_standin.py`` for what was copied
from those sources and what is a guess.

Every object returned to the bot is built from python-telegram-bot's own types and
serialised with ``to_dict()`` so it follows the official schema.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberUpdated,
    Contact,
    Dice,
    Document,
    File,
    ForumTopic,
    ForumTopicClosed,
    ForumTopicCreated,
    ForumTopicEdited,
    ForumTopicReopened,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    Location,
    MenuButton,
    Message,
    MessageEntity,
    PhotoSize,
    Poll,
    PollOption,
    Sticker,
    Update,
    User,
    Venue,
    Voice,
    WebhookInfo,
)

__all__ = ["ApiError", "CallRecord", "Entry", "StandIn", "parse_html"]

# --------------------------------------------------------------------------------------
# Constants copied from the Bot API documentation / server source
# --------------------------------------------------------------------------------------

#: Service messages a forum topic's changes leave in it: no text, cannot be copied or edited.
TOPIC_SERVICE_KINDS = frozenset(
    {"forum_topic_created", "forum_topic_closed", "forum_topic_reopened", "forum_topic_edited"}
)

#: Methods that post a message into a chat, counted by the group flood limit.
SENDING_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVenue", "sendLocation", "copyMessage"}
)
#: Bot API FAQ: "your bot will not be able to send more than 20 messages per minute to the same group".
GROUP_MESSAGES_PER_MINUTE = 20

#: Update types a bot receives when allowed_updates is empty or was never given
#: (docs: "all update types except chat_member, message_reaction, and message_reaction_count").
ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}

#: sendChatAction values accepted by the Bot API server (Client::get_chat_action).
CHAT_ACTIONS = frozenset(
    {
        "cancel",
        "typing",
        "record_video",
        "upload_video",
        "record_audio",
        "record_voice",
        "upload_audio",
        "upload_voice",
        "upload_photo",
        "upload_document",
        "choose_sticker",
        "pick_up_location",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

#: createForumTopic icon_color values listed in the documentation.
TOPIC_ICON_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)

#: Tags tdlib's parse_html accepts.
HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

MAX_MESSAGE_LENGTH = 4096  # option message_text_length_max, counted in code points
MAX_CAPTION_LENGTH = 1024  # option message_caption_length_max
MAX_RAW_TEXT_BYTES = 1 << 15  # Bot API rejects text above 32 KiB before parsing
LONG_POLL_MAX_TIMEOUT = 50
GENERAL_TOPIC_ID = 1

DEFAULT_ERROR_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)

# Parameters decoded for calls(): JSON-typed ones, integers and booleans.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "allowed_updates",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "message_ids",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "icon_color",
        "max_connections",
        "reply_to_message_id",
        "cache_time",
        "from_chat_id",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "allow_paid_broadcast",
    }
)


def _now() -> dt.datetime:
    """Telegram dates have one-second resolution."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _utf16_len(text: str) -> int:
    """Entity offsets and lengths are counted in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and, for 429, retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _bad(description: str) -> ApiError:
    """Most errors are 400 with the "Bad Request: " prefix the server adds."""
    return ApiError(400, "Bad Request: " + description)


def _tdlib_error(message: str) -> ApiError:
    """Mirror Client::fail_query_with_error: a tdlib message gets its first letter lowered."""
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return _bad(message)
    return _bad(message[:1].lower() + message[1:])


# --------------------------------------------------------------------------------------
# HTML parse mode: a port of tdlib's parse_html (td/telegram/MessageEntity.cpp)
# --------------------------------------------------------------------------------------


class _HtmlError(Exception):
    """parse_html failure; the Bot API reports it as "can't parse entities: <message>"."""


def _is_space(c: int) -> bool:
    # tdlib's is_space counts NUL (the end of the C string) as a space.
    return c in (0x20, 0x09, 0x0D, 0x0A, 0x00, 0x0B, 0x0C)


def _is_alnum(c: int) -> bool:
    return 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _decode_html_entity(src: bytes, pos: int) -> tuple[int, int]:
    """Decode ``&...`` at pos; return (code point or 0, position after the entity)."""

    def ch(k: int) -> int:
        return src[k] if k < len(src) else 0

    end = pos + 1
    res = 0
    if ch(pos + 1) == 0x23:  # '#'
        end += 1
        if ch(pos + 2) == 0x78:  # 'x'
            end += 1
            while chr(ch(end)) in "0123456789abcdefABCDEF" and ch(end):
                res = res * 16 + int(chr(ch(end)), 16)
                end += 1
        else:
            while 0x30 <= ch(end) <= 0x39:
                res = res * 10 + ch(end) - 0x30
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while 0x41 <= ch(end) <= 0x5A or 0x61 <= ch(end) <= 0x7A:
            end += 1
        name = src[pos + 1 : end]
        res = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(name, 0)
        if not res:
            return 0, pos
    if ch(end) == 0x3B:  # ';'
        end += 1
    return res, end


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Bot API HTML exactly like tdlib; return (plain text, entity dicts).

    Byte offsets in error messages are offsets into the UTF-8 encoded text, as on Telegram.
    A bare "&" that does not start a known entity is kept as a literal character (tdlib does so).
    """
    src = text.encode("utf-8")
    n = len(src)

    def ch(k: int) -> int:
        return src[k] if k < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[dict[str, Any]] = []
    # (tag name, argument, utf16 offset, byte position in out)
    stack: list[tuple[str, str, int, int]] = []
    i = 0
    while i < n:
        c = src[i]
        if c == 0x26:  # '&'
            code, end = _decode_html_entity(src, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                out += chr(code).encode("utf-8", "surrogatepass")
                i = end
                continue
        if c != 0x3C:  # not '<'
            if (c & 0xC0) != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if ch(i) != 0x2F:  # start tag
            while not _is_space(ch(i)) and ch(i) != 0x3E:
                i += 1
            if ch(i) == 0:
                raise _HtmlError(f"Unclosed start tag at byte offset {begin}")
            tag = src[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in HTML_TAGS:
                raise _HtmlError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while ch(i) != 0x3E:
                while ch(i) != 0 and _is_space(ch(i)):
                    i += 1
                if ch(i) == 0x3E:
                    break
                attr_begin = i
                while not _is_space(ch(i)) and ch(i) not in (0x3D, 0x3E, 0x2F, 0x22, 0x27):
                    i += 1
                attr = src[attr_begin:i].decode("utf-8", "replace")
                if not attr:
                    raise _HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while ch(i) != 0 and _is_space(ch(i)):
                    i += 1
                if ch(i) != 0x3D:  # attribute without a value
                    if ch(i) == 0:
                        raise _HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr == "expandable":
                        argument = "1"
                    continue
                i += 1
                while ch(i) != 0 and _is_space(ch(i)):
                    i += 1
                if ch(i) == 0:
                    raise _HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if ch(i) not in (0x22, 0x27):
                    token_begin = i
                    while _is_alnum(ch(i)) or ch(i) in (0x2E, 0x2D):
                        i += 1
                    value = src[token_begin:i].decode("ascii").lower()
                    if not _is_space(ch(i)) and ch(i) != 0x3E:
                        raise _HtmlError(f"Unexpected end of name token at byte offset {token_begin}")
                else:
                    quote = ch(i)
                    i += 1
                    buf = bytearray()
                    while ch(i) != quote and ch(i) != 0:
                        if ch(i) == 0x26:
                            code, end = _decode_html_entity(src, i)
                            if code:
                                buf += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        buf.append(ch(i))
                        i += 1
                    if ch(i) == quote:
                        i += 1
                    value = bytes(buf).decode("utf-8", "replace")
                if ch(i) == 0:
                    raise _HtmlError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise _HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append((tag, argument, utf16, len(out)))
            i += 1  # skip '>'
            continue

        # end tag
        if not stack:
            raise _HtmlError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(ch(i)) and ch(i) != 0x3E:
            i += 1
        end_tag = src[begin + 2 : i].decode("utf-8", "replace").lower()
        while _is_space(ch(i)) and ch(i) != 0:
            i += 1
        if ch(i) != 0x3E:
            raise _HtmlError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_pos = stack[-1]
        if end_tag and end_tag != tag:
            raise _HtmlError(f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"')
        if utf16 > offset:
            length = utf16 - offset
            entity: dict[str, Any] | None = None
            if tag in ("i", "em"):
                entity = {"type": "italic"}
            elif tag in ("b", "strong"):
                entity = {"type": "bold"}
            elif tag in ("s", "strike", "del"):
                entity = {"type": "strikethrough"}
            elif tag in ("u", "ins"):
                entity = {"type": "underline"}
            elif tag in ("tg-spoiler", "span"):
                entity = {"type": "spoiler"}
            elif tag == "tg-emoji":
                if not argument.isdigit() or int(argument) == 0:
                    raise _HtmlError("Invalid custom emoji identifier specified")
                entity = {"type": "custom_emoji", "custom_emoji_id": argument}
            elif tag == "a":
                url = argument or bytes(out[out_pos:]).decode("utf-8", "replace")
                user_match = re.fullmatch(r"tg://user\?id=(\d+)", url, re.IGNORECASE)
                if user_match:
                    entity = {"type": "text_mention", "user_id": int(user_match.group(1))}
                elif _check_link(url) is None:
                    entity = {"type": "text_link", "url": url}
            elif tag == "pre":
                last = entities[-1] if entities else None
                if (
                    last is not None
                    and last["type"] == "code"
                    and (last["offset"], last["length"]) == (offset, length)
                    and last.get("language")
                ):
                    last["type"] = "pre"
                else:
                    entity = {"type": "pre"}
            elif tag == "code":
                last = entities[-1] if entities else None
                if (
                    last is not None
                    and last["type"] == "pre"
                    and (last["offset"], last["length"]) == (offset, length)
                    and argument
                ):
                    last["language"] = argument
                else:
                    entity = {"type": "code", "language": argument}
            elif tag == "blockquote":
                entity = {"type": "expandable_blockquote" if argument else "blockquote"}
            if entity is not None:
                entity.update(offset=offset, length=length)
                entities.append(entity)
        stack.pop()
        i += 1
    if stack:
        raise _HtmlError(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    try:
        plain = bytes(out).decode("utf-8")
    except UnicodeDecodeError:
        raise _HtmlError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        ) from None
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, entities


def _check_link(url: str) -> str | None:
    """Approximate tdlib's LinkManager::check_link; return the failure reason or None."""
    rest = url
    if rest.lower().startswith("tg:"):
        rest = rest[3:]
        if rest.startswith("//"):
            rest = rest[2:]
        if not re.match(r"[A-Za-z0-9_\-]+", rest):
            return "Wrong URL host"
        return None
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*)://", rest)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            return "Unsupported URL protocol"
        rest = rest[scheme.end() :]
    hostport = re.split(r"[/?#]", rest, maxsplit=1)[0]
    hostport = hostport.rsplit("@", 1)[-1]
    host, _, port = hostport.partition(":")
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        return "Wrong port number specified in the URL"
    if not host:
        return "URL host is empty"
    if not re.fullmatch(r"[A-Za-z0-9._~\-\u0080-\U0010ffff]+", host):
        return "Wrong URL host"
    if "." not in host:
        return "Wrong HTTP URL"
    return None


def _fix_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """tdlib's fix_formatted_text trimming: strip ' ' and '\\n' at the ends, clip entities."""
    end = len(text)
    while end > 0 and text[end - 1] in " \n":
        end -= 1
    if end == 0:
        raise _tdlib_error("Text must be non-empty")
    text = text[:end]
    limit = _utf16_len(text)
    fixed: list[dict[str, Any]] = []
    for entity in entities:
        if entity["offset"] >= limit:
            continue
        entity = dict(entity)
        entity["length"] = min(entity["length"], limit - entity["offset"])
        if entity["length"] > 0:
            fixed.append(entity)
    first_entity = fixed[0]["offset"] if fixed else len(text)
    start = 0
    while start < first_entity and start < len(text) and text[start] in " \n":
        start += 1
    if start:
        text = text[start:]
        for entity in fixed:
            entity["offset"] -= start
    return text, fixed


def _find_bot_commands(text: str) -> list[dict[str, Any]]:
    """bot_command entities the way tdlib's match_bot_commands finds them in typed text."""
    found = []
    pos = 0
    while True:
        slash = text.find("/", pos)
        if slash < 0:
            break
        pos = slash + 1
        if slash > 0:
            prev = text[slash - 1]
            if prev.isalnum() or prev in "_/<>":
                continue
        j = slash + 1
        while j < len(text) and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
            j += 1
        if not 1 <= j - slash - 1 <= 64:
            continue
        end = j
        if j < len(text) and text[j] == "@":
            k = j + 1
            while k < len(text) and text[k].isascii() and (text[k].isalnum() or text[k] == "_"):
                k += 1
            if not 3 <= k - j - 1 <= 32:
                continue
            end = k
        if end < len(text) and (text[end].isalnum() or text[end] in "_/<>"):
            continue
        found.append(
            {
                "type": "bot_command",
                "offset": _utf16_len(text[:slash]),
                "length": _utf16_len(text[slash:end]),
            }
        )
    return found


# --------------------------------------------------------------------------------------
# Records exposed to tests
# --------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One message of a transcript as a person would see it now (a snapshot)."""

    message_id: int
    chat_id: int
    from_bot: bool
    kind: str
    text: str = ""
    html: str | None = None
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    message_thread_id: int | None = None
    edits: int = 0
    deleted: bool = False
    document: dict[str, Any] | None = None
    venue: dict[str, Any] | None = None
    location: dict[str, float] | None = None
    parse_mode: str | None = None
    sender_id: int | None = None
    keyboard: list[list[str]] | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_to: int | None = None

    @property
    def labels(self) -> list[str]:
        """Button labels in reading order."""
        return [label for row in self.buttons for label, _ in row]


@dataclass
class CallRecord:
    """One Bot API request as received, with how it was answered."""

    seq: int
    method: str
    params: dict[str, Any]
    chat_id: int | None
    started: float
    finished: float | None = None
    status: int | None = None
    description: str | None = None

    def short(self) -> str:
        """One line for failure dumps."""
        shown = {k: v for k, v in self.params.items() if k != "document"}
        outcome = "pending" if self.status is None else str(self.status)
        if self.description:
            outcome += f" {self.description}"
        return f"#{self.seq} {self.method} {json.dumps(shown, ensure_ascii=False, default=str)[:300]} -> {outcome}"


# --------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------


@dataclass
class _Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class _Msg:
    """A message as stored by the stand-in (the single source for Entry and Message)."""

    message_id: int
    chat_id: int
    sender_id: int
    from_bot: bool
    date: dt.datetime
    kind: str
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None
    parse_mode: str | None = None
    markup: dict[str, Any] | None = None
    keyboard: list[list[str]] | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    media: dict[str, Any] = field(default_factory=dict)
    edits: int = 0
    edit_date: dt.datetime | None = None
    deleted: bool = False


@dataclass
class _Topic:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False


@dataclass
class _Chat:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    user_id: int | None = None
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)
    topics: dict[int, _Topic] = field(default_factory=dict)
    messages: dict[int, _Msg] = field(default_factory=dict)
    next_message_id: int = 1
    menu_button: dict[str, Any] | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None


class _Params:
    """Request parameters: strings from forms, native values from JSON, uploads from multipart."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def get_str(self, name: str, default: str = "") -> str:
        value = self.raw.get(name)
        if value is None or isinstance(value, _Upload):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)

    def get_int(self, name: str, default: int = 0) -> int:
        value = self.get_str(name).strip()
        if not value:
            return default
        try:
            return int(value)
        except ValueError:
            try:
                return int(float(value))
            except ValueError:
                return 0

    def get_float(self, name: str) -> float | None:
        value = self.get_str(name).strip()
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            return 0.0

    def get_bool(self, name: str) -> bool:
        return self.get_str(name).strip().lower() in ("true", "1")

    def get_json(self, name: str, error: str) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(error) from None
        return value

    def get_file(self, name: str) -> _Upload | str | None:
        value = self.raw.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self.raw.get(value[len("attach://") :])
        if value in (None, ""):
            return None
        if isinstance(value, _Upload):
            return value
        return self.get_str(name)

    def decoded(self) -> dict[str, Any]:
        """A readable copy for calls(): JSON fields decoded, ints and bools converted."""
        result: dict[str, Any] = {}
        for key, value in self.raw.items():
            if isinstance(value, _Upload):
                result[key] = {
                    "file_name": value.filename,
                    "mime_type": value.content_type,
                    "data": value.data,
                }
                continue
            if isinstance(value, str):
                if key in _JSON_PARAMS:
                    with contextlib.suppress(ValueError):
                        value = json.loads(value)
                elif key in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
                    value = int(value)
                elif key in _BOOL_PARAMS and value.lower() in ("true", "false"):
                    value = value.lower() == "true"
            result[key] = value
        return result


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Split multipart/form-data byte-exactly (file bytes must survive untouched)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return {}
    delimiter = b"--" + match.group(1).encode("latin-1")
    result: dict[str, Any] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        if part.startswith(b"\r\n"):
            part = part[2:]
        if part.endswith(b"\r\n"):
            part = part[:-2]
        head, _, data = part.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header, _, value = line.partition(":")
            headers[header.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        params = dict(
            (k.lower(), v.replace("%22", '"').replace("\\\\", "\\"))
            for k, v in re.findall(r';\s*([\w*]+)="((?:[^"\\]|\\.)*)"', disposition)
        )
        name = params.get("name")
        if name is None:
            continue
        if "filename" in params:
            result[name] = _Upload(
                filename=params["filename"],
                content_type=headers.get("content-type", "application/octet-stream"),
                data=data,
            )
        else:
            result[name] = data.decode("utf-8", "replace")
    return result


# --------------------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------------------


class StandIn:
    """A Bot API server on 127.0.0.1 with the state of a few people, groups and topics."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "tremplin_test_bot",
        bot_id: int = 123456,
        bot_first_name: str = "Tremplin",
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_first_name = bot_first_name
        self.base_url = ""
        self.base_file_url = ""
        self.api_root = ""
        self.port = 0

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._version = 0
        self._closed = False
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

        self._users: dict[int, User] = {}
        self._blocked: set[int] = set()
        self._chats: dict[int, _Chat] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._next_file = 1

        self._updates: list[tuple[int, dict[str, Any]]] = []
        self._next_update_id = 100_000_001
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0

        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_max_connections = 40
        self._webhook_ip = ""
        self._webhook_last_error: tuple[int, str] | None = None
        self._webhook_backoff = 0.0
        self._webhook_next_try = 0.0
        self._next_set_webhook = 0.0

        self._calls: list[CallRecord] = []
        self._broadcast_limits: tuple[int, float] | None = None  # see limit_broadcasts
        self._recent_sends: deque[float] = deque()
        self._chat_sent_at: dict[int, float] = {}
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._next_callback = 1
        self._commands: dict[tuple[str, int | None, int | None, str], list[dict[str, str]]] = {}
        self._texts: dict[tuple[str, str], str] = {}
        self._default_menu_button: dict[str, Any] = {"type": "commands"}
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._descriptions: dict[int, str] = {}  # per answering thread, e.g. "Webhook was set"

        self._methods: dict[str, tuple[str, Callable[[_Params], Any]]] = {}
        for name, handler in (
            ("getMe", self._m_get_me),
            ("logOut", self._m_true),
            ("close", self._m_true),
            ("getUpdates", self._m_get_updates),
            ("setWebhook", self._m_set_webhook),
            ("deleteWebhook", self._m_delete_webhook),
            ("getWebhookInfo", self._m_get_webhook_info),
            ("sendMessage", self._m_send_message),
            ("editMessageText", self._m_edit_message_text),
            ("editMessageCaption", self._m_edit_message_caption),
            ("editMessageReplyMarkup", self._m_edit_message_reply_markup),
            ("deleteMessage", self._m_delete_message),
            ("deleteMessages", self._m_delete_messages),
            ("answerCallbackQuery", self._m_answer_callback_query),
            ("sendChatAction", self._m_send_chat_action),
            ("setMyCommands", self._m_set_my_commands),
            ("getMyCommands", self._m_get_my_commands),
            ("deleteMyCommands", self._m_delete_my_commands),
            ("setChatMenuButton", self._m_set_chat_menu_button),
            ("getChatMenuButton", self._m_get_chat_menu_button),
            ("setMyDescription", self._text_setter("description", 512)),
            ("getMyDescription", self._text_getter("description")),
            ("setMyShortDescription", self._text_setter("short_description", 120)),
            ("getMyShortDescription", self._text_getter("short_description")),
            ("setMyName", self._text_setter("name", 64)),
            ("getMyName", self._text_getter("name")),
            ("sendDocument", self._m_send_document),
            ("sendPhoto", self._m_send_photo),
            ("copyMessage", self._m_copy_message),
            ("sendVenue", self._m_send_venue),
            ("sendLocation", self._m_send_location),
            ("getChat", self._m_get_chat),
            ("getChatMember", self._m_get_chat_member),
            ("leaveChat", self._m_leave_chat),
            ("getFile", self._m_get_file),
            ("createForumTopic", self._m_create_forum_topic),
            ("editForumTopic", self._m_edit_forum_topic),
            ("closeForumTopic", self._topic_toggle(closed=True)),
            ("reopenForumTopic", self._topic_toggle(closed=False)),
            ("deleteForumTopic", self._m_delete_forum_topic),
        ):
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Bind a free loopback port and serve in daemon threads (HTTP + webhook delivery)."""
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.api_root = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.api_root}/bot"
        self.base_file_url = f"{self.api_root}/file/bot"
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)  # quick stop()
        for target, name in ((serve, "standin-http"), (self._deliver_webhooks, "standin-webhook")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving; waiting long polls are released first so the shutdown is quick."""
        with self._cond:
            self._closed = True
            self._changed()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> StandIn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ people and chats

    @property
    def bot_user(self) -> User:
        """The bot as getMe describes it."""
        return User(
            id=self.bot_id,
            first_name=self.bot_first_name,
            is_bot=True,
            username=self.bot_username,
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )

    def add_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> None:
        """Register a person. Their private chat opens when they first write (like /start)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        with self._cond:
            self._users[user_id] = User(
                id=user_id,
                first_name=first_name,
                is_bot=False,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
            self._changed()

    def block(self, user_id: int) -> None:
        """The person blocks the bot: sends to them fail with 403; the bot gets my_chat_member."""
        with self._cond:
            self._require_user(user_id)
            if user_id in self._blocked:
                return
            self._blocked.add(user_id)
            if user_id in self._chats:
                self._queue_my_chat_member(user_id, blocked=True)
            self._changed()

    def unblock(self, user_id: int) -> None:
        """The person presses Restart: the bot gets my_chat_member back to member."""
        with self._cond:
            if user_id not in self._blocked:
                return
            self._blocked.discard(user_id)
            if user_id in self._chats:
                self._queue_my_chat_member(user_id, blocked=False)
            self._changed()

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        is_forum: bool = False,
        members: dict[int, str] | None = None,
    ) -> None:
        """Create a group (a supergroup when the id starts with -100 or it is a forum).

        ``members`` maps user ids to statuses; the bot itself is an administrator unless
        ``members`` says otherwise for ``bot_id``.
        """
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        statuses = {"creator", "administrator", "member", "left", "kicked"}
        with self._cond:
            chat_members = {self.bot_id: "administrator"}
            for user_id, status in (members or {}).items():
                if status not in statuses:
                    raise ValueError(f"unknown member status {status!r}")
                if user_id != self.bot_id:
                    self._require_user(user_id)
                chat_members[user_id] = status
            supergroup = is_forum or chat_id <= -1_000_000_000_000
            self._chats[chat_id] = _Chat(
                id=chat_id,
                type="supergroup" if supergroup else "group",
                title=title,
                is_forum=is_forum,
                members=chat_members,
                next_message_id=2,  # message 1 created the group (and is the General topic)
            )
            self._changed()

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Change someone's status in a group (joins, leaves, bans)."""
        with self._cond:
            self._chats[chat_id].members[user_id] = status
            self._changed()

    def add_topic(self, chat_id: int, name: str, icon_color: int = TOPIC_ICON_COLORS[0]) -> int:
        """A person creates a forum topic by hand; returns its message_thread_id."""
        with self._cond:
            chat = self._chats[chat_id]
            if not chat.is_forum:
                raise ValueError("the chat is not a forum")
            creator = next((uid for uid, s in chat.members.items() if s == "creator"), self.bot_id)
            return self._create_topic(chat, name, icon_color, None, creator).thread_id

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """A counsellor deletes a topic by hand: it and its messages disappear."""
        with self._cond:
            topic = self._chats[chat_id].topics[thread_id]
            self._delete_topic(self._chats[chat_id], topic)
            self._changed()

    def close_topic(self, chat_id: int, thread_id: int, by: int) -> None:
        """A counsellor closes a topic by hand (it stays, read-only for members); the bot is told by a
        `forum_topic_closed` service message, as Telegram tells every member of the group."""
        self._topic_by_hand(chat_id, thread_id, by, "forum_topic_closed")

    def reopen_topic(self, chat_id: int, thread_id: int, by: int) -> None:
        """A counsellor opens a closed topic again by hand (`forum_topic_reopened`)."""
        self._topic_by_hand(chat_id, thread_id, by, "forum_topic_reopened")

    def rename_topic(self, chat_id: int, thread_id: int, name: str, by: int) -> None:
        """A counsellor renames a topic by hand (`forum_topic_edited`)."""
        self._topic_by_hand(chat_id, thread_id, by, "forum_topic_edited", name)

    def _topic_by_hand(self, chat_id: int, thread_id: int, by: int, kind: str, name: str = "") -> None:
        with self._cond:
            chat = self._chats[chat_id]
            topic = chat.topics[thread_id]
            if chat.members.get(by) not in ("creator", "administrator", "member") or topic.deleted:
                raise ValueError(f"user {by} cannot manage topic {thread_id} of chat {chat_id}")
            unchanged = {
                "forum_topic_closed": topic.closed,
                "forum_topic_reopened": not topic.closed,
                "forum_topic_edited": name == topic.name,
            }[kind]
            if unchanged:  # a Telegram client offers no such action: the topic is already so
                raise ValueError(f"topic {thread_id} is already {kind.removeprefix('forum_topic_')}")
            if kind == "forum_topic_edited":
                topic.name = name
            else:
                topic.closed = kind == "forum_topic_closed"
            self._topic_service(chat, topic, by, kind)
            self._changed()

    def _topic_service(self, chat: _Chat, topic: _Topic, actor: int, kind: str) -> None:
        """The service message a topic's change leaves in it. Bots receive service messages (privacy
        mode included), but never those of their own actions."""
        msg = _Msg(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            sender_id=actor,
            from_bot=actor == self.bot_id,
            date=_now(),
            kind=kind,
            thread_id=topic.thread_id,
            media={"name": topic.name} if kind == "forum_topic_edited" else {},
        )
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        if actor != self.bot_id:
            self._queue_update("message", self._build_message(msg))

    def topics(self, chat_id: int) -> dict[int, dict[str, Any]]:
        """Forum topics by thread id with name, icon_color, closed and deleted."""
        with self._cond:
            return {
                t.thread_id: {
                    "name": t.name,
                    "icon_color": t.icon_color,
                    "closed": t.closed,
                    "deleted": t.deleted,
                }
                for t in self._chats[chat_id].topics.values()
            }

    # ------------------------------------------------------------------ incoming updates

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> int:
        """The person sends a text; commands get bot_command entities like Telegram adds."""
        if not text:
            raise ValueError("Telegram clients do not send empty texts")
        return self._push(user_id, chat_id, message_thread_id, "text", text=text, entities=_find_bot_commands(text))

    def push_sticker(self, user_id: int, *, chat_id: int | None = None, message_thread_id: int | None = None) -> int:
        """The person sends a sticker."""
        file_id, unique = self._new_file("sticker.webp", "image/webp", b"RIFF")
        return self._push(
            user_id, chat_id, message_thread_id, "sticker", media={"file_id": file_id, "file_unique_id": unique}
        )

    def push_photo(
        self,
        user_id: int,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> int:
        """The person sends a photo, optionally with a caption."""
        file_id, unique = self._new_file("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xd9")
        return self._push(
            user_id,
            chat_id,
            message_thread_id,
            "photo",
            text=caption or "",
            entities=_find_bot_commands(caption or ""),
            media={"file_id": file_id, "file_unique_id": unique},
        )

    def push_voice(self, user_id: int, *, chat_id: int | None = None, message_thread_id: int | None = None) -> int:
        """The person sends a voice note."""
        file_id, unique = self._new_file("voice.ogg", "audio/ogg", b"OggS")
        return self._push(
            user_id, chat_id, message_thread_id, "voice", media={"file_id": file_id, "file_unique_id": unique}
        )

    def push_document(
        self,
        user_id: int,
        file_name: str,
        data: bytes = b"x",
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> int:
        """The person sends a file; the bot can fetch the bytes with getFile."""
        file_id, unique = self._new_file(file_name, mime_type, data)
        return self._push(
            user_id,
            chat_id,
            message_thread_id,
            "document",
            text=caption or "",
            media={
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": file_name,
                "mime_type": mime_type,
                "data": data,
            },
        )

    def push_unreadable(self, user_id: int, text: str) -> int:
        """An update python-telegram-bot cannot read (a date that is not a number), as a field of a newer
        Bot API or a bug could make one; returns its update id."""
        with self._cond:
            self._require_user(user_id)
            update_id = self._next_update_id
            self._next_update_id += 1
            chat = {"id": user_id, "type": "private", "first_name": self._users[user_id].first_name}
            message = {"message_id": 10_000 + update_id, "date": "yesterday", "chat": chat, "text": text}
            self._updates.append((update_id, {"update_id": update_id, "message": message}))
            self._changed()
            return update_id

    def push_location(self, user_id: int, latitude: float = 45.78, longitude: float = 3.08) -> int:
        """The person shares a location (the paperclip's "Location")."""
        return self._push(user_id, None, None, "location", media={"latitude": latitude, "longitude": longitude})

    def push_contact(self, user_id: int, phone_number: str = "+33612345678", first_name: str = "Samir") -> int:
        """The person shares a contact card."""
        return self._push(user_id, None, None, "contact", media={"phone": phone_number, "first_name": first_name})

    def push_poll(self, user_id: int, question: str = "Vous venez ?", options: tuple[str, ...] = ("Oui", "Non")) -> int:
        """The person sends a poll."""
        return self._push(user_id, None, None, "poll", media={"question": question, "options": list(options)})

    def push_dice(self, user_id: int, emoji: str = "🎲") -> int:
        """The person throws a dice (or another animated emoji game)."""
        return self._push(user_id, None, None, "dice", media={"emoji": emoji, "value": 4})

    def push_edit(self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None) -> None:
        """The person edits one of their messages: a text, or the caption of a photo, file or voice note."""
        with self._cond:
            chat = self._chats[chat_id if chat_id is not None else user_id]
            msg = chat.messages[message_id]
            editable = msg.kind in ("text", "photo", "document", "voice", "video", "audio", "animation")
            if msg.sender_id != user_id or not editable or msg.deleted:
                raise ValueError("people can only edit their own, existing texts and captions")
            msg.text = new_text
            msg.entities = _find_bot_commands(new_text)
            msg.edits += 1
            msg.edit_date = _now()
            self._queue_update("edited_message", self._build_message(msg))
            self._changed()

    def push_callback(self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None) -> str:
        """The person presses an inline button; returns the callback query id.

        The data is delivered as given (also for stale or forged presses); a deleted message
        arrives as an InaccessibleMessage.
        """
        with self._cond:
            user = self._require_user(user_id)
            chat = self._chats.get(chat_id if chat_id is not None else user_id)
            if chat is None or message_id not in chat.messages:
                raise ValueError(f"no message {message_id} in chat {chat_id or user_id}")
            if chat.type == "private":
                self._open_private_chat(user_id)
            msg = chat.messages[message_id]
            query_id = str(4_000_000_000_000_000 + self._next_callback)
            self._next_callback += 1
            self._callbacks[query_id] = {"chat_id": chat.id, "message_id": message_id, "answer": None}
            message: Message | InaccessibleMessage
            if msg.deleted:
                message = InaccessibleMessage(chat=self._build_chat(chat), message_id=message_id)
            else:
                message = self._build_message(msg)
            query = CallbackQuery(
                id=query_id,
                from_user=user,
                chat_instance=str(7_000_000_000_000 + abs(chat.id)),
                message=message,
                data=data,
            )
            self._queue_update("callback_query", query)
            self._changed()
            return query_id

    # ------------------------------------------------------------------ inspection

    def transcript(self, chat_id: int) -> list[Entry]:
        """Messages of a chat in order (both sides), as they look now."""
        with self._cond:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [self._entry(msg) for msg in chat.messages.values()]

    def calls(self, method: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Every Bot API call received, in order, with decoded parameters."""
        with self._cond:
            return [(r.method, r.params) for r in self._calls if method is None or r.method.lower() == method.lower()]

    def records(self, since: int = 0) -> list[CallRecord]:
        """Call records (with outcome and timing) from index ``since`` on."""
        with self._cond:
            return list(self._calls[since:])

    def call_count(self) -> int:
        """Number of calls received so far (a mark for records())."""
        with self._cond:
            return len(self._calls)

    def callback_answers(self) -> dict[str, dict[str, Any] | None]:
        """Callback query id -> answerCallbackQuery parameters, None while unanswered."""
        with self._cond:
            return {qid: info["answer"] for qid, info in self._callbacks.items()}

    def commands(
        self,
        language_code: str = "",
        scope_type: str = "default",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, str]]:
        """What setMyCommands stored for exactly this scope and language."""
        with self._cond:
            return [dict(c) for c in self._commands.get((scope_type, chat_id, user_id, language_code), [])]

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        """The menu button set for a private chat, or the default one."""
        with self._cond:
            chat = self._chats.get(chat_id) if chat_id is not None else None
            if chat is not None and chat.menu_button is not None:
                return dict(chat.menu_button)
            return dict(self._default_menu_button)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates (or not yet delivered to the webhook)."""
        with self._cond:
            return [dict(u) for _, u in self._updates]

    def dump_calls(self, last: int = 25) -> str:
        """The latest calls, one per line, for assertion messages."""
        with self._cond:
            return "\n".join(r.short() for r in self._calls[-last:]) or "(no calls)"

    # ------------------------------------------------------------------ faults and waiting

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error, in Telegram's wording."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                try:
                    description = DEFAULT_ERROR_TEXT.get(status) or HTTPStatus(status).phrase
                except ValueError:
                    description = "Unknown error"
        with self._cond:
            queue = self._faults.setdefault(method.lower(), deque())
            for _ in range(times):
                queue.append(_Fault(status, description, retry_after if status == 429 else None))

    def set_delay(self, method: str, seconds: float) -> None:
        """Answer ``method`` only after ``seconds`` (0 removes the delay)."""
        with self._cond:
            if seconds > 0:
                self._delays[method.lower()] = seconds
            else:
                self._delays.pop(method.lower(), None)

    @property
    def version(self) -> int:
        """Grows on every state change (calls, pushes, deliveries)."""
        with self._cond:
            return self._version

    def wait_version(self, after: int, timeout: float) -> int:
        """Block until the state changes past ``after`` or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._version <= after:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self._version

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait for a condition on the stand-in; wakes on every change."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"condition not met within {timeout}s; recent Bot API calls:\n{self.dump_calls()}"
                    )
                self._cond.wait(remaining)

    # ------------------------------------------------------------------ HTTP entry point

    def handle(self, method_name: str, token: str, raw: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request; returns (HTTP status, JSON body)."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        params = _Params(raw)
        known = self._methods.get(method_name.lower())
        method = known[0] if known else method_name
        with self._cond:
            record = CallRecord(
                seq=len(self._calls),
                method=method,
                params=params.decoded(),
                chat_id=self._call_chat(method, params),
                started=time.monotonic(),
            )
            self._calls.append(record)
            self._changed()
            delay = self._delays.get(method.lower(), 0.0)
        if delay:
            time.sleep(delay)
        try:
            with self._cond:
                faults = self._faults.get(method.lower())
                if faults:
                    fault = faults.popleft()
                    raise ApiError(fault.status, fault.description, fault.retry_after)
                if known is None:
                    raise ApiError(404, "Not Found")
                self._flood_control(record)
                self._broadcast_control(record)
                self._descriptions.pop(threading.get_ident(), None)
                try:
                    result = known[1](params)
                except ApiError:
                    raise
                except Exception as exc:  # a stand-in bug must fail loudly, not hang the bot
                    traceback.print_exc()
                    raise ApiError(500, f"Internal Server Error: stand-in failure {exc!r}") from exc
            body: dict[str, Any] = {"ok": True, "result": result}
            description = self._descriptions.pop(threading.get_ident(), None)
            if description:
                body["description"] = description
            status = 200
        except ApiError as error:
            status = error.status
            body = {"ok": False, "error_code": error.status, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
        with self._cond:
            record.finished = time.monotonic()
            record.status = status
            record.description = body.get("description") if status != 200 else None
            self._changed()
        return status, body

    def limit_broadcasts(self, per_second: int = 30, per_chat_gap: float = 1.0) -> None:
        """Also enforce the Bot API FAQ's broadcast limits: "no more than about 30 messages per second"
        overall and "avoid sending more than one message per second" into one chat. A message beyond
        them gets 429 with retry_after, the seconds until it would have been allowed (at least 1)."""
        with self._cond:
            self._broadcast_limits = (per_second, per_chat_gap)

    def _broadcast_control(self, record: CallRecord) -> None:
        if self._broadcast_limits is None or record.method not in SENDING_METHODS or record.chat_id is None:
            return
        per_second, gap = self._broadcast_limits
        now = record.started
        while self._recent_sends and self._recent_sends[0] <= now - 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= per_second:
            wait = max(1, int(self._recent_sends[0] + 1.0 - now + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        last = self._chat_sent_at.get(record.chat_id)
        if last is not None and now - last < gap:
            wait = max(1, int(last + gap - now + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self._recent_sends.append(now)
        self._chat_sent_at[record.chat_id] = now

    def _flood_control(self, record: CallRecord) -> None:
        """Telegram's documented group limit: "no more than 20 messages per minute to the same group".

        A 21st message within a minute gets 429 with the seconds until the oldest leaves the window
        (the Bot API FAQ, "My bot is hitting limits, how do I avoid this?"). Private chats are not
        limited here: Telegram tolerates short bursts there and documents no exact number.
        """
        if record.method not in SENDING_METHODS or record.chat_id is None or record.chat_id >= 0:
            return
        window = record.started - 60.0
        recent = [
            r.started
            for r in self._calls
            if r is not record
            and r.method in SENDING_METHODS
            and r.chat_id == record.chat_id
            and r.status == 200
            and r.started > window
        ]
        if len(recent) >= GROUP_MESSAGES_PER_MINUTE:
            wait = max(1, int(min(recent) - window + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def file_content(self, token: str, path: str) -> bytes | None:
        """Bytes served at /file/bot<token>/<file_path> for downloads after getFile."""
        if token != self.token:
            return None
        with self._cond:
            for info in self._files.values():
                if info["file_path"] == path:
                    return bytes(info["data"])
        return None

    # ------------------------------------------------------------------ internals: helpers

    def _set_description(self, text: str) -> None:
        """Some answers carry a description next to the result (e.g. "Webhook was set")."""
        self._descriptions[threading.get_ident()] = text

    def _changed(self) -> None:
        self._version += 1
        self._cond.notify_all()

    def _require_user(self, user_id: int) -> User:
        user = self._users.get(user_id)
        if user is None:
            raise ValueError(f"unknown user {user_id}; call add_user first")
        return user

    def _call_chat(self, method: str, params: _Params) -> int | None:
        """Which chat a call is about (answerCallbackQuery: the chat of the pressed message)."""
        if method == "answerCallbackQuery":
            info = self._callbacks.get(params.get_str("callback_query_id"))
            return info["chat_id"] if info else None
        value = params.get_str("chat_id").strip()
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        return None

    def _new_file(self, name: str, mime_type: str, data: bytes) -> tuple[str, str]:
        number = self._next_file
        self._next_file += 1
        file_id = f"BQACAgQAAxkBAAI{number:06d}"
        unique = f"AgAD{number:06d}"
        folder = "photos" if mime_type.startswith("image/") else "documents"
        self._files[file_id] = {
            "file_unique_id": unique,
            "file_name": name,
            "mime_type": mime_type,
            "data": data,
            "file_path": f"{folder}/file_{number}{'.' + name.rsplit('.', 1)[-1] if '.' in name else ''}",
        }
        return file_id, unique

    def open_chats(self, user_ids: list[int]) -> None:
        """People who wrote to the bot before this stand-in started: their private chats exist (the
        bot may write to them) and no update is queued. Each must be added with add_user first."""
        with self._cond:
            for user_id in user_ids:
                if user_id not in self._users:
                    raise ValueError(f"unknown user {user_id}: add_user first")
                self._open_private_chat(user_id)

    def _open_private_chat(self, user_id: int) -> _Chat:
        """A person wrote to the bot: the private chat exists from now on."""
        chat = self._chats.get(user_id)
        if chat is None:
            chat = _Chat(id=user_id, type="private", user_id=user_id)
            self._chats[user_id] = chat
        if user_id in self._blocked:  # writing again means pressing "Restart" first
            self._blocked.discard(user_id)
            self._queue_my_chat_member(user_id, blocked=False)
        return chat

    def _queue_my_chat_member(self, user_id: int, *, blocked: bool) -> None:
        chat = self._build_chat(self._chats[user_id])
        bot = self.bot_user
        member = ChatMemberMember(user=bot)
        banned = ChatMemberBanned(user=bot, until_date=dt.datetime.fromtimestamp(0, dt.UTC))
        self._queue_update(
            "my_chat_member",
            ChatMemberUpdated(
                chat=chat,
                from_user=self._users[user_id],
                date=_now(),
                old_chat_member=member if blocked else banned,
                new_chat_member=banned if blocked else member,
            ),
        )

    def _push(
        self,
        user_id: int,
        chat_id: int | None,
        thread_id: int | None,
        kind: str,
        *,
        text: str = "",
        entities: list[dict[str, Any]] | None = None,
        media: dict[str, Any] | None = None,
    ) -> int:
        with self._cond:
            self._require_user(user_id)
            if chat_id is None or chat_id == user_id:
                if thread_id is not None:
                    raise ValueError("private chats have no topics here")
                chat = self._open_private_chat(user_id)
            else:
                group = self._chats.get(chat_id)
                if group is None:
                    raise ValueError(f"unknown chat {chat_id}; call add_group first")
                chat = group
                status = chat.members.setdefault(user_id, "member")
                if status in ("left", "kicked"):
                    raise ValueError(f"user {user_id} is {status} in chat {chat_id}")
                if thread_id is not None:
                    topic = chat.topics.get(thread_id)
                    if not chat.is_forum or topic is None or topic.deleted:
                        raise ValueError(f"no topic {thread_id} in chat {chat_id}")
            msg = _Msg(
                message_id=chat.next_message_id,
                chat_id=chat.id,
                sender_id=user_id,
                from_bot=False,
                date=_now(),
                kind=kind,
                text=text,
                entities=entities or [],
                thread_id=thread_id,
                media=media or {},
            )
            chat.next_message_id += 1
            chat.messages[msg.message_id] = msg
            if chat.type == "private" or chat.members.get(self.bot_id, "left") not in ("left", "kicked"):
                self._queue_update("message", self._build_message(msg))  # a bot outside a group hears nothing
            self._changed()
            return msg.message_id

    def _queue_update(self, kind: str, payload: Any) -> None:
        """Queue an update unless the current allowed_updates filter excludes its type."""
        if kind not in self._allowed_updates:
            return
        update = Update(update_id=self._next_update_id, **{_UPDATE_FIELDS[kind]: payload})
        self._updates.append((self._next_update_id, update.to_dict()))
        self._next_update_id += 1

    def _build_chat(self, chat: _Chat) -> Chat:
        if chat.type == "private":
            user = self._users[chat.user_id or chat.id]
            return Chat(
                id=chat.id,
                type=Chat.PRIVATE,
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
            )
        return Chat(id=chat.id, type=chat.type, title=chat.title, is_forum=True if chat.is_forum else None)

    def _sender(self, msg: _Msg) -> User:
        return self.bot_user if msg.from_bot else self._users[msg.sender_id]

    def _build_message(self, msg: _Msg, *, nested: bool = False) -> Message:
        """The Message object Telegram would show for a stored message."""
        chat = self._chats[msg.chat_id]
        entities = [MessageEntity.de_json(self._entity_json(e), None) for e in msg.entities] or None
        kwargs: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": self._build_chat(chat),
            "from_user": self._sender(msg),
            "edit_date": msg.edit_date,
        }
        if msg.thread_id is not None:
            kwargs["message_thread_id"] = msg.thread_id
            kwargs["is_topic_message"] = True
        media = msg.media
        if msg.kind == "text":
            kwargs.update(text=msg.text, entities=entities)
        elif msg.kind == "forum_topic_created":
            kwargs["forum_topic_created"] = ForumTopicCreated(name=media["name"], icon_color=media["icon_color"])
        elif msg.kind == "forum_topic_closed":
            kwargs["forum_topic_closed"] = ForumTopicClosed()
        elif msg.kind == "forum_topic_reopened":
            kwargs["forum_topic_reopened"] = ForumTopicReopened()
        elif msg.kind == "forum_topic_edited":
            kwargs["forum_topic_edited"] = ForumTopicEdited(name=media.get("name"))
        else:
            if msg.text:
                kwargs.update(caption=msg.text, caption_entities=entities)
            if msg.kind == "photo":
                kwargs["photo"] = (
                    PhotoSize(media["file_id"], media["file_unique_id"], 90, 90, file_size=1_200),
                    PhotoSize(media["file_id"] + "M", media["file_unique_id"] + "M", 800, 800, file_size=50_000),
                )
            elif msg.kind == "sticker":
                kwargs["sticker"] = Sticker(
                    media["file_id"], media["file_unique_id"], 512, 512, False, False, Sticker.REGULAR, emoji="👍"
                )
            elif msg.kind == "voice":
                kwargs["voice"] = Voice(media["file_id"], media["file_unique_id"], 3, mime_type="audio/ogg")
            elif msg.kind == "document":
                kwargs["document"] = Document(
                    media["file_id"],
                    media["file_unique_id"],
                    file_name=media.get("file_name"),
                    mime_type=media.get("mime_type"),
                    file_size=len(media.get("data", b"")),
                )
            elif msg.kind == "location":
                kwargs["location"] = Location(media["longitude"], media["latitude"])
            elif msg.kind == "contact":
                kwargs["contact"] = Contact(media["phone"], media["first_name"])
            elif msg.kind == "poll":
                kwargs["poll"] = Poll(
                    id=f"poll{msg.message_id}",
                    question=media["question"],
                    options=[PollOption(text, 0, persistent_id=str(i)) for i, text in enumerate(media["options"])],
                    total_voter_count=0,
                    is_closed=False,
                    is_anonymous=True,
                    type=Poll.REGULAR,
                    allows_multiple_answers=False,
                    allows_revoting=False,
                    members_only=False,
                )
            elif msg.kind == "dice":
                kwargs["dice"] = Dice(media["value"], media["emoji"])
            elif msg.kind == "venue":
                location = Location(media["longitude"], media["latitude"])
                kwargs["location"] = location
                kwargs["venue"] = Venue(location, media["title"], media["address"])
        if msg.markup is not None:
            kwargs["reply_markup"] = InlineKeyboardMarkup.de_json(msg.markup, None)
        if not nested:
            reply_id = msg.reply_to
            if reply_id is None and msg.thread_id is not None:
                reply_id = msg.thread_id  # topic messages reply to the topic's creation message
            target = chat.messages.get(reply_id) if reply_id not in (None, msg.message_id) else None
            if target is not None and not target.deleted:
                kwargs["reply_to_message"] = self._build_message(target, nested=True)
        return Message(**kwargs)

    def _entity_json(self, entity: dict[str, Any]) -> dict[str, Any]:
        result = {k: v for k, v in entity.items() if k != "user_id"}
        if "user_id" in entity:
            user = self._users.get(entity["user_id"]) or User(entity["user_id"], "", False)
            result["user"] = user.to_dict()
        return result

    def _entry(self, msg: _Msg) -> Entry:
        buttons: list[list[tuple[str, str]]] = []
        for row in (msg.markup or {}).get("inline_keyboard", []):
            buttons.append([(b["text"], _button_value(b)) for b in row])
        media = msg.media
        document = None
        if msg.kind == "document":
            document = {
                "file_name": media.get("file_name"),
                "mime_type": media.get("mime_type"),
                "data": media.get("data", b""),
                "file_id": media.get("file_id"),
            }
        venue: dict[str, Any] | None = None
        location: dict[str, float] | None = None
        if msg.kind in ("venue", "location"):
            location = {"latitude": media["latitude"], "longitude": media["longitude"]}
        if msg.kind == "venue":
            venue = {
                "latitude": media["latitude"],
                "longitude": media["longitude"],
                "title": media["title"],
                "address": media["address"],
            }
        text = msg.text
        if msg.kind in ("forum_topic_created", "forum_topic_edited"):
            text = media["name"]
        return Entry(
            message_id=msg.message_id,
            chat_id=msg.chat_id,
            from_bot=msg.from_bot,
            kind=msg.kind,
            text=text,
            html=msg.html,
            buttons=buttons,
            message_thread_id=msg.thread_id,
            edits=msg.edits,
            deleted=msg.deleted,
            document=document,
            venue=venue,
            location=location,
            parse_mode=msg.parse_mode,
            sender_id=msg.sender_id,
            keyboard=[list(r) for r in msg.keyboard] if msg.keyboard else None,
            entities=[dict(e) for e in msg.entities],
            reply_to=msg.reply_to,
        )

    # ------------------------------------------------------------------ internals: validation

    def _chat(self, params: _Params, *, write: bool = False, name: str = "chat_id") -> _Chat:
        """Resolve chat_id like check_chat; ``write`` adds the checks a send must pass."""
        value = params.get_str(name).strip()
        if not value:
            raise _bad(f"{name} is empty")
        chat: _Chat | None = None
        if value.startswith("@"):
            wanted = value[1:].lower()
            for candidate in self._chats.values():
                if candidate.type == "private":
                    user = self._users[candidate.id]
                    if user.username and user.username.lower() == wanted:
                        chat = candidate
        else:
            try:
                chat_id = int(value)
            except ValueError:
                chat_id = 0
            chat = self._chats.get(chat_id)
            if chat is None and write and chat_id in self._users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat is None:
            raise _bad("chat not found")
        if chat.type != "private":
            status = chat.members.get(self.bot_id, "left")
            kind = "supergroup" if chat.type == "supergroup" else "group"
            if status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
            if status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return chat

    def _check_blocked(self, chat: _Chat) -> None:
        """Telegram refuses to deliver anything to a person who blocked the bot."""
        if chat.type == "private" and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _thread(self, chat: _Chat, params: _Params) -> int | None:
        """Validate message_thread_id like check_message_topic."""
        thread_id = params.get_int("message_thread_id")
        if thread_id == 0:
            return None
        if chat.type == "private":
            raise _bad("message thread not found")
        if not chat.is_forum:
            return None  # ignored outside forums
        if thread_id == GENERAL_TOPIC_ID:
            raise _bad("message thread not found")
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise _bad("message thread not found")
        if topic.closed and chat.members.get(self.bot_id) not in ("creator", "administrator"):
            raise _bad("TOPIC_CLOSED")  # only administrators write in a closed topic
        return thread_id

    def _formatted(
        self, params: _Params, text_key: str, entities_key: str
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        """Apply parse_mode or explicit entities (Client::get_formatted_text)."""
        text = params.get_str(text_key)
        if len(text.encode("utf-8")) > MAX_RAW_TEXT_BYTES:
            raise _bad("text is too long")
        parse_mode = params.get_str("parse_mode")
        mode = parse_mode.lower()
        if text and mode and mode != "none":
            if mode == "html":
                try:
                    plain, entities = parse_html(text)
                except _HtmlError as error:
                    raise _bad(f"can't parse entities: {error}") from None
                return plain, entities, parse_mode
            if mode in ("markdown", "markdownv2"):
                raise _bad(
                    f"can't parse entities: the stand-in models parse_mode HTML only; {parse_mode} is not implemented"
                )
            raise _bad("unsupported parse_mode")
        raw_entities = params.get_json(entities_key, f"can't parse {entities_key} JSON object") or []
        entities = []
        for raw in raw_entities if isinstance(raw_entities, list) else []:
            if not isinstance(raw, dict) or "offset" not in raw or "length" not in raw or "type" not in raw:
                raise _bad("can't parse MessageEntity: expected an Object with offset, length and type")
            entities.append(dict(raw))
        return text, entities, parse_mode or None

    def _final_text(
        self, text: str, entities: list[dict[str, Any]], limit: int, too_long: str
    ) -> tuple[str, list[dict[str, Any]]]:
        """tdlib's checks before sending: trim, non-empty, length in code points."""
        text, entities = _fix_text(text, entities)
        if len(text) > limit:
            raise _bad(too_long)
        return text, entities

    def _reply_markup(self, params: _Params) -> tuple[dict[str, Any] | None, list[list[str]] | None, bool]:
        """Parse reply_markup like get_reply_markup; returns (inline, reply keyboard, data_ok)."""
        raw = params.raw.get("reply_markup")
        if raw is None or raw == "":
            return None, None, True
        if isinstance(raw, str):
            try:
                value = json.loads(raw)
            except ValueError:
                raise _bad("can't parse reply keyboard markup JSON object") from None
        else:
            value = raw
        if not isinstance(value, dict):
            raise _bad("object expected as reply markup")
        keyboard: list[list[str]] | None = None
        if isinstance(value.get("keyboard"), list):
            keyboard = []
            for row in value["keyboard"]:
                if not isinstance(row, list):
                    raise _bad('field "keyboard" must be an Array of Arrays')
                labels = []
                for button in row:
                    label = (
                        button
                        if isinstance(button, str)
                        else (button or {}).get("text")
                        if isinstance(button, dict)
                        else None
                    )
                    if not isinstance(label, str):
                        raise _bad('can\'t parse keyboard button: Field "text" must be of type String')
                    if label:
                        labels.append(label)
                if labels:
                    keyboard.append(labels)
            keyboard = keyboard or None
        inline = value.get("inline_keyboard")
        if inline is None:
            return None, keyboard, True
        if not isinstance(inline, list) or not all(isinstance(row, list) for row in inline):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        rows: list[list[dict[str, Any]]] = []
        data_ok = True
        for row in inline:
            kept = []
            for button in row:
                if not isinstance(button, dict):
                    raise _bad("can't parse inline keyboard button: expected an Object")
                label = button.get("text")
                if not isinstance(label, str):
                    raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                kind = _button_kind(button)
                if kind is None:
                    raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                if not label:
                    continue  # tdlib drops buttons with empty text
                if kind == "url" and not re.match(r"tg://user\?id=\d+$", button["url"], re.IGNORECASE):
                    reason = _check_link(button["url"])
                    if reason:
                        raise _bad(f"inline keyboard button URL '{button['url']}' is invalid: {reason}")
                if kind == "callback_data" and len(str(button["callback_data"]).encode("utf-8")) > 64:
                    data_ok = False
                kept.append({"text": label, kind: button[kind]})
            if kept:
                rows.append(kept)
        return ({"inline_keyboard": rows} if rows else None), keyboard, data_ok

    def _reply_to(self, chat: _Chat, params: _Params) -> int | None:
        """reply_parameters / reply_to_message_id; a missing target fails unless allowed."""
        reply = params.get_json("reply_parameters", "can't parse reply parameters JSON object")
        message_id = 0
        allow = params.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id") or 0)
            allow = bool(reply.get("allow_sending_without_reply", allow))
        elif params.has("reply_to_message_id"):
            message_id = params.get_int("reply_to_message_id")
        if not message_id:
            return None
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return message_id

    def _store_bot_message(self, chat: _Chat, thread_id: int | None, reply_to: int | None, **fields: Any) -> _Msg:
        msg = _Msg(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            sender_id=self.bot_id,
            from_bot=True,
            date=_now(),
            thread_id=thread_id,
            reply_to=reply_to,
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        return msg

    def _message_to_edit(self, params: _Params, what: str = "message to edit") -> tuple[_Chat, _Msg]:
        if not params.has("chat_id") and not params.has("message_id"):
            if params.has("inline_message_id"):
                raise _bad("MESSAGE_ID_INVALID")
            raise _bad("message identifier is not specified")
        chat = self._chat(params)
        message_id = params.get_int("message_id")
        if message_id <= 0:
            raise _bad("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise _bad(f"{what} not found")
        return chat, msg

    # ------------------------------------------------------------------ methods: updates

    def _m_true(self, params: _Params) -> bool:
        return True

    def _m_get_me(self, params: _Params) -> dict[str, Any]:
        return self.bot_user.to_dict()

    def _set_allowed_updates(self, params: _Params) -> None:
        """allowed_updates given -> remembered; an empty list means the default set."""
        value = params.get_json("allowed_updates", "can't parse allowed_updates JSON object")
        if value is None:
            return
        if not isinstance(value, list):
            return
        wanted = {str(v) for v in value} & ALL_UPDATE_TYPES
        self._allowed_updates = frozenset(wanted) if wanted else DEFAULT_UPDATE_TYPES

    def _m_get_updates(self, params: _Params) -> list[dict[str, Any]]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit", 100), 1), 100)
        timeout = min(max(params.get_int("timeout"), 0), LONG_POLL_MAX_TIMEOUT)
        self._set_allowed_updates(params)
        if offset < 0:
            self._updates = self._updates[offset:]  # keep the last -offset updates
        elif offset > 0:
            self._updates = [u for u in self._updates if u[0] >= offset]
        generation = self._poll_generation
        if timeout and not self._updates:
            # like abort_long_poll: a new waiting getUpdates terminates an older waiting one
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed()
        deadline = time.monotonic() + timeout
        while not self._updates and timeout and not self._closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            if self._webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
        return [dict(update) for _, update in self._updates[:limit]]

    def _m_set_webhook(self, params: _Params) -> bool:
        url = params.get_str("url")
        if not url:
            return self._m_delete_webhook(params)
        now = time.monotonic()
        if now < self._next_set_webhook:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._next_set_webhook = now + 1
        secret = params.get_str("secret_token")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
            raise _bad("invalid webhook URL specified")
        if len(secret) > 256:
            raise _bad("secret token is too long")
        if not re.fullmatch(r"[A-Za-z0-9_\-]*", secret):
            raise _bad("secret token contains unallowed characters")
        max_connections = params.get_int("max_connections", 40) or 40
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        same = (
            url == self._webhook_url
            and secret == self._webhook_secret
            and max_connections == self._webhook_max_connections
        )
        self._set_allowed_updates(params)
        if same and not params.get_bool("drop_pending_updates"):
            self._set_description("Webhook is already set")
            return True
        self._webhook_url = url
        self._webhook_secret = secret
        self._webhook_max_connections = max_connections
        self._webhook_ip = params.get_str("ip_address")
        self._webhook_last_error = None
        self._webhook_backoff = 0.0
        self._webhook_next_try = 0.0
        self._changed()
        self._set_description("Webhook was set")
        return True

    def _m_delete_webhook(self, params: _Params) -> bool:
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        was_set = bool(self._webhook_url)
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_last_error = None
        self._changed()
        self._set_description("Webhook was deleted" if was_set else "Webhook is already deleted")
        return True

    def _m_get_webhook_info(self, params: _Params) -> dict[str, Any]:
        error_date = error_message = None
        if self._webhook_url and self._webhook_last_error:
            error_date = dt.datetime.fromtimestamp(self._webhook_last_error[0], dt.UTC)
            error_message = self._webhook_last_error[1]
        allowed = None
        if self._webhook_url and self._allowed_updates != DEFAULT_UPDATE_TYPES:
            allowed = sorted(self._allowed_updates)
        info = WebhookInfo(
            url=self._webhook_url,
            has_custom_certificate=False,
            pending_update_count=len(self._updates),
            last_error_date=error_date,
            last_error_message=error_message,
            max_connections=self._webhook_max_connections if self._webhook_url else None,
            allowed_updates=allowed,
            ip_address=self._webhook_ip or ("127.0.0.1" if self._webhook_url else None),
        )
        return info.to_dict()

    def _deliver_webhooks(self) -> None:
        """POST queued updates to the webhook in order, retrying failures with a short backoff."""
        while True:
            with self._cond:
                while not self._closed:
                    now = time.monotonic()
                    if self._webhook_url and self._updates and now >= self._webhook_next_try:
                        break
                    wait = None
                    if self._webhook_url and self._updates:
                        wait = self._webhook_next_try - now
                    self._cond.wait(wait)
                if self._closed:
                    return
                url, secret = self._webhook_url, self._webhook_secret
                update_id, update = self._updates[0]
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
            error: str | None = None
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    if not 200 <= response.status < 300:
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except urllib.error.HTTPError as exc:
                error = f"Wrong response from the webhook: {exc.code} {exc.reason}"
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                error = (
                    "Connection refused"
                    if isinstance(reason, ConnectionRefusedError)
                    else f"Connection error: {reason}"
                )
            with self._cond:
                if error is None:
                    if self._updates and self._updates[0][0] == update_id and self._webhook_url == url:
                        self._updates.pop(0)
                    self._webhook_backoff = 0.0
                else:
                    self._webhook_last_error = (int(time.time()), error)
                    self._webhook_backoff = min(max(self._webhook_backoff * 2, 0.1), 1.0)
                    self._webhook_next_try = time.monotonic() + self._webhook_backoff
                self._changed()

    # ------------------------------------------------------------------ methods: messages

    def _m_send_message(self, params: _Params) -> dict[str, Any]:
        raw_text = params.get_str("text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities, parse_mode = self._formatted(params, "text", "entities")
        inline, keyboard, data_ok = self._reply_markup(params)
        chat = self._chat(params, write=True)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        text, entities = self._final_text(text, entities, MAX_MESSAGE_LENGTH, "message is too long")
        if not data_ok:
            raise _bad("BUTTON_DATA_INVALID")
        self._check_blocked(chat)
        msg = self._store_bot_message(
            chat,
            thread_id,
            reply_to,
            kind="text",
            text=text,
            entities=entities,
            html=raw_text,
            parse_mode=parse_mode,
            markup=inline,
            keyboard=keyboard,
        )
        self._changed()
        return self._build_message(msg).to_dict()

    def _edit_common(
        self,
        params: _Params,
        *,
        text: str | None,
        entities: list[dict[str, Any]] | None,
        html: str | None,
        parse_mode: str | None,
        caption: bool,
    ) -> dict[str, Any]:
        inline, _keyboard, data_ok = self._reply_markup(params)
        _chat, msg = self._message_to_edit(params)
        if not msg.from_bot:
            raise _bad("message can't be edited")
        if text is not None:
            if caption:
                if msg.kind in ("text", "sticker", "location", "venue") or msg.kind in TOPIC_SERVICE_KINDS:
                    raise _bad("there is no caption in the message to edit")
            elif msg.kind != "text":
                raise _bad("there is no text in the message to edit")
            if text or not caption:
                limit = MAX_CAPTION_LENGTH if caption else MAX_MESSAGE_LENGTH
                text, entities = self._final_text(
                    text, entities or [], limit, "message caption is too long" if caption else "message is too long"
                )
        if not data_ok:
            raise _bad("BUTTON_DATA_INVALID")
        new_text = msg.text if text is None else text
        new_entities = msg.entities if text is None else (entities or [])
        if new_text == msg.text and new_entities == msg.entities and inline == msg.markup:
            raise _bad(MESSAGE_NOT_MODIFIED)
        if text is not None:
            msg.text, msg.entities, msg.html, msg.parse_mode = new_text, new_entities, html, parse_mode
        msg.markup = inline
        msg.edits += 1
        msg.edit_date = _now()
        self._changed()
        return self._build_message(msg).to_dict()

    def _m_edit_message_text(self, params: _Params) -> dict[str, Any]:
        raw_text = params.get_str("text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities, parse_mode = self._formatted(params, "text", "entities")
        return self._edit_common(
            params, text=text, entities=entities, html=raw_text, parse_mode=parse_mode, caption=False
        )

    def _m_edit_message_caption(self, params: _Params) -> dict[str, Any]:
        raw = params.get_str("caption")
        text, entities, parse_mode = self._formatted(params, "caption", "caption_entities") if raw else ("", [], None)
        return self._edit_common(
            params, text=text, entities=entities, html=raw or None, parse_mode=parse_mode, caption=True
        )

    def _m_edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        return self._edit_common(params, text=None, entities=None, html=None, parse_mode=None, caption=False)

    def _m_delete_message(self, params: _Params) -> bool:
        if not params.has("chat_id"):
            raise _bad("chat identifier is not specified")
        if params.get_int("message_id") == 0:
            raise _bad("message identifier is not specified")
        _chat, msg = self._message_to_edit(params, "message to delete")
        msg.deleted = True
        self._changed()
        return True

    def _m_delete_messages(self, params: _Params) -> bool:
        chat = self._chat(params)
        ids = params.get_json("message_ids", "can't parse message identifiers JSON object") or []
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad(
                "too many messages to delete"
                if isinstance(ids, list) and ids
                else "message identifiers are not specified"
            )
        for message_id in ids:
            msg = chat.messages.get(int(message_id))
            if msg is not None:
                msg.deleted = True
        self._changed()
        return True

    def _m_answer_callback_query(self, params: _Params) -> bool:
        info = self._callbacks.get(params.get_str("callback_query_id"))
        if info is None or info["answer"] is not None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if len(params.get_str("text")) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        info["answer"] = params.decoded()
        self._changed()
        return True

    def _m_send_chat_action(self, params: _Params) -> bool:
        action = params.get_str("action").lower()
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat = self._chat(params, write=True)
        self._thread(chat, params)
        self._check_blocked(chat)
        return True

    def _send_file(self, params: _Params, field_name: str, kind: str) -> dict[str, Any]:
        raw_caption = params.get_str("caption")
        caption, parse_mode = "", None
        entities: list[dict[str, Any]] = []
        if raw_caption:
            caption, entities, parse_mode = self._formatted(params, "caption", "caption_entities")
        inline, keyboard, data_ok = self._reply_markup(params)
        chat = self._chat(params, write=True)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        source = params.get_file(field_name)
        if source is None:
            raise _bad(f"there is no {field_name} in the request")
        if isinstance(source, _Upload):
            if not source.data:
                raise _bad("file must be non-empty")
            file_id, unique = self._new_file(source.filename, source.content_type, source.data)
            media = {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": source.filename,
                "mime_type": source.content_type,
                "data": source.data,
            }
        elif source in self._files:
            info = self._files[source]
            media = {
                "file_id": source,
                "file_unique_id": info["file_unique_id"],
                "file_name": info["file_name"],
                "mime_type": info["mime_type"],
                "data": info["data"],
            }
        elif re.match(r"https?://", source):
            name = urllib.parse.urlsplit(source).path.rsplit("/", 1)[-1] or "file"
            file_id, unique = self._new_file(name, "application/octet-stream", b"")
            media = {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": name,
                "mime_type": "application/octet-stream",
                "data": b"",
            }
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        if caption:
            caption, entities = self._final_text(caption, entities, MAX_CAPTION_LENGTH, "message caption is too long")
        if not data_ok:
            raise _bad("BUTTON_DATA_INVALID")
        self._check_blocked(chat)
        msg = self._store_bot_message(
            chat,
            thread_id,
            reply_to,
            kind=kind,
            text=caption,
            entities=entities,
            html=raw_caption or None,
            parse_mode=parse_mode,
            markup=inline,
            keyboard=keyboard,
            media=media,
        )
        self._changed()
        return self._build_message(msg).to_dict()

    def _m_send_document(self, params: _Params) -> dict[str, Any]:
        return self._send_file(params, "document", "document")

    def _m_copy_message(self, params: _Params) -> dict[str, Any]:
        """copyMessage: the same content, without a link to the original; returns a MessageId."""
        source_chat = self._chat(params, name="from_chat_id")
        original = source_chat.messages.get(params.get_int("message_id"))
        if original is None or original.deleted:
            raise _bad("message to copy not found")
        if original.kind in TOPIC_SERVICE_KINDS or original.kind == "service":
            raise _bad("the message can't be copied")
        chat = self._chat(params, write=True)
        thread_id = self._thread(chat, params)
        self._check_blocked(chat)
        text, entities = original.text, list(original.entities)
        if params.has("caption"):
            text, entities, _ = self._formatted(params, "caption", "caption_entities")
        msg = self._store_bot_message(
            chat, thread_id, None, kind=original.kind, text=text, entities=entities, media=dict(original.media)
        )
        self._changed()
        return {"message_id": msg.message_id}

    def _m_send_photo(self, params: _Params) -> dict[str, Any]:
        return self._send_file(params, "photo", "photo")

    def _location(self, params: _Params) -> tuple[float, float]:
        latitude = params.get_float("latitude")
        if latitude is None:
            raise ApiError(400, "Bad Request: latitude is empty")
        longitude = params.get_float("longitude")
        if longitude is None:
            raise ApiError(400, "Bad Request: longitude is empty")
        if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
            raise _bad("wrong location specified")  # guessed wording
        return latitude, longitude

    def _send_place(self, params: _Params, kind: str) -> dict[str, Any]:
        latitude, longitude = self._location(params)
        media: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if kind == "venue":
            media["title"] = params.get_str("title")
            media["address"] = params.get_str("address")
        inline, keyboard, data_ok = self._reply_markup(params)
        chat = self._chat(params, write=True)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        if not data_ok:
            raise _bad("BUTTON_DATA_INVALID")
        self._check_blocked(chat)
        msg = self._store_bot_message(
            chat, thread_id, reply_to, kind=kind, markup=inline, keyboard=keyboard, media=media
        )
        self._changed()
        return self._build_message(msg).to_dict()

    def _m_send_venue(self, params: _Params) -> dict[str, Any]:
        return self._send_place(params, "venue")

    def _m_send_location(self, params: _Params) -> dict[str, Any]:
        return self._send_place(params, "location")

    def _m_get_file(self, params: _Params) -> dict[str, Any]:
        file_id = params.get_str("file_id")
        info = self._files.get(file_id)
        if info is None:
            raise _bad("invalid file_id")
        return File(
            file_id=file_id,
            file_unique_id=info["file_unique_id"],
            file_size=len(info["data"]),
            file_path=info["file_path"],
        ).to_dict()

    # ------------------------------------------------------------------ methods: chats

    def _m_get_chat(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        base = self._build_chat(chat).to_dict()
        base.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        )
        return ChatFullInfo.de_json(base, None).to_dict()

    def _m_get_chat_member(self, params: _Params) -> dict[str, Any]:
        user_id = params.get_int("user_id")
        if user_id <= 0:
            raise _bad("invalid user_id specified")
        chat = self._chat(params)
        if user_id == self.bot_id:
            user = self.bot_user
        elif user_id in self._users:
            user = self._users[user_id]
        else:
            raise _bad("user not found")
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.bot_id) else "left"
        else:
            status = chat.members.get(user_id, "left")
        return _chat_member(user, status).to_dict()

    def _m_set_chat_menu_button(self, params: _Params) -> bool:
        button = params.get_json("menu_button", "can't parse menu button JSON object") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
            raise _bad("can't parse menu button: MenuButton must be an Object")
        MenuButton.de_json(button, None)  # schema check through PTB
        if params.has("chat_id"):
            chat = self._chat(params)
            if chat.type != "private":
                raise _bad("chat not found")
            chat.menu_button = button
        else:
            self._default_menu_button = button if button["type"] != "default" else {"type": "commands"}
        self._changed()
        return True

    def _m_get_chat_menu_button(self, params: _Params) -> dict[str, Any]:
        chat_id = None
        if params.has("chat_id"):
            chat_id = self._chat(params).id
        return MenuButton.de_json(self.menu_button(chat_id), None).to_dict()

    # ------------------------------------------------------------------ methods: commands

    def _scope_key(self, params: _Params) -> tuple[str, int | None, int | None]:
        scope = params.get_json("scope", "can't parse BotCommandScope JSON object")
        if scope is None:
            return "default", None, None
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise _bad("can't parse BotCommandScope: BotCommandScope must be an Object")
        kind = scope["type"]
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return kind, None, None
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise _bad("can't parse BotCommandScope: Unsupported type specified")
        chat_params = _Params({"chat_id": scope.get("chat_id")})
        if not chat_params.get_str("chat_id"):
            raise _bad("can't parse BotCommandScope: Empty chat_id specified")
        chat = self._chat(chat_params)
        user_id = None
        if kind == "chat_member":
            user_id = int(scope.get("user_id") or 0)
            if user_id <= 0:
                raise _bad("can't parse BotCommandScope: Invalid user_id specified")
        return kind, chat.id, user_id

    @staticmethod
    def _language(params: _Params) -> str:
        code = params.get_str("language_code")
        if code and not re.fullmatch(r"[a-z]{2}", code):
            raise _bad("invalid language code specified")
        return code

    def _m_set_my_commands(self, params: _Params) -> bool:
        raw = params.get_json("commands", "can't parse commands JSON object")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise _bad("expected an Array of BotCommand")
        scope = self._scope_key(params)
        language = self._language(params)
        commands = []
        for item in raw:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("command"), str)
                or not isinstance(item.get("description"), str)
            ):
                raise _bad("can't parse BotCommand: expected an Object with command and description")
            command = item["command"].strip()
            if command.startswith("/"):
                command = command[1:]
            if not command:
                raise _bad("command must be non-empty")
            if len(command) > 32:
                raise _bad("command length must not exceed 32")
            description = item["description"].strip()
            if not description:
                raise _bad("command description must be non-empty")
            if len(description) > 256:
                raise _bad("command description length must not exceed 256")
            if not re.fullmatch(r"[a-z0-9_]+", command):
                raise _bad("BOT_COMMAND_INVALID")
            commands.append(BotCommand(command, description).to_dict())
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        key = (*scope, language)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        self._changed()
        return True

    def _m_get_my_commands(self, params: _Params) -> list[dict[str, str]]:
        key = (*self._scope_key(params), self._language(params))
        return [dict(c) for c in self._commands.get(key, [])]

    def _m_delete_my_commands(self, params: _Params) -> bool:
        key = (*self._scope_key(params), self._language(params))
        self._commands.pop(key, None)
        self._changed()
        return True

    def _text_setter(self, what: str, limit: int) -> Callable[[_Params], bool]:
        def handler(params: _Params) -> bool:
            value = params.get_str(what)
            language = self._language(params)
            if len(value) > limit:
                raise _bad(f"bot {what.replace('_', ' ')} is too long")  # guessed wording
            self._texts[(what, language)] = value
            self._changed()
            return True

        return handler

    def _text_getter(self, what: str) -> Callable[[_Params], dict[str, str]]:
        def handler(params: _Params) -> dict[str, str]:
            language = self._language(params)
            value = self._texts.get((what, language)) or self._texts.get((what, ""), "")
            if what == "name" and not value:
                value = self.bot_first_name
            return {what: value}

        return handler

    # ------------------------------------------------------------------ methods: forum topics

    def _forum(self, params: _Params) -> _Chat:
        chat = self._chat(params)
        if not chat.is_forum:
            raise _bad("the chat is not a forum")
        return chat

    def _create_topic(self, chat: _Chat, name: str, icon_color: int, emoji: str | None, creator: int) -> _Topic:
        thread_id = chat.next_message_id
        chat.next_message_id += 1
        topic = _Topic(thread_id, name, icon_color, emoji)
        chat.topics[thread_id] = topic
        chat.messages[thread_id] = _Msg(
            message_id=thread_id,
            chat_id=chat.id,
            sender_id=creator,
            from_bot=creator == self.bot_id,
            date=_now(),
            kind="forum_topic_created",
            thread_id=thread_id,
            media={"name": name, "icon_color": icon_color},
        )
        self._changed()
        return topic

    def _delete_topic(self, chat: _Chat, topic: _Topic) -> None:
        topic.deleted = True
        for msg in chat.messages.values():
            if msg.thread_id == topic.thread_id:
                msg.deleted = True

    def _topic_of(self, chat: _Chat, params: _Params) -> _Topic:
        thread_id = params.get_int("message_thread_id")
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise _bad("message thread not found")
        return topic

    def _m_create_forum_topic(self, params: _Params) -> dict[str, Any]:
        chat = self._forum(params)
        name = " ".join(params.get_str("name").split())[:128]  # clean_name collapses and truncates
        if not name:
            raise _bad("title must be non-empty")
        icon_color = TOPIC_ICON_COLORS[0]
        if params.has("icon_color"):
            icon_color = params.get_int("icon_color")
            if icon_color not in TOPIC_ICON_COLORS:
                raise _bad("TOPIC_COLOR_INVALID" if 0 <= icon_color <= 0xFFFFFF else "invalid icon color specified")
        emoji = params.get_str("icon_custom_emoji_id") or None
        topic = self._create_topic(chat, name, icon_color, emoji, self.bot_id)
        return ForumTopic(
            message_thread_id=topic.thread_id,
            name=topic.name,
            icon_color=topic.icon_color,
            icon_custom_emoji_id=topic.icon_custom_emoji_id,
        ).to_dict()

    def _m_edit_forum_topic(self, params: _Params) -> bool:
        chat = self._forum(params)
        topic = self._topic_of(chat, params)
        changed = False
        if params.has("name"):
            name = " ".join(params.get_str("name").split())[:128]
            if name and name != topic.name:
                topic.name = name
                changed = True
        if "icon_custom_emoji_id" in params.raw:
            emoji = params.get_str("icon_custom_emoji_id") or None
            if emoji != topic.icon_custom_emoji_id:
                topic.icon_custom_emoji_id = emoji
                changed = True
        if not changed:
            raise _bad("TOPIC_NOT_MODIFIED")
        self._topic_service(chat, topic, self.bot_id, "forum_topic_edited")
        self._changed()
        return True

    def _topic_toggle(self, *, closed: bool) -> Callable[[_Params], bool]:
        def handler(params: _Params) -> bool:
            chat = self._forum(params)
            topic = self._topic_of(chat, params)
            if topic.closed == closed:
                raise _bad("TOPIC_NOT_MODIFIED")
            topic.closed = closed
            self._topic_service(chat, topic, self.bot_id, "forum_topic_closed" if closed else "forum_topic_reopened")
            self._changed()
            return True

        return handler

    def _m_leave_chat(self, params: _Params) -> bool:
        """The bot leaves a group: from then on it neither receives its messages nor writes in it."""
        chat = self._chat(params)
        if chat.type == "private":
            raise _bad("chat member status can't be changed in private chats")
        chat.members[self.bot_id] = "left"
        self._changed()
        return True

    def _m_delete_forum_topic(self, params: _Params) -> bool:
        chat = self._forum(params)
        topic = self._topic_of(chat, params)
        self._delete_topic(chat, topic)
        self._changed()
        return True


_UPDATE_FIELDS = {
    "message": "message",
    "edited_message": "edited_message",
    "callback_query": "callback_query",
    "my_chat_member": "my_chat_member",
}


def _button_kind(button: dict[str, Any]) -> str | None:
    """Which field makes this inline button what it is, in the Bot API server's order."""
    if button.get("url"):
        return "url"
    if button.get("callback_data"):
        return "callback_data"
    for name in (
        "callback_game",
        "pay",
        "switch_inline_query",
        "switch_inline_query_chosen_chat",
        "switch_inline_query_current_chat",
        "login_url",
        "web_app",
        "copy_text",
    ):
        if name in button:
            return name
    return None


def _button_value(button: dict[str, Any]) -> str:
    """Entry.buttons value: callback data as is, other kinds prefixed with their kind."""
    if "callback_data" in button:
        return str(button["callback_data"])
    for kind, value in button.items():
        if kind == "text":
            continue
        if isinstance(value, dict):
            value = value.get("url") or value.get("text") or json.dumps(value)
        return f"{kind}:{value}"
    return ""


def _chat_member(user: User, status: str) -> ChatMember:
    """A ChatMember of the right subclass for a status."""
    if status == "creator":
        return ChatMemberOwner(user=user, is_anonymous=False)
    if status == "administrator":
        return ChatMemberAdministrator(
            user=user,
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
            can_manage_topics=True,
        )
    if status == "member":
        return ChatMemberMember(user=user)
    if status == "kicked":
        return ChatMemberBanned(user=user, until_date=dt.datetime.fromtimestamp(0, dt.UTC))
    return ChatMemberLeft(user=user)


class _Handler(BaseHTTPRequestHandler):
    """HTTP front: /bot<token>/<method> for the API, /file/bot<token>/<path> for downloads."""

    standin: StandIn
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the body of every answer waited for
    # the bot's delayed ACK (about 40 ms a call), which Telegram's servers do not make a bot wait.
    disable_nagle_algorithm = True
    timeout = 120

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length) if length else b"")

    def _serve(self, body: bytes) -> None:
        path, _, query = self.path.partition("?")
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if file_match and self.command == "GET":
            token, file_path = (urllib.parse.unquote(g) for g in file_match.groups())
            data = self.standin.file_content(token, file_path)
            if data is None:
                self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._send_bytes(200, data, "application/octet-stream")
            return
        match = re.fullmatch(r"/bot([^/]+)/([^/]+)", path)
        if not match:
            self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        raw: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        content_type = self.headers.get("Content-Type", "")
        try:
            if content_type.startswith("application/json") and body:
                decoded = json.loads(body)
                if isinstance(decoded, dict):
                    raw.update(decoded)
            elif content_type.startswith("multipart/form-data"):
                raw.update(_parse_multipart(body, content_type))
            elif body:
                for key, values in urllib.parse.parse_qs(
                    body.decode("utf-8", "replace"), keep_blank_values=True
                ).items():
                    raw[key] = values[-1]
        except ValueError:
            self._send(400, {"ok": False, "error_code": 400, "description": "Bad Request: can't parse JSON object"})
            return
        status, answer = self.standin.handle(match.group(2), urllib.parse.unquote(match.group(1)), raw)
        self._send(status, answer)

    def _send(self, status: int, answer: dict[str, Any]) -> None:
        self._send_bytes(status, json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json")

    def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
