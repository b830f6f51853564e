"""A counsellor's `/partner WORDS` in a resident's topic: the best-matching partner's card goes to the
resident, in their language, through the outbox; the topic says which one went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import outbox
from bot.core.partners import service
from bot.core.partners.cards import card
from bot.core.partners.content import Partners
from bot.core.texts import Texts
from bot.db.models import Resident
from bot.i18n import Catalogs

SHOWN = 6  # names listed when the words match several partners


async def send_card(
    session: AsyncSession,
    resident: Resident,
    partners: Partners,
    words: str,
    catalogs: Catalogs,
    now: datetime,
    ours: str | None = None,
) -> tuple[str, str | None]:
    """What to say in the topic (in French, for the counsellors), and the id of the partner sent, if any."""
    fr = Texts.escape
    if not partners.items:
        return "Aucun partenaire dans knowledge/partners.yml.", None
    exact = partners.get(words.strip().lower())
    found = [exact] if exact is not None else service.find(partners, words)
    if not words.strip() or not found:
        listed = ", ".join(f"{fr(p.name)} ({p.id})" for p in partners.items)
        return (
            f"🤝 /partner suivi d'un nom, d'un identifiant ou d'un domaine (financing, youth…). Partenaires : {listed}",
            None,
        )
    best = found[0]
    others = [p for p in found[1:SHOWN] if p.id != best.id]
    t = Texts(catalogs, resident.language)
    await outbox.enqueue(session, resident, card(best, t, ours=ours), "relay_out", now, urgent=True)
    said = f"🤝 Fiche envoyée : <b>{fr(best.name)}</b> (en {fr(resident.language)})."
    if others:
        said += " Autres réponses : " + ", ".join(f"/partner {p.id}" for p in others)
    return said, best.id
