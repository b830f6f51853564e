"""The report a coordinator gets in Telegram when their broadcast is done, and the bookings its
*Book* button brought a few days later."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.broadcasts import service as broadcasts
from bot.core.messages import Outbound
from bot.core.texts import Texts
from bot.db.models import Broadcast, Resident
from bot.i18n import LANGUAGE_NAMES, Catalogs

FOLLOW_UP_AFTER = timedelta(days=3)


def done_text(broadcast: Broadcast, counts: dict[str, dict[str, int]], t: Texts) -> str:
    total = broadcasts.totals(counts)
    first = t.escape(str(broadcast.texts.get("fr", "")).splitlines()[0][:80])
    lines = [
        t("📣 <b>Annonce n° {number} : envoi terminé</b>", number=broadcast.id),
        f"« {first} »",
        "",
        t("✅ Envoyées : {count}", count=total.get("sent", 0)),
        t("🚫 Bot bloqué : {count}", count=total.get("blocked", 0)),
        t("⚠️ Échecs : {count}", count=total.get("failed", 0)),
    ]
    if total.get("cancelled", 0) or total.get("expired", 0):
        lines.append(t("⏹️ Pas envoyées : {count}", count=total.get("cancelled", 0) + total.get("expired", 0)))
    lines += ["", t("Par langue :")]
    for lang, by in sorted(counts.items()):
        lines.append(
            "• "
            + t(
                "{language} : ✅ {sent} · 🚫 {blocked} · ⚠️ {failed}",
                language=LANGUAGE_NAMES.get(lang, lang),
                sent=by.get("sent", 0),
                blocked=by.get("blocked", 0),
                failed=by.get("failed", 0),
            )
        )
    if broadcast.session_key:
        lines += ["", t("Je vous dirai dans 3 jours combien de places ont été réservées avec le bouton.")]
    return "\n".join(lines)


def follow_up_text(broadcast: Broadcast, t: Texts) -> str:
    return t.plural(
        "📣 Annonce n° {number} : {n} réservation faite avec son bouton « Je réserve ».",
        "📣 Annonce n° {number} : {n} réservations faites avec son bouton « Je réserve ».",
        broadcast.bookings,
        number=broadcast.id,
    )


async def _language_of(session: AsyncSession, address: str, default: str) -> str:
    channel, _, user = address.partition(":")
    resident = (
        await session.execute(select(Resident).where(Resident.channel == channel, Resident.external_id == user))
    ).scalar_one_or_none()
    return resident.language if resident is not None else default


async def _tell(
    session: AsyncSession, broadcast: Broadcast, catalogs: Catalogs, text_of: Callable[[Texts], str], now: datetime
) -> None:
    address = broadcast.report_to or ""
    channel, _, chat = address.partition(":")
    if not chat:
        return
    t = Texts(catalogs, await _language_of(session, address, catalogs.default))
    outbox.enqueue_to(session, channel, chat, Outbound(text_of(t)), "broadcast_report", now)


async def report(session: AsyncSession, catalogs: Catalogs, now: datetime) -> int:
    """Done broadcasts are reported to whoever sent them; three days on, the bookings they brought."""
    finished = await broadcasts.finish(session, now)
    for broadcast in finished:
        counts = broadcast.counts or {}
        await _tell(session, broadcast, catalogs, functools.partial(done_text, broadcast, counts), now)
    due = await session.execute(
        select(Broadcast).where(
            Broadcast.status == "done",
            Broadcast.session_key.is_not(None),
            Broadcast.followed_up_at.is_(None),
            Broadcast.done_at <= now - FOLLOW_UP_AFTER,
        )
    )
    for broadcast in due.scalars():
        broadcast.followed_up_at = now
        await _tell(session, broadcast, catalogs, functools.partial(follow_up_text, broadcast), now)
    return len(finished)
