"""Callback data: what a button carries to Telegram and back, always opaque and within 64 bytes.

A keyboard's buttons carry only "<screen>.<n>": the screen's stamp and the button's place on it.
What the button does (its action, such as "ss.b.<session key>") stays on the resident's row, so
no content id travels in clear and a forged or old press finds nothing to do. A few buttons must
outlive the screen (a reminder's "I can't come", sent hours later through the outbox): they carry
"x:<action>.<token>", where the token is a random key into server-side state (a booking).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.messages import CALLBACK_DATA_MAX_BYTES, Button, Outbound

STANDING = "x:"


@dataclass(frozen=True)
class Press:
    """A parsed press: a button of a stamped screen, or a standing action."""

    screen: int | None = None
    index: int | None = None
    standing: str | None = None


def standing(action: str) -> str:
    """Data for a button that stays valid across screens; its action must name only opaque tokens."""
    data = STANDING + action
    if not 1 <= len(data.encode()) <= CALLBACK_DATA_MAX_BYTES:
        raise ValueError(f"callback data must be 1-64 bytes: {data!r}")
    return data


def stamp(messages: list[Outbound], screen: int) -> tuple[list[Outbound], list[str]]:
    """Replace each button's action by "<screen>.<n>"; return the messages and the actions by n."""
    actions: list[str] = []

    def opaque(button: Button) -> Button:
        if button.url is not None or button.data.startswith(STANDING):
            return button
        actions.append(button.data)
        return Button(button.label, f"{screen}.{len(actions) - 1}")

    stamped = [
        replace(message, buttons=tuple(tuple(opaque(b) for b in row) for row in message.buttons))
        for message in messages
    ]
    return stamped, actions


def parse(data: str) -> Press | None:
    """None for anything that is not data this bot made."""
    if data.startswith(STANDING):
        action = data[len(STANDING) :]
        return Press(standing=action) if action else None
    screen, dot, index = data.partition(".")
    if not dot or not screen.isdigit() or not index.isdigit() or len(data) > CALLBACK_DATA_MAX_BYTES:
        return None
    return Press(screen=int(screen), index=int(index))
