"""Handing a resident's conversation to a human counsellor, and back: state, card and audit log.

One handover is open at a time per resident; its forum topic in the counsellors' group is kept
across handovers, so a resident who comes back lands in the same topic. Every counsellor action is
written to the audit log. The adapter does the Telegram part (topics, relays); this module decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.db.models import AuditEntry, Handover, Relay, Resident
from bot.i18n import LANGUAGE_NAMES, format_clock, format_day

OPEN, TAKEN, CLOSED = "open", "taken", "closed"
ACTIVE = (OPEN, TAKEN)
OUTCOMES = {"booked": "inscrit à une réunion", "partner": "orienté vers un partenaire", "none": "sans suite"}
REASONS = {
    "asked": "a demandé à parler à quelqu'un",
    "faq_unsure": "questions sans réponse sûre",
    "screening": "conseillé par le questionnaire",
    "distress": "message inquiétant (mots repérés, à vérifier)",
}
TOPIC_NAME_MAX = 128  # Telegram's limit for a forum topic name


async def current(session: AsyncSession, resident: Resident) -> Handover | None:
    """The resident's open or taken handover, if any."""
    return await session.scalar(
        select(Handover).where(Handover.resident_id == resident.id, Handover.status.in_(ACTIVE))
    )


async def open_handover(session: AsyncSession, resident: Resident, reason: str, now: datetime) -> tuple[Handover, bool]:
    """Open a handover, or return the one already open; True when it is new."""
    existing = await current(session, resident)
    if existing is not None:
        return existing, False
    previous_thread = await session.scalar(
        select(Handover.thread_id)
        .where(Handover.resident_id == resident.id, Handover.thread_id.is_not(None))
        .order_by(Handover.opened_at.desc())
        .limit(1)
    )
    handover = Handover(resident_id=resident.id, status=OPEN, reason=reason, thread_id=previous_thread, opened_at=now)
    session.add(handover)
    await session.flush()
    return handover, True


async def thread_of(session: AsyncSession, handover_id: int) -> str | None:
    handover = await session.get(Handover, handover_id)
    return handover.thread_id if handover is not None else None


async def set_thread(session: AsyncSession, handover_id: int, thread_id: str) -> None:
    """The resident's topic, recorded on every handover of theirs so the next one reuses it."""
    handover = await session.get(Handover, handover_id)
    if handover is not None:
        handover.thread_id = thread_id


async def remember_relay(
    session: AsyncSession, handover_id: int, source: str, chat_id: str, message_id: str, now: datetime
) -> None:
    """Where the message known as `source` landed, so its edits can follow it (a resend overwrites)."""
    if await session.get(Handover, handover_id) is None:
        return  # erased in the meantime: keep nothing
    row = await session.scalar(select(Relay).where(Relay.source == source))
    if row is None:
        session.add(
            Relay(handover_id=handover_id, source=source, chat_id=chat_id, message_id=message_id, created_at=now)
        )
    else:
        row.chat_id, row.message_id = chat_id, message_id


async def relayed_as(session: AsyncSession, source: str) -> tuple[str, str] | None:
    """(chat id, message id) of the copy of `source`, if it was delivered."""
    row = await session.scalar(select(Relay).where(Relay.source == source))
    return (row.chat_id, row.message_id) if row is not None else None


def source_key(chat_id: str, message_id: str) -> str:
    return f"{chat_id}:{message_id}"


def card_key(handover: Handover) -> str:
    return f"card:{handover.id}"


def audit(
    session: AsyncSession, actor: str, action: str, handover: Handover | None, now: datetime, detail: str = ""
) -> None:
    session.add(
        AuditEntry(
            at=now, actor=actor, action=action, handover_id=handover.id if handover else None, detail=detail or None
        )
    )


def take(session: AsyncSession, handover: Handover, counsellor_id: str, name: str, now: datetime) -> None:
    handover.status = TAKEN
    handover.counsellor_id, handover.counsellor_name, handover.taken_at = counsellor_id, name, now
    audit(session, counsellor_id, "take", handover, now)


def close(session: AsyncSession, handover: Handover, actor: str, outcome: str, now: datetime) -> None:
    """`/release` closes with outcome "released"; `/close` with one of OUTCOMES."""
    handover.status, handover.outcome, handover.closed_at = CLOSED, outcome, now
    audit(session, actor, "release" if outcome == "released" else "close", handover, now, outcome)


async def queue(session: AsyncSession) -> list[tuple[Handover, Resident]]:
    """Active handovers, oldest first, with their residents: the `/queue` of the general topic."""
    rows = await session.execute(
        select(Handover, Resident)
        .join(Resident, Resident.id == Handover.resident_id)
        .where(Handover.status.in_(ACTIVE))
        .order_by(Handover.opened_at)
    )
    return [(h, r) for h, r in rows]


async def to_raise_again(session: AsyncSession, now: datetime, after: timedelta) -> list[Handover]:
    """Handovers nobody took within `after` (and not raised in the last `after`)."""
    cutoff = now - after
    found = await session.scalars(
        select(Handover)
        .where(Handover.status == OPEN, Handover.opened_at <= cutoff)
        .where((Handover.raised_at.is_(None)) | (Handover.raised_at <= cutoff))
        .order_by(Handover.opened_at)
    )
    return list(found)


def topic_name(resident: Resident, territory: Territory) -> str:
    """ "Amina · العربية · Croix-de-Neyrat": who, which language, where from, at a glance."""
    parts = [resident.first_name or "Sans prénom", LANGUAGE_NAMES.get(resident.language, resident.language)]
    if resident.source and resident.source.startswith("nb-"):
        place = territory.neighbourhood(resident.source[3:])
        if place is not None:
            parts.append(place.name)
    return " · ".join(parts)[:TOPIC_NAME_MAX]


def waiting_time(handover: Handover, now: datetime) -> str:
    minutes = max(0, int((now - handover.opened_at).total_seconds() // 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d}"


def expected_reply(territory: Territory, t: Texts, now: datetime) -> str:
    """What the resident is told: soon during office hours, otherwise the next opening."""
    if territory.is_open(now):
        return t("🙋 C'est noté : une personne va vous répondre ici, en général dans l'heure.")
    opening = territory.next_opening(now)
    if opening is None:
        return t("🙋 C'est noté : une personne vous répondra ici dès que possible.")
    return t(
        "🙋 C'est noté : une personne vous répondra ici à l'ouverture, {day} à {time}.",
        day=format_day(opening, t.lang),
        time=format_clock(opening, t.lang),
    )


def card(
    resident: Resident,
    handover: Handover,
    territory: Territory,
    *,
    screening: str | None = None,
    bookings: Sequence[str] = (),
    messages: Sequence[str] = (),
) -> str:
    """The card that opens a resident's topic, in French for the counsellors: who, how they came,
    what the questionnaire said, their bookings and what they wrote. `screening` is already HTML."""
    fr = Texts.escape
    source = "—"
    if resident.source and resident.source.startswith("nb-"):
        place = territory.neighbourhood(resident.source[3:])
        source = f"lien du quartier {place.name}" if place else resident.source
    elif resident.source:
        source = "lien d'un événement"
    name = fr(resident.first_name or "sans prénom")
    lines = [
        f"🙋 <b>Demande de {name}</b> : {REASONS.get(handover.reason, handover.reason)}",
        f"Langue : {LANGUAGE_NAMES.get(resident.language, resident.language)}",
        f"Arrivée par : {fr(source)}",
        f"Premier message : {format_day(resident.created_at, 'fr')}",
    ]
    if handover.counsellor_name:
        lines.append(f"Prise en charge par : {fr(handover.counsellor_name)}")
    lines += ["", screening or "Pas de questionnaire rempli."]
    if bookings:
        lines += ["", "<b>Réunions</b>", *(f"• {fr(b)}" for b in bookings)]
    if messages:
        lines += ["", "<b>Ses derniers messages au bot</b>", *(f"• {fr(m[:300])}" for m in messages)]
    lines += [
        "",
        "Répondez dans ce sujet : vos messages lui sont transmis tels quels (sans traduction), sous votre prénom.",
        "« // » au début d'un message : note interne, non transmise. /take : je m'en occupe. "
        "/release : rendre au bot. /close booked|partner|none : terminer. "
        "/partner MOTS : lui envoyer la fiche d'un partenaire.",
    ]
    return "\n".join(lines)
