"""What a resident sees of broadcasts: the one question after consent, *Stop these messages* (and
`/stop`), and the *Book* button of an announcement."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bot.core.broadcasts import service as broadcasts
from bot.core.context import Command, Handler, Turn
from bot.core.messages import Button
from bot.core.privacy.service import has_consent
from bot.core.sessions import service as sessions
from bot.db.models import Booking

# Runs another flow's button action for this turn (the dialogue's dispatch): where to carry on.
CarryOn = Callable[[Turn, str], Awaitable[bool]]


class BroadcastsFlow:
    STANDING = (broadcasts.STOP, broadcasts.BOOK)  # on announcements, valid whatever the screen

    def __init__(self, carry_on: CarryOn) -> None:
        self.carry_on = carry_on

    def routes(self) -> dict[str, Handler]:
        return {
            "an.y": lambda turn, _: self._answer(turn, True),
            "an.n": lambda turn, _: self._answer(turn, False),
            broadcasts.STOP: lambda turn, _: self._stop(turn),
            broadcasts.BOOK: self._book,
        }

    def commands(self) -> dict[str, Command]:
        async def stop(turn: Turn) -> None:
            await self._stop_all(turn)

        return {"stop": stop}

    def ask(self, turn: Turn, then: str, *, thanks: bool = True) -> None:
        """Right after consent (or, once, on the return of someone who agreed before announcements
        existed): one short question, then on with what the resident was doing."""
        t = turn.t
        turn.resident.step_data = {**turn.resident.step_data, "then": then}
        text = (t("✅ Merci, c'est noté.") + "\n\n" if thanks else "") + t(
            "📣 Une dernière question : voulez-vous recevoir ici les annonces d'ateliers et de réunions ?\n"
            "Un message par jour au plus, jamais le soir. Vous pourrez arrêter quand vous voulez."
        )
        buttons = ((Button(t("🔔 Oui, volontiers"), "an.y"), Button(t("Non merci"), "an.n")),)
        turn.say(text, buttons, replace=True)

    async def _answer(self, turn: Turn, yes: bool) -> bool:
        resident = turn.resident
        if not has_consent(resident) or "then" not in resident.step_data:
            return False  # an old question, already answered
        await broadcasts.choose(turn.session, resident, yes)
        then = str(resident.step_data.get("then") or "")
        resident.step_data = {k: v for k, v in resident.step_data.items() if k != "then"}
        if yes:
            note = turn.t("🔔 C'est noté : je vous enverrai les annonces.")
        else:
            note = turn.t("👍 C'est noté : pas d'annonces.")
        turn.say(note + " " + turn.t("Vous pouvez changer d'avis dans 🔒 Mes données."), replace=True)
        return await self.carry_on(turn, then or "menu")

    async def _stop(self, turn: Turn) -> bool:
        handled = await self._stop_all(turn)
        _keep_the_announcement(turn)
        return handled

    async def _stop_all(self, turn: Turn) -> bool:
        resident, t = turn.resident, turn.t
        if resident.announcements != broadcasts.YES:
            turn.say(t("Vous ne recevez pas d'annonces. Rien à arrêter 🙂"))
        else:
            await broadcasts.choose(turn.session, resident, False)
            turn.say(
                t("🔕 C'est noté : vous ne recevrez plus d'annonces.")
                + "\n"
                + t("Pour les recevoir de nouveau : 🔒 Mes données.")
            )
        return await self.carry_on(turn, "menu")

    async def _book(self, turn: Turn, token: str) -> bool:
        """Books like the list does (waiting list included), and counts for the broadcast's report."""
        session = turn.session
        broadcast = await broadcasts.by_token(session, token)
        info = await sessions.get(session, broadcast.session_key) if broadcast and broadcast.session_key else None
        if broadcast is None or info is None:
            return False
        active = (*sessions.HOLDS_SEAT, sessions.WAITLISTED)
        before = await _booking(turn, info.id)
        had = before is not None and before.status in active
        handled = await self.carry_on(turn, "ss.b." + info.key)
        _keep_the_announcement(turn)
        after = await _booking(turn, info.id)
        if not had and after is not None and after.status in active:
            broadcast.bookings += 1
        return handled


def _keep_the_announcement(turn: Turn) -> None:
    """A press on an announcement is answered below it: the announcement itself stays as it was."""
    turn.reply.messages = [dataclasses.replace(m, replace=False) for m in turn.reply.messages]


async def _booking(turn: Turn, session_id: int) -> Booking | None:
    query = select(Booking).where(Booking.session_id == session_id, Booking.resident_id == turn.resident.id)
    return (await turn.session.execute(query)).scalar_one_or_none()
