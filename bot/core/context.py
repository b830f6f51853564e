"""What every flow needs: the settings built once at start (`Core`) and the event being handled (`Turn`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.handover.flags import Flags
from bot.core.knowledge.answers import Answers
from bot.core.messages import Button, Inbound, Outbound, Reply
from bot.core.partners.content import Partners
from bot.core.screening.model import Screening
from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.db.models import Resident
from bot.i18n import Catalogs

STEP_MENU = "menu"  # the resident's step when no flow is open


def menu_row(t: Texts) -> tuple[Button, ...]:
    """The way back to the menu that every screen offers."""
    return (Button(t("⬅️ Menu"), "menu"),)


@dataclass(frozen=True)
class Core:
    """What the dialogue needs, built once at start and never changed afterwards."""

    catalogs: Catalogs
    territory: Territory
    screening: Screening | None = None
    answers: Answers | None = None
    counsellors: str = ""  # the counsellors' group (a chat id); empty: handover not set up
    counsellors_channel: str = ""  # the channel that group is on, named by the runtime
    flags: Flags = field(default_factory=Flags)
    coordinators: frozenset[str] = frozenset()  # "channel:user id" of each coordinator
    bot_username: str = ""  # the bot's @username (without @), for the links of outreach campaigns
    partners: Partners = field(default_factory=Partners)  # knowledge/partners.yml: who can help
    default_language: str = "fr"
    retention_days: int = 730
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass
class Turn:
    """One inbound event being handled: who, in which words, when, and the reply being built.

    It lives for one event and one transaction, so flows take it instead of six parameters."""

    session: AsyncSession
    resident: Resident
    inbound: Inbound
    t: Texts
    reply: Reply
    now: datetime
    created: bool = False

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = (), *, replace: bool = False) -> None:
        self.reply.messages.append(Outbound(text, buttons, replace=replace))


# A command's handler ("/menu"): the whole event is in the turn.
Command = Callable[[Turn], Awaitable[None]]

# A button's handler: the action's argument (after its route) in, False when the press is not valid now.
Handler = Callable[[Turn, str], Awaitable[bool]]
