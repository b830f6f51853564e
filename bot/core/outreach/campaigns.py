"""Outreach campaigns: a link for one neighbourhood (and maybe one event), made by a coordinator."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SUPPORTED_LANGUAGES as SUPPORTED
from bot.core.messages import Document
from bot.core.outreach.service import CAMPAIGN_PREFIX
from bot.core.territory import Territory
from bot.core.texts import N_
from bot.db.models import OutreachArrival, OutreachCampaign
from bot.i18n import Catalogs

MAX_PAYLOAD = 64  # Telegram's limit for ?start=
# What the flyer says, in each of its languages, above and under the QR code.
INVITATION = N_("Vous avez une idée d'entreprise ? Parlons-en, dans votre langue.")
FREE = N_("C'est gratuit, et sans engagement.")


class CampaignError(ValueError):
    """What is wrong with a campaign request, in words a coordinator acts on."""


@dataclass(frozen=True)
class Listed:
    campaign: OutreachCampaign
    arrivals: int


def slug(text: str) -> str:
    """ "Marché du dimanche" -> "marche-du-dimanche": what a start payload may hold."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def link(username: str, payload: str) -> str:
    return f"https://t.me/{username.lstrip('@')}?start={payload}"


def title(campaign: OutreachCampaign, territory: Territory) -> str:
    """What a coordinator and the flyer call it: "Croix-de-Neyrat · Marché du dimanche"."""
    where = territory.neighbourhood(campaign.neighbourhood)
    name = where.name if where is not None else campaign.neighbourhood
    return f"{name} · {campaign.event}" if campaign.event else name


def flyer_drawing(campaign: OutreachCampaign, link_: str, territory: Territory, catalogs: Catalogs) -> dict[str, Any]:
    """The flyer's words in each of its languages, French first: the same flyer from the command line
    and from Telegram (`bot/drawing.py` draws it)."""
    languages = list(dict.fromkeys(["fr", *campaign.languages]))
    return {
        "kind": "flyer",
        "link": link_,
        "title": title(campaign, territory),
        "languages": languages,
        "invitations": {lang: catalogs.gettext(lang, INVITATION) for lang in languages},
        "free": {lang: catalogs.gettext(lang, FREE) for lang in languages},
    }


def material(campaign: OutreachCampaign, link_: str, territory: Territory, catalogs: Catalogs) -> list[Document]:
    """The campaign's QR code (PNG) and flyer (PDF), described here and drawn by the runtime."""
    flyer = flyer_drawing(campaign, link_, territory, catalogs)
    return [
        Document(f"{campaign.payload}-qr.png", "image/png", drawing={"kind": "qr", "link": link_}),
        Document(f"{campaign.payload}-flyer.pdf", "application/pdf", drawing=flyer),
    ]


async def create(
    session: AsyncSession,
    territory: Territory,
    neighbourhood: str,
    event: str | None,
    place: str | None,
    languages: Sequence[str],
    created_by: str,
    now: datetime,
) -> OutreachCampaign:
    """Store a campaign and give it a payload within Telegram's limits: cp<n>-<neighbourhood>[-<event>]."""
    if territory.neighbourhood(neighbourhood) is None:
        known = ", ".join(n.code for n in territory.neighbourhoods)
        raise CampaignError(f"unknown neighbourhood {neighbourhood!r}; known: {known}")
    wanted = list(dict.fromkeys(["fr", *(lang.strip() for lang in languages if lang.strip())]))
    unknown = [lang for lang in wanted if lang not in SUPPORTED]
    if unknown:
        raise CampaignError(f"unknown language(s) {', '.join(unknown)}; known: {', '.join(SUPPORTED)}")
    number = (await session.scalar(select(func.count()).select_from(OutreachCampaign)) or 0) + 1
    payload = f"{CAMPAIGN_PREFIX}{number}-{slug(neighbourhood)}"
    if event and slug(event):
        payload = f"{payload}-{slug(event)}"
    payload = payload[:MAX_PAYLOAD].rstrip("-")
    campaign = OutreachCampaign(
        payload=payload,
        neighbourhood=neighbourhood,
        event=(event or "").strip()[:120] or None,
        place=(place or "").strip()[:200] or None,
        languages=wanted,
        created_by=created_by[:80],
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def listed(session: AsyncSession) -> list[Listed]:
    """Every campaign, newest first, with its arrivals so far."""
    arrivals = dict(
        (await session.execute(select(OutreachArrival.source, func.sum(OutreachArrival.count)).group_by(
            OutreachArrival.source
        ))).all()
    )  # fmt: skip
    campaigns = (await session.scalars(select(OutreachCampaign).order_by(OutreachCampaign.id.desc()))).all()
    return [Listed(c, int(arrivals.get(c.payload, 0))) for c in campaigns]
