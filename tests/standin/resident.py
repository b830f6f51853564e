"""A person using the bot, so end-to-end tests read like a resident's story.

Every action pushes what a phone would send to the stand-in, then waits until the bot has
answered in this chat and gone quiet ("settled"), and returns the bot messages that were
created or changed meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.standin.server import CallRecord, Entry, StandIn

#: Calls that show something in a chat (or stop the button spinner) count as an answer.
VISIBLE_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendDocument",
        "sendPhoto",
        "sendVenue",
        "sendLocation",
        "deleteMessage",
        "deleteMessages",
        "answerCallbackQuery",
    }
)

#: Entry.buttons values with these prefixes are not callback buttons and cannot be pressed here.
_NOT_CALLBACK = ("url:", "web_app:", "login_url:", "switch_inline_query", "copy_text:", "callback_game:", "pay:")


class Resident:
    """One person in a private chat with the bot."""

    def __init__(
        self,
        api: StandIn,
        user_id: int,
        first_name: str = "Amina",
        language_code: str | None = "fr",
        *,
        username: str | None = None,
        last_name: str | None = None,
        settle: float = 0.5,
    ) -> None:
        api.add_user(user_id, first_name, language_code=language_code, username=username, last_name=last_name)
        self.api = api
        self.user_id = user_id
        self.chat_id = user_id
        self.settle = settle
        self.last_query_id: str | None = None

    # ------------------------------------------------------------------ actions

    def send(self, text: str, timeout: float = 10.0, *, quiet: float | None = None) -> list[Entry]:
        """Type a message; return the bot messages created or changed in reply."""
        return self._act(lambda: self.api.push_message(self.user_id, text), timeout, quiet)

    def start(self, payload: str | None = None, timeout: float = 10.0) -> list[Entry]:
        """Open the bot (``/start`` or a deep link ``/start payload``)."""
        return self.send("/start" if payload is None else f"/start {payload}", timeout)

    def send_sticker(self, timeout: float = 10.0, *, quiet: float | None = None) -> list[Entry]:
        """Send a sticker."""
        return self._act(lambda: self.api.push_sticker(self.user_id), timeout, quiet)

    def send_photo(
        self, caption: str | None = None, timeout: float = 10.0, *, quiet: float | None = None
    ) -> list[Entry]:
        """Send a photo."""
        return self._act(lambda: self.api.push_photo(self.user_id, caption), timeout, quiet)

    def send_voice(self, timeout: float = 10.0, *, quiet: float | None = None) -> list[Entry]:
        """Send a voice note."""
        return self._act(lambda: self.api.push_voice(self.user_id), timeout, quiet)

    def send_document(
        self, file_name: str, data: bytes = b"x", timeout: float = 10.0, *, quiet: float | None = None
    ) -> list[Entry]:
        """Send a file."""
        return self._act(lambda: self.api.push_document(self.user_id, file_name, data), timeout, quiet)

    def send_location(self, timeout: float = 10.0) -> list[Entry]:
        """Share my location."""
        return self._act(lambda: self.api.push_location(self.user_id), timeout, None)

    def send_contact(self, timeout: float = 10.0) -> list[Entry]:
        """Share a contact card."""
        return self._act(lambda: self.api.push_contact(self.user_id), timeout, None)

    def send_poll(self, timeout: float = 10.0) -> list[Entry]:
        """Send a poll."""
        return self._act(lambda: self.api.push_poll(self.user_id), timeout, None)

    def send_dice(self, timeout: float = 10.0) -> list[Entry]:
        """Throw a dice."""
        return self._act(lambda: self.api.push_dice(self.user_id), timeout, None)

    def edit(self, message_id: int, text: str, timeout: float = 10.0, *, quiet: float | None = None) -> list[Entry]:
        """Edit one of my earlier messages."""
        return self._act(lambda: self.api.push_edit(self.user_id, message_id, text), timeout, quiet)

    def press(self, label: str, timeout: float = 10.0, *, quiet: float | None = None) -> list[Entry]:
        """Press the button labelled ``label`` on the newest bot message that shows it.

        An exact label wins; otherwise the newest label starting with ``label`` is pressed.
        """
        entry, data = self._find_button(label)
        return self.press_data(entry.message_id, data, timeout, quiet=quiet)

    def press_data(
        self, message_id: int, data: str, timeout: float = 10.0, *, quiet: float | None = None
    ) -> list[Entry]:
        """Send a callback with any data on any message (stale or forged presses)."""

        def action() -> None:
            self.last_query_id = self.api.push_callback(self.user_id, message_id, data)

        return self._act(action, timeout, quiet)

    def send_quiet(self, text: str, window: float = 1.5) -> list[Entry]:
        """Type a message when the bot may stay silent: [] if nothing comes within ``window``."""
        return self.send(text, quiet=window)

    def press_quiet(self, label: str, window: float = 1.5) -> list[Entry]:
        """Press a button when the bot may show nothing new."""
        return self.press(label, quiet=window)

    def wait_quiet(self, window: float = 1.5) -> list[Entry]:
        """Wait for the bot to act on its own (reminders, counsellor replies); [] if silent."""
        return self._act(lambda: None, window, window)

    def wait_reply(self, timeout: float = 10.0) -> list[Entry]:
        """Wait for the bot to act on its own; fail if nothing comes within ``timeout``."""
        return self._act(lambda: None, timeout, None)

    # ------------------------------------------------------------------ what the person sees

    def transcript(self) -> list[Entry]:
        """The whole conversation as it looks now (both sides, deleted messages included)."""
        return self.api.transcript(self.chat_id)

    def bot_entries(self) -> list[Entry]:
        """The bot's visible messages, oldest first."""
        return [e for e in self.transcript() if e.from_bot and not e.deleted]

    @property
    def last(self) -> Entry:
        """The latest bot message as shown now."""
        entries = self.bot_entries()
        if not entries:
            raise AssertionError(f"the bot has shown nothing to {self.user_id}")
        return entries[-1]

    @property
    def buttons(self) -> list[str]:
        """Labels on the latest bot message that has an inline keyboard."""
        for entry in reversed(self.bot_entries()):
            if entry.buttons:
                return entry.labels
        return []

    def texts(self) -> list[str]:
        """All visible bot message texts in this chat, in order."""
        return [e.text for e in self.bot_entries()]

    @property
    def last_answer(self) -> dict[str, object] | None:
        """answerCallbackQuery parameters for my latest press (None if unanswered)."""
        if self.last_query_id is None:
            return None
        return self.api.callback_answers().get(self.last_query_id)

    # ------------------------------------------------------------------ internals

    def _find_button(self, label: str) -> tuple[Entry, str]:
        entries = self.bot_entries()
        for exact in (True, False):
            for entry in reversed(entries):
                for row in entry.buttons:
                    for text, value in row:
                        if text == label if exact else text.startswith(label):
                            if value.startswith(_NOT_CALLBACK):
                                raise AssertionError(f"button {text!r} is not a callback button ({value})")
                            return entry, value
        shown = [f"  message {e.message_id}: {e.labels}" for e in entries if e.buttons] or ["  (no buttons)"]
        raise AssertionError(f"no button {label!r}; visible buttons:\n" + "\n".join(shown))

    def _visible(self, record: CallRecord) -> bool:
        return record.method in VISIBLE_METHODS and record.chat_id == self.chat_id

    def _act(self, action: Callable[[], object], timeout: float, quiet: float | None) -> list[Entry]:
        before = {e.message_id: e for e in self.transcript() if e.from_bot}
        mark = self.api.call_count()
        action()
        self._wait(mark, timeout, quiet)
        changed = []
        for entry in self.transcript():
            if not entry.from_bot:
                continue
            old = before.get(entry.message_id)
            if old is None or old != entry:
                changed.append(entry)
        return changed

    def _wait(self, mark: int, timeout: float, quiet: float | None) -> None:
        """Wait for a first visible call on this chat, then for ``settle`` seconds of quiet."""
        start = time.monotonic()
        first_deadline = start + (quiet if quiet is not None else timeout)
        hard_deadline = start + 2 * timeout + 5  # a bot that never stops talking is a failure too
        while True:
            version = self.api.version
            now = time.monotonic()
            visible = [r for r in self.api.records(mark) if self._visible(r)]
            if not visible:
                if now >= first_deadline:
                    if quiet is not None:
                        return
                    raise AssertionError(
                        f"the bot did not answer user {self.user_id} within {timeout}s; recent Bot API calls:\n"
                        f"{self.api.dump_calls()}"
                    )
                wait = first_deadline - now
            else:
                pending = any(r.finished is None for r in visible)
                last = max((r.finished for r in visible if r.finished is not None), default=now)
                if not pending and now - last >= self.settle:
                    return
                if now >= hard_deadline:
                    raise AssertionError(
                        f"the bot did not settle for user {self.user_id}; recent Bot API calls:\n"
                        f"{self.api.dump_calls()}"
                    )
                wait = self.settle - (now - last) if not pending else self.settle
            self.api.wait_version(version, max(0.01, min(wait, hard_deadline - now)))
