"""What the adapters hand to the core and what the core hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    message_id: str = ""  # the message itself, so a relay can copy it (photo, voice, document)


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.data.encode()) <= CALLBACK_DATA_MAX_BYTES:
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
    """A small file sent with a message, such as an .ics calendar entry."""

    filename: str
    mime_type: str
    content: str


@dataclass(frozen=True)
class Outbound:
    """One message. `text` is HTML whose variable parts are already escaped.

    `replace` asks the adapter to edit the message whose button was pressed, so step-by-step
    flows do not fill the chat; results that matter are sent as new messages.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    venue: Venue | None = None
    document: Document | None = None
    thread_id: str | None = None  # in a forum group: the topic to write in
    topic_name: str | None = None  # create the topic under this name when it is missing or was deleted
    handover_id: int | None = None  # the handover whose topic this is, to remember a (re)created topic
    copy_of: tuple[str, str] | None = None  # (chat id, message id): send a copy of that message instead of text
    track: str | None = None  # remember where this message lands under this key ("chat:message" it relays)
    edit_of: str | None = None  # edit the message remembered under this key instead; sent anew when that fails
    edit_only: bool = False  # with `edit_of`: when the edit cannot be made, send nothing
    reopen: bool = False  # a returning resident's topic: open it again (if closed) and rename it first
    caption: bool = False  # with `edit_of`: `text` is the new caption of a photo, file or voice note

    def to_payload(self) -> dict[str, Any]:
        """JSON for the outbox table."""
        return {
            "text": self.text,
            "buttons": [[[b.label, b.data] for b in row] for row in self.buttons],
            "venue": None if self.venue is None else vars(self.venue),
            "document": None if self.document is None else vars(self.document),
            "thread_id": self.thread_id,
            "topic_name": self.topic_name,
            "handover_id": self.handover_id,
            "copy_of": list(self.copy_of) if self.copy_of else None,
            "track": self.track,
            "edit_of": self.edit_of,
            "edit_only": self.edit_only,
            "reopen": self.reopen,
            "caption": self.caption,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outbound:
        return cls(
            text=str(payload["text"]),
            buttons=tuple(tuple(Button(str(label), str(data)) for label, data in row) for row in payload["buttons"]),
            venue=Venue(**payload["venue"]) if payload.get("venue") else None,
            document=Document(**payload["document"]) if payload.get("document") else None,
            thread_id=payload.get("thread_id"),
            topic_name=payload.get("topic_name"),
            handover_id=payload.get("handover_id"),
            copy_of=(str(payload["copy_of"][0]), str(payload["copy_of"][1])) if payload.get("copy_of") else None,
            track=payload.get("track"),
            edit_of=payload.get("edit_of"),
            edit_only=bool(payload.get("edit_only")),
            reopen=bool(payload.get("reopen")),
            caption=bool(payload.get("caption")),
        )


@dataclass
class Reply:
    """The core's answer to one inbound event.

    `notice` is the short text for the button press acknowledgement; every press gets one answer,
    even an empty one, so the button stops spinning; `alert` shows it as a box the person closes.
    `old_keyboard` is the message that holds the keyboard shown before: once a newer keyboard is
    shown, the adapter removes it, so only one set of buttons is ever alive.
    """

    messages: list[Outbound] = field(default_factory=list)
    notice: str = ""
    alert: bool = False
    old_keyboard: str | None = None
