"""Broadcasts: who wants announcements, who a broadcast reaches, queueing it in the outbox's last
lane, and its counts. Only residents who agreed to the bot's use of their data *and* said yes to
announcements are ever counted or reached; someone who blocked the bot is never tried again."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.broadcasts.compose import Audience, Draft
from bot.core.messages import Button, Outbound
from bot.core.privacy.service import CONSENT_YES
from bot.core.screening import runs
from bot.core.screening.model import Screening
from bot.core.sessions import service as sessions
from bot.core.texts import Texts
from bot.db.engine import rows_changed
from bot.db.models import Booking, Broadcast, InfoSession, OutboxMessage, Resident, ScreeningRun
from bot.i18n import Catalogs

YES, NO = "yes", "no"
KIND = "broadcast"
STOP = "bc.stop"  # the standing action of "Stop these messages"
BOOK = "bc.b."  # + the broadcast's token: its *Book* button
KEEP_ROWS = timedelta(days=2)  # a done broadcast's rows count for the one-a-day rule, then go


@dataclass
class Preview:
    """What a coordinator checks before sending: who gets it, in which language."""

    per_language: dict[str, int] = field(default_factory=dict)
    fallback: int = 0  # residents whose language has no text: they get the French one
    texts: dict[str, str] = field(default_factory=dict)  # language -> the text as they will see it

    @property
    def total(self) -> int:
        return sum(self.per_language.values())


def wants(resident: Resident) -> bool:
    return resident.consent == CONSENT_YES and resident.announcements == YES and resident.blocked_at is None


async def choose(session: AsyncSession, resident: Resident, yes: bool) -> None:
    """Yes or no to announcements; no also drops those still waiting to be sent."""
    resident.announcements = YES if yes else NO
    if not yes:
        await outbox.cancel_lane(session, resident.channel, resident.external_id, outbox.LANE_BROADCASTS)


async def create(
    session: AsyncSession, draft: Draft, created_by: str, report_to: str | None, now: datetime
) -> Broadcast:
    """A draft, stored so that `send` can queue it later; checks the session it names."""
    if draft.session_key is not None and await sessions.get(session, draft.session_key) is None:
        raise ValueError(f"session {draft.session_key!r} does not exist (see `tremplin sessions list`)")
    broadcast = Broadcast(
        texts=dict(draft.texts),
        session_key=draft.session_key,
        audience=draft.audience.to_json(),
        send_at=draft.send_at,
        status="draft",
        created_by=created_by,
        report_to=report_to,
        created_at=now,
        token=secrets.token_urlsafe(6),
        bookings=0,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast


async def recipients(
    session: AsyncSession, audience: Audience, screening: Screening | None, now: datetime
) -> list[Resident]:
    """Everyone the audience names, among residents who want announcements and can receive them."""
    query = select(Resident).where(
        Resident.consent == CONSENT_YES, Resident.announcements == YES, Resident.blocked_at.is_(None)
    )
    if audience.languages:
        query = query.where(Resident.language.in_(audience.languages))
    chosen = list((await session.execute(query.order_by(Resident.id))).scalars())
    if audience.neighbourhoods or audience.campaigns:
        chosen = [r for r in chosen if _came_by(r.source or "", audience)]
    if audience.booked is not None:
        booked = await _with_a_seat(session, [r.id for r in chosen], now)
        chosen = [r for r in chosen if (r.id in booked) == audience.booked]
    if audience.outcomes:
        advice = await _advice(session, [r.id for r in chosen], screening)
        chosen = [r for r in chosen if advice.get(r.id) in audience.outcomes]
    return chosen


def _came_by(source: str, audience: Audience) -> bool:
    """The neighbourhood of the link a resident came by ("nb-<code>", "cp<n>-<code>[-<event>]")."""
    if audience.campaigns and source not in audience.campaigns:
        return False
    if not audience.neighbourhoods:
        return True
    if source.startswith("nb-"):
        return source[3:] in audience.neighbourhoods
    rest = source.partition("-")[2] if source.startswith("cp") else ""
    return any(rest == code or rest.startswith(code + "-") for code in audience.neighbourhoods)


async def _with_a_seat(session: AsyncSession, ids: list[int], now: datetime) -> set[int]:
    if not ids:
        return set()
    rows = await session.execute(
        select(Booking.resident_id)
        .join(InfoSession, InfoSession.id == Booking.session_id)
        .where(Booking.resident_id.in_(ids), Booking.status.in_(sessions.HOLDS_SEAT), InfoSession.starts_at > now)
    )
    return {int(resident_id) for resident_id in rows.scalars()}


async def _advice(session: AsyncSession, ids: list[int], screening: Screening | None) -> dict[int, str]:
    """The advice of each resident's newest finished screening (ready, not_yet, job_first)."""
    if screening is None or not ids:
        return {}
    rows = await session.execute(
        select(ScreeningRun)
        .where(ScreeningRun.resident_id.in_(ids), ScreeningRun.outcome.is_not(None))
        .order_by(ScreeningRun.resident_id, ScreeningRun.id)
    )
    newest = {run.resident_id: run for run in rows.scalars()}
    found: dict[int, str] = {}
    for resident_id, run in newest.items():
        given = {q: tuple(v) for q, v in (run.outcome or {}).get("answers", {}).items()}
        found[resident_id] = screening.advice(given, runs.stored_outcome(screening, run))
    return found


def message(broadcast: Broadcast, catalogs: Catalogs, language: str) -> Outbound:
    """The announcement as one language sees it: its text (or the French one), *Book*, *Stop*."""
    t = Texts(catalogs, language)
    text = str(broadcast.texts.get(language) or broadcast.texts["fr"])
    rows: list[tuple[Button, ...]] = []
    if broadcast.session_key:
        rows.append((Button(t("✅ Je réserve ma place"), "x:" + BOOK + broadcast.token),))
    rows.append((Button(t("🔕 Ne plus recevoir ces messages"), "x:" + STOP),))
    return Outbound(f"📣 {text}", tuple(rows))


async def preview(
    session: AsyncSession, broadcast: Broadcast, catalogs: Catalogs, screening: Screening | None, now: datetime
) -> Preview:
    people = await recipients(session, Audience.from_json(broadcast.audience), screening, now)
    counted = Counter(r.language for r in people)
    shown = Preview(per_language=dict(sorted(counted.items())))
    shown.fallback = sum(n for lang, n in counted.items() if not broadcast.texts.get(lang))
    shown.texts = {lang: message(broadcast, catalogs, lang).text for lang in sorted(counted) or ["fr"]}
    return shown


async def queue(
    session: AsyncSession, broadcast: Broadcast, catalogs: Catalogs, screening: Screening | None, now: datetime
) -> int:
    """One outbox row per recipient, in the broadcasts' lane, due at its time; the sender keeps the
    quiet hours and the one-a-day rule when it sends (a long broadcast may run into the evening)."""
    if broadcast.status != "draft":
        raise ValueError(f"broadcast {broadcast.id} is {broadcast.status}, not a draft")
    people = await recipients(session, Audience.from_json(broadcast.audience), screening, now)
    shown = {lang: message(broadcast, catalogs, lang) for lang in {r.language for r in people}}
    due = broadcast.send_at if broadcast.send_at is not None and broadcast.send_at > now else now
    for resident in people:
        text = shown[resident.language]  # urgent: the quiet hours are kept by the sender, not here
        await outbox.enqueue(session, resident, text, KIND, now, due_at=due, broadcast_id=broadcast.id, urgent=True)
    broadcast.status = "queued"
    broadcast.queued_at = now
    return len(people)


async def cancel(session: AsyncSession, broadcast: Broadcast) -> int:
    """Stops what is not sent yet; returns how many messages will not go."""
    if broadcast.status not in ("draft", "queued"):
        raise ValueError(f"broadcast {broadcast.id} is {broadcast.status}: nothing left to stop")
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == "pending")
        .values(status="cancelled")
    )
    broadcast.status = "cancelled"
    return rows_changed(result)


async def counts(session: AsyncSession, broadcast: Broadcast) -> dict[str, dict[str, int]]:
    """Language -> status (pending, sent, blocked, failed, cancelled) -> how many; kept once done."""
    if broadcast.counts is not None:
        return {lang: dict(by) for lang, by in broadcast.counts.items()}
    rows = await session.execute(
        select(OutboxMessage.language, OutboxMessage.status, OutboxMessage.last_error, func.count())
        .where(OutboxMessage.broadcast_id == broadcast.id)
        .group_by(OutboxMessage.language, OutboxMessage.status, OutboxMessage.last_error)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for lang, status, error, n in rows:
        name = "blocked" if status == "failed" and _was_blocked(error) else status
        found[str(lang)][name] = found[str(lang)].get(name, 0) + int(n)
    return dict(found)


def _was_blocked(error: str | None) -> bool:
    return "blocked" in (error or "").lower() or "forbidden" in (error or "").lower()


async def finish(session: AsyncSession, now: datetime) -> list[Broadcast]:
    """Queued broadcasts with nothing left to send become done, with their counts kept."""
    queued = list((await session.execute(select(Broadcast).where(Broadcast.status == "queued"))).scalars())
    done: list[Broadcast] = []
    for broadcast in queued:
        waiting = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == "pending")
        )
        if waiting:
            continue
        broadcast.counts = await counts(session, broadcast)
        broadcast.status = "done"
        broadcast.done_at = now
        done.append(broadcast)
    return done


async def forget_rows(session: AsyncSession, now: datetime) -> int:
    """A done or cancelled broadcast's rows (who got it) go after two days; only its counts stay."""
    finished = select(Broadcast.id).where(Broadcast.status.in_(("done", "cancelled")))
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.broadcast_id.in_(finished), OutboxMessage.created_at < now - KEEP_ROWS
        )
    )
    return rows_changed(result)


async def listed(session: AsyncSession) -> list[Broadcast]:
    """Newest first."""
    return list((await session.execute(select(Broadcast).order_by(Broadcast.id.desc()))).scalars())


async def by_token(session: AsyncSession, token: str) -> Broadcast | None:
    return (await session.execute(select(Broadcast).where(Broadcast.token == token))).scalar_one_or_none()


def totals(by_language: dict[str, dict[str, int]]) -> dict[str, Any]:
    summed: Counter[str] = Counter()
    for by in by_language.values():
        summed.update(by)
    return dict(summed)
