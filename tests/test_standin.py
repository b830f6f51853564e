"""The Bot API stand-in is faithful: python-telegram-bot itself talks to it and sees Telegram's answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from tests.standin import Resident, StandIn, parse_html

AMINA = 42
BOB = 43
FORUM = -1001234567890


@pytest.fixture
def api() -> Iterator[StandIn]:
    with StandIn() as standin:
        standin.add_user(AMINA, "Amina", "fr", username="amina")
        standin.add_user(BOB, "Bob", "en")
        yield standin


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


def raw_call(api: StandIn, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """A hand-made JSON request, for shapes PTB refuses to build."""
    request = urllib.request.Request(
        f"{api.base_url}{api.token}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# ------------------------------------------------------------------------------------- basics


async def test_get_me_wrong_token_and_unknown_method(api: StandIn) -> None:
    async with Bot(api.token, base_url=api.base_url) as bot:
        me = await bot.get_me()
        assert me.is_bot and me.username == "tremplin_test_bot" and me.id == 123456
        assert me.can_join_groups is True and me.supports_inline_queries is False
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url) as wrong:
            await wrong.get_me()
    assert raw_call(api, "noSuchMethod") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = raw_call(api, "GETME")  # method names are case-insensitive on Telegram
    assert status == 200 and body["result"]["username"] == "tremplin_test_bot"
    with urllib.request.urlopen(f"{api.base_url}{api.token}/getWebhookInfo?unused=1", timeout=5) as response:
        assert json.loads(response.read())["result"]["url"] == ""  # GET with a query string works too


async def test_private_chat_needs_a_first_message_and_unknown_chats_are_not_found(api: StandIn) -> None:
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await bot.send_message(AMINA, "Bonjour")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(777, "Bonjour")
        api.push_message(AMINA, "/start")
        sent = await bot.send_message(AMINA, "Bonjour")
        assert sent.chat.id == AMINA and sent.from_user.is_bot and sent.text == "Bonjour"
        assert (await bot.send_message("@amina", "par nom")).chat.id == AMINA


# ------------------------------------------------------------------------------------- HTML


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("Bonjour <foo>", 'Unsupported start tag "foo" at byte offset 8'),
        ("é<foo>", 'Unsupported start tag "foo" at byte offset 2'),  # byte offsets, not characters
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <", "Unclosed start tag at byte offset 2"),
        ("<b>gras", "Can't find end tag corresponding to start tag b"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ],
)
async def test_bad_html_is_refused_like_telegram(api: StandIn, html: str, error: str) -> None:
    api.push_message(AMINA, "/start")
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(AMINA, html, parse_mode="HTML")
    assert caught.value.message.lower() == f"can't parse entities: {error}".lower()
    description = [r.description for r in api.records() if r.method == "sendMessage"][-1]
    assert description == f"Bad Request: can't parse entities: {error}"


def test_html_entities_and_offsets() -> None:
    assert parse_html("Tom & Jerry &nbsp; &lt;b&gt; &#233;&#x41;") == ("Tom & Jerry &nbsp; <b> éA", [])
    text, entities = parse_html('😀 <b>gras</b> <a href="https://t.me/x?a=1&amp;b=2">lien</a>')
    assert text == "😀 gras lien"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},  # the emoji counts two UTF-16 units
        {"type": "text_link", "url": "https://t.me/x?a=1&b=2", "offset": 8, "length": 4},
    ]
    _, nested = parse_html('<pre><code class="language-python">x = 1</code></pre><blockquote expandable>q</blockquote>')
    assert nested == [
        {"type": "pre", "language": "python", "offset": 0, "length": 5},
        {"type": "expandable_blockquote", "offset": 5, "length": 1},
    ]


async def test_text_limits_count_after_parsing(api: StandIn) -> None:
    api.push_message(AMINA, "/start")
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(AMINA, "")
        with pytest.raises(BadRequest, match="Text must be non-empty"):
            await bot.send_message(AMINA, "<b> </b>\n", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(AMINA, "a" * 4097)
        long_html = "<b>" + "é" * 4096 + "</b>"  # 4096 characters once the tags are gone
        sent = await bot.send_message(AMINA, long_html, parse_mode="HTML")
        assert len(sent.text) == 4096
        trimmed = await bot.send_message(AMINA, "\n  Bonjour  \n")
        assert trimmed.text == "Bonjour"
    last = api.transcript(AMINA)[-1]
    assert last.text == "Bonjour" and last.html == "\n  Bonjour  \n"


# ------------------------------------------------------------------------------------- keyboards


async def test_inline_keyboard_validation(api: StandIn) -> None:
    api.push_message(AMINA, "/start")
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(AMINA, "x", reply_markup=keyboard([("Trop long", "x" * 65)]))
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(AMINA, "x", reply_markup=keyboard([("Accents", "é" * 33)]))  # 66 bytes
        ok = await bot.send_message(AMINA, "x", reply_markup=keyboard([("Accents", "é" * 32)]))  # 64 bytes
        assert ok.reply_markup is not None
        bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("Site", url="javascript:alert(1)")]])
        with pytest.raises(BadRequest, match="Inline keyboard button url 'javascript:alert\\(1\\)' is invalid"):
            await bot.send_message(AMINA, "x", reply_markup=bad_url)
    status, body = raw_call(
        api, "sendMessage", chat_id=AMINA, text="x", reply_markup={"inline_keyboard": [[{"text": "Rien"}]]}
    )
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    )
    # tdlib silently drops buttons whose text is empty
    status, body = raw_call(
        api,
        "sendMessage",
        chat_id=AMINA,
        text="y",
        reply_markup={"inline_keyboard": [[{"text": "", "callback_data": "a"}, {"text": "B", "callback_data": "b"}]]},
    )
    assert status == 200 and body["result"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "B", "callback_data": "b"}]]
    }
    assert api.transcript(AMINA)[-1].buttons == [[("B", "b")]]


async def test_edits_not_modified_keyboard_removal_and_deletion(api: StandIn) -> None:
    api.push_message(AMINA, "/start")
    markup = keyboard([("Oui", "yes"), ("Non", "no")])
    async with Bot(api.token, base_url=api.base_url) as bot:
        sent = await bot.send_message(AMINA, "<b>Menu</b>", parse_mode="HTML", reply_markup=markup)
        with pytest.raises(BadRequest, match="Message is not modified: specified new message content"):
            await bot.edit_message_text("<b>Menu</b>", AMINA, sent.message_id, parse_mode="HTML", reply_markup=markup)
        edited = await bot.edit_message_text("Menu", AMINA, sent.message_id)  # no markup: the keyboard goes away
        assert edited.reply_markup is None and edited.edit_date is not None
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_reply_markup(AMINA, sent.message_id)
        await bot.edit_message_reply_markup(AMINA, sent.message_id, reply_markup=keyboard([("OK", "ok")]))
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", AMINA, 999)
        mine = api.push_message(AMINA, "mon message")
        with pytest.raises(BadRequest, match="Message can't be edited"):
            await bot.edit_message_text("x", AMINA, mine)
        assert await bot.delete_message(AMINA, sent.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(AMINA, sent.message_id)
    entry = next(e for e in api.transcript(AMINA) if e.message_id == sent.message_id)
    assert (entry.text, entry.edits, entry.deleted, entry.buttons) == ("Menu", 2, True, [[("OK", "ok")]])


async def test_callback_queries_are_answered_once(api: StandIn) -> None:
    api.push_message(AMINA, "/start")
    async with Bot(api.token, base_url=api.base_url) as bot:
        sent = await bot.send_message(AMINA, "Choix", reply_markup=keyboard([("Oui", "yes")]))
        query_id = api.push_callback(AMINA, sent.message_id, "yes")
        updates = await bot.get_updates()
        query = updates[-1].callback_query
        assert (query.id, query.data, query.message.message_id, query.from_user.id) == (
            query_id,
            "yes",
            sent.message_id,
            AMINA,
        )
        assert api.callback_answers() == {query_id: None}
        assert await bot.answer_callback_query(query_id, text="C'est noté")
        with pytest.raises(BadRequest, match="Query is too old and response timeout expired or query id is invalid"):
            await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query("123")
    assert api.callback_answers()[query_id]["text"] == "C'est noté"


# ------------------------------------------------------------------------------------- faults


async def test_blocked_user_gives_forbidden_and_a_my_chat_member_update(api: StandIn) -> None:
    api.push_message(AMINA, "/start")
    api.block(AMINA)
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(AMINA, "Bonjour")
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_chat_action(AMINA, "typing")
        updates = await bot.get_updates()
        change = updates[-1].my_chat_member
        assert change.new_chat_member.status == "kicked" and change.old_chat_member.status == "member"
        api.push_message(AMINA, "je reviens")  # writing again means pressing Restart
        assert (await bot.send_message(AMINA, "Re-bonjour")).text == "Re-bonjour"


@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_and_delays(api: StandIn) -> None:
    api.push_message(AMINA, "/start")
    api.fail_next("sendMessage", status=429, retry_after=7)
    api.fail_next("sendMessage", status=502)
    api.fail_next("sendMessage", status=500, times=2)
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(AMINA, "x")
        assert caught.value.retry_after in (7, dt.timedelta(seconds=7))
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(AMINA, "x")
        for _ in range(2):
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await bot.send_message(AMINA, "x")
        assert (await bot.send_message(AMINA, "enfin")).text == "enfin"
        api.set_delay("getMe", 0.3)
        started = time.monotonic()
        await bot.get_me()
        assert time.monotonic() - started >= 0.3
    statuses = [r.status for r in api.records() if r.method == "sendMessage"]
    assert statuses == [429, 502, 500, 500, 200]
    first = next(r for r in api.records() if r.method == "sendMessage")
    assert first.description == "Too Many Requests: retry after 7"


# ------------------------------------------------------------------------------------- updates


async def test_get_updates_offset_long_poll_and_conflict(api: StandIn) -> None:
    async with Bot(api.token, base_url=api.base_url) as bot, Bot(api.token, base_url=api.base_url) as other:
        first = api.push_message(AMINA, "/start hello")
        api.push_message(AMINA, "/menu@tremplin_test_bot suite")
        updates = await bot.get_updates()
        assert [u.message.text for u in updates] == ["/start hello", "/menu@tremplin_test_bot suite"]
        assert updates[0].message.message_id == first
        assert [(e.type, e.offset, e.length) for e in updates[1].message.entities] == [("bot_command", 0, 23)]
        assert len(await bot.get_updates()) == 2  # nothing confirmed yet
        assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
        assert api.pending_updates() == []  # confirmed updates are forgotten

        threading.Timer(0.3, lambda: api.push_message(AMINA, "réveil")).start()
        started = time.monotonic()
        woken = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
        assert woken[0].message.text == "réveil" and time.monotonic() - started < 2

        offset = woken[-1].update_id + 1
        waiting = asyncio.create_task(bot.get_updates(offset=offset, timeout=5))
        await asyncio.sleep(0.3)
        newer = asyncio.create_task(other.get_updates(offset=offset, timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting
        assert await newer == ()


async def test_allowed_updates_filter_new_updates(api: StandIn) -> None:
    async with Bot(api.token, base_url=api.base_url) as bot:
        await bot.get_updates(allowed_updates=["callback_query"])
        api.push_message(AMINA, "ignoré")
        assert await bot.get_updates() == ()
        await bot.get_updates(allowed_updates=[])  # empty list: back to the default set
        api.push_message(AMINA, "reçu")
        assert [u.message.text for u in await bot.get_updates()] == ["reçu"]


class _Receiver:
    """A tiny webhook endpoint: records requests, answers with scripted statuses."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], dict[str, Any], int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.received.append((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def test_webhook_delivers_in_order_with_secret_and_retries(api: StandIn) -> None:
    receiver = _Receiver([500])
    try:
        async with Bot(api.token, base_url=api.base_url) as bot:
            with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
                await bot.set_webhook(receiver.url, secret_token="pas bon!")
            api.push_message(AMINA, "un")  # queued before the webhook: delivered too
            await asyncio.sleep(1.05)  # setWebhook is limited to once per second
            assert await bot.set_webhook(receiver.url, secret_token="s3cret_-", allowed_updates=Update.ALL_TYPES)
            api.push_message(AMINA, "deux")
            await asyncio.to_thread(api.wait_until, lambda: len([r for r in receiver.received if r[2] == 200]) == 2)
            with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
                await bot.get_updates()
            info = await bot.get_webhook_info()
            assert info.url == receiver.url and info.pending_update_count == 0
            assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
            assert await bot.delete_webhook()
            assert await bot.get_updates() == ()
        texts = [(body["message"]["text"], status) for _, body, status in receiver.received]
        assert texts == [("un", 500), ("un", 200), ("deux", 200)]
        assert all(headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret_-" for headers, _, _ in receiver.received)
    finally:
        receiver.close()


# ------------------------------------------------------------------------------------- groups and topics


async def test_forum_topics_and_deleted_threads(api: StandIn) -> None:
    api.add_group(FORUM, "Conseillers", is_forum=True, members={BOB: "creator", AMINA: "member"})
    api.add_group(-55, "Petit groupe")
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest, match="The chat is not a forum"):
            await bot.create_forum_topic(-55, "Amina")
        topic = await bot.create_forum_topic(FORUM, "Amina · 42", icon_color=0xFF93B2)
        assert topic.name == "Amina · 42" and topic.icon_color == 0xFF93B2 and topic.message_thread_id > 1
        thread = topic.message_thread_id
        sent = await bot.send_message(FORUM, "Nouvelle demande", message_thread_id=thread)
        assert sent.message_thread_id == thread and sent.is_topic_message
        assert sent.reply_to_message.forum_topic_created.name == "Amina · 42"

        api.push_message(BOB, "Je m'en occupe", chat_id=FORUM, message_thread_id=thread)
        update = (await bot.get_updates())[-1]
        assert update.message.message_thread_id == thread and update.message.is_topic_message

        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(FORUM, "x", message_thread_id=1)  # the General topic
        assert await bot.close_forum_topic(FORUM, thread)
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.close_forum_topic(FORUM, thread)
        assert await bot.send_message(FORUM, "an administrator still writes there", message_thread_id=thread)
        api.set_member(FORUM, api.bot_id, "member")
        with pytest.raises(BadRequest, match="Topic_closed"):
            await bot.send_message(FORUM, "a member does not", message_thread_id=thread)
        api.set_member(FORUM, api.bot_id, "administrator")
        api.delete_topic(FORUM, thread)  # a counsellor deletes it by hand
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(FORUM, "x", message_thread_id=thread)
        other = await bot.create_forum_topic(FORUM, "Bob")
        assert await bot.delete_forum_topic(FORUM, other.message_thread_id)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(FORUM, "x", message_thread_id=other.message_thread_id)

        assert (await bot.get_chat_member(FORUM, AMINA)).status == "member"
        assert (await bot.get_chat_member(FORUM, BOB)).status == "creator"
        assert (await bot.get_chat_member(FORUM, api.bot_id)).status == "administrator"
        api.add_user(44, "Chloé")
        assert (await bot.get_chat_member(FORUM, 44)).status == "left"
        with pytest.raises(BadRequest, match="User not found"):
            await bot.get_chat_member(FORUM, 999)
    in_topic = [e for e in api.transcript(FORUM) if e.message_thread_id == thread]
    # created, the bot's card, Bob's reply, closed (a service message, as Telegram leaves), the admin's line
    assert [e.kind for e in in_topic] == ["forum_topic_created", "text", "text", "forum_topic_closed", "text"]
    assert all(e.deleted for e in in_topic)


async def test_a_group_gets_at_most_20_messages_a_minute(api: StandIn) -> None:
    api.add_group(FORUM, "Conseillers", is_forum=True, members={BOB: "creator"})
    async with Bot(api.token, base_url=api.base_url) as bot:
        for i in range(20):
            await bot.send_message(FORUM, f"message {i}")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(FORUM, "one too many")
        wait = raised.value.retry_after
        assert 1 <= (wait if isinstance(wait, int | float) else wait.total_seconds()) <= 60
    assert len([e for e in api.transcript(FORUM) if e.from_bot]) == 20


# ------------------------------------------------------------------------------------- commands, files, places


async def test_commands_per_language_and_scope(api: StandIn) -> None:
    async with Bot(api.token, base_url=api.base_url) as bot:
        await bot.set_my_commands([BotCommand("start", "Commencer"), BotCommand("aide", "Aide")], language_code="fr")
        await bot.set_my_commands([BotCommand("start", "Start")])
        assert api.commands("fr") == [
            {"command": "start", "description": "Commencer"},
            {"command": "aide", "description": "Aide"},
        ]
        assert api.commands() == [{"command": "start", "description": "Start"}]
        assert [c.command for c in await bot.get_my_commands(language_code="fr")] == ["start", "aide"]
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Menu", "Menu")])
        with pytest.raises(BadRequest, match="Command description must be non-empty"):
            await bot.set_my_commands([BotCommand("menu", " ")])
        with pytest.raises(BadRequest, match="Invalid language code specified"):
            await bot.set_my_commands([BotCommand("menu", "Menu")], language_code="fra")
        api.push_message(AMINA, "/start")
        await bot.set_my_commands([BotCommand("menu", "Menu")], scope=BotCommandScopeChat(AMINA))
        assert api.commands(scope_type="chat", chat_id=AMINA) == [{"command": "menu", "description": "Menu"}]
        assert await bot.delete_my_commands(language_code="fr")
        assert api.commands("fr") == []
        assert await bot.set_chat_menu_button(AMINA)
        assert api.menu_button(AMINA) == {"type": "default"}


async def test_documents_venues_and_downloads(api: StandIn) -> None:
    upload = b"%PDF-1.4\r\n\x00\xff binary\r\n--not-a-boundary"
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        api.push_message(AMINA, "/start")
        sent = await bot.send_document(
            AMINA,
            InputFile(upload, filename="attestation é.pdf"),
            caption="<i>Votre</i> attestation",
            parse_mode="HTML",
        )
        assert sent.document.file_name == "attestation é.pdf" and sent.caption == "Votre attestation"
        entry = api.transcript(AMINA)[-1]
        assert entry.kind == "document" and entry.document["data"] == upload
        assert entry.document["mime_type"] == "application/pdf"
        venue = await bot.send_venue(AMINA, 48.8566, 2.3522, "Accueil de jour", "1 rue de Rivoli, Paris")
        assert venue.venue.title == "Accueil de jour"
        assert api.transcript(AMINA)[-1].venue == {
            "latitude": 48.8566,
            "longitude": 2.3522,
            "title": "Accueil de jour",
            "address": "1 rue de Rivoli, Paris",
        }
        with pytest.raises(BadRequest, match="Wrong parameter action in request"):
            await bot.send_chat_action(AMINA, "dancing")

        api.push_document(AMINA, "cv.txt", b"Amina CV", mime_type="text/plain")
        document = (await bot.get_updates())[-1].message.document
        file = await bot.get_file(document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"Amina CV"


# ------------------------------------------------------------------------------------- a real Application


def _run_application(api: StandIn, stop: threading.Event, ready: threading.Event) -> None:
    """A small PTB Application polling the stand-in, in its own thread and event loop."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(
            f"Bonjour <b>{update.effective_user.first_name}</b> !",
            parse_mode="HTML",
            reply_markup=keyboard([("Trouver un repas", "meal"), ("Parler à quelqu'un", "talk")]),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        await query.edit_message_text(f"Vous avez choisi : {query.data}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"Reçu : {update.effective_message.text}")

    async def main() -> None:
        app = Application.builder().token(api.token).base_url(api.base_url).build()
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=5, drop_pending_updates=True)
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            await app.updater.stop()
            await app.stop()

    asyncio.run(main())


def test_resident_story_against_a_real_application(api: StandIn) -> None:
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=_run_application, args=(api, stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        amina = Resident(api, 50, "Amina")
        shown = amina.start()
        assert [e.text for e in shown] == ["Bonjour Amina !"]
        assert amina.buttons == ["Trouver un repas", "Parler à quelqu'un"]
        assert amina.last.html == "Bonjour <b>Amina</b> !"

        changed = amina.press("Trouver")  # prefix fallback
        assert [(e.text, e.edits, e.buttons) for e in changed] == [("Vous avez choisi : meal", 1, [])]
        assert amina.last_answer is not None

        assert [e.text for e in amina.send("j'ai faim")] == ["Reçu : j'ai faim"]
        assert amina.send_sticker(quiet=1.0) == []  # no handler for stickers: the bot stays silent
        with pytest.raises(AssertionError, match="no button 'Inexistant'"):
            amina.press("Inexistant")
        assert amina.texts() == ["Vous avez choisi : meal", "Reçu : j'ai faim"]
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()
