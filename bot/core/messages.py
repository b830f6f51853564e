"""What the adapters hand to the core and what the core hands back."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

CALLBACK_DATA_MAX_BYTES = 64


class Kind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    MEDIA = "media"


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: typed, tapped, sent a sticker..."""

    channel: str
    user_id: str
    kind: Kind
    text: str = ""
    command: str = ""
    args: str = ""
    data: str = ""
    media: str = ""
    edited: bool = False
    language_code: str | None = None
    first_name: str | None = None
    group: str = ""  # a group chat's id when the message was written there (the counsellors' group)
    thread_id: str = ""  # its forum topic
    message_id: str = ""  # the message itself, so a relay can copy it; for a press, the pressed message
    event_id: str = ""  # the channel's own id for this event (Telegram's update_id): handled once


@dataclass(frozen=True)
class Button:
    """A button that sends `data` back to the bot, or, with `url`, opens a web page (a partner's site)."""

    label: str
    data: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if self.url is not None:
            if not self.url.startswith(("https://", "http://")) or self.data:
                raise ValueError(f"a link button has an http(s) url and no data: {self.url!r}")
        elif not 1 <= len(self.data.encode()) <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"callback data must be 1-64 bytes: {self.data!r}")


@dataclass(frozen=True)
class Venue:
    """A place the phone can show on a map (Telegram's sendVenue)."""

    title: str
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Document:
    """A file sent with a message: an .ics calendar entry, a CSV table, a QR code, a flyer, a chart.

    `content` is text (sent as UTF-8) or bytes (a PNG, a PDF). A file the core describes but does not
    draw, since drawing needs libraries the core does not load and time a transaction should not wait
    for, carries `drawing` instead: what to draw, in plain JSON values ("kind" says which drawing);
    the runtime draws it once the event's transaction is over (`bot/drawing.py`) and fills `content`.
    """

    filename: str
    mime_type: str
    content: str | bytes = ""
    drawing: Mapping[str, Any] | None = None

    def to_payload(self) -> dict[str, Any]:
        """JSON-safe: bytes travel as base64 under their own key, so text stays readable in the row."""
        data: dict[str, Any] = {"filename": self.filename, "mime_type": self.mime_type}
        if isinstance(self.content, bytes):
            data["content_base64"] = base64.b64encode(self.content).decode("ascii")
        else:
            data["content"] = self.content
        if self.drawing is not None:
            data["drawing"] = dict(self.drawing)
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Document:
        encoded = data.get("content_base64")
        content = base64.b64decode(encoded) if encoded is not None else str(data.get("content", ""))
        drawing = data.get("drawing")
        return cls(str(data["filename"]), str(data["mime_type"]), content, dict(drawing) if drawing else None)


@dataclass(frozen=True)
class Envelope:
    """How one message travels, beyond what it says: filled in by the core, read only by the adapter.

    The core speaks of threads and copies; the Telegram adapter makes them forum topics,
    copyMessage and edits. Stored with the outbox row, so a restart delivers it the same way.
    """

    thread: str | None = None  # in the counsellors' group: the conversation thread to write in
    thread_name: str | None = None  # make the thread under this name when it is missing or was deleted
    handover_id: int | None = None  # the handover whose thread this is, to remember a thread made again
    reopen: bool = False  # a returning resident's thread: open it again (if closed) and rename it first
    copy_of: tuple[str, str] | None = None  # (chat id, message id): send a copy of that message instead of text
    remember: str | None = None  # remember where this message lands under this key ("chat:message" it relays)
    edit_of: str | None = None  # edit the message remembered under this key instead; sent anew when that fails
    edit_only: bool = False  # with `edit_of`: when the edit cannot be made, send nothing
    caption: bool = False  # with `edit_of`: `text` is the new caption of a photo, file or voice note

    def to_payload(self) -> dict[str, Any]:
        """Only what differs from a plain message, so most rows carry nothing."""
        plain = Envelope()
        return {
            name: (list(value) if isinstance(value, tuple) else value)
            for name, value in vars(self).items()
            if value != getattr(plain, name)
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Envelope:
        known = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        if known.get("copy_of"):
            known["copy_of"] = (str(known["copy_of"][0]), str(known["copy_of"][1]))
        return cls(**known)


# Rows written before the envelope kept its fields at the top of the payload, under these names.
LEGACY_ENVELOPE = {
    "thread_id": "thread",
    "topic_name": "thread_name",
    "handover_id": "handover_id",
    "reopen": "reopen",
    "copy_of": "copy_of",
    "track": "remember",
    "edit_of": "edit_of",
    "edit_only": "edit_only",
    "caption": "caption",
}


@dataclass(frozen=True)
class Outbound:
    """One message. `text` is HTML whose variable parts are already escaped.

    `replace` asks the adapter to edit the message whose button was pressed, so step-by-step
    flows do not fill the chat; results that matter are sent as new messages. A message with a
    document and no text is the file alone (its buttons under it), as a QR code or a flyer is sent.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    venue: Venue | None = None
    document: Document | None = None
    envelope: Envelope = field(default_factory=Envelope)

    def to_payload(self) -> dict[str, Any]:
        """JSON for the outbox table."""
        return {
            "text": self.text,
            "buttons": [[[b.label, b.data, *([b.url] if b.url else [])] for b in row] for row in self.buttons],
            "venue": None if self.venue is None else vars(self.venue),
            "document": None if self.document is None else self.document.to_payload(),
            "envelope": self.envelope.to_payload(),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outbound:
        envelope = payload.get("envelope")
        if envelope is None:  # a row written by an older version, still waiting in the outbox
            envelope = {new: payload[old] for old, new in LEGACY_ENVELOPE.items() if payload.get(old) is not None}
        return cls(
            text=str(payload["text"]),
            buttons=tuple(tuple(Button(*(str(part) for part in cell)) for cell in row) for row in payload["buttons"]),
            venue=Venue(**payload["venue"]) if payload.get("venue") else None,
            document=Document.from_payload(payload["document"]) if payload.get("document") else None,
            envelope=Envelope.from_payload(envelope),
        )


@dataclass
class Reply:
    """The core's answer to one inbound event.

    `notice` is the short text for the button press acknowledgement; every press gets one answer,
    even an empty one, so the button stops spinning; `alert` shows it as a box the person closes.
    `old_keyboard` is the message that holds the keyboard shown before: once a newer keyboard is
    shown, the adapter removes it, so only one set of buttons is ever alive. When the new keyboard
    is the pressed message, edited in place, the core records it in the event's own transaction
    (`keyboard`); otherwise the adapter tells which message holds it once Telegram has said.
    """

    messages: list[Outbound] = field(default_factory=list)
    notice: str = ""
    alert: bool = False
    old_keyboard: str | None = None
    keyboard: str | None = None  # the message already recorded as holding the new keyboard (the pressed one)
    done_before: bool = False  # the same event was handled already: nothing to show, nothing to acknowledge
