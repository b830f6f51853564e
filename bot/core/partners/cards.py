"""A partner as a resident sees it: what they do in the resident's language, whether it is free,
where (with the map), when, the languages spoken there, how to reach them."""

from __future__ import annotations

from bot.core.contact import hours_line
from bot.core.messages import Button, Outbound, Venue
from bot.core.partners.content import Partner
from bot.core.texts import Texts
from bot.i18n import LANGUAGE_NAMES


def card(partner: Partner, t: Texts, buttons: tuple[tuple[Button, ...], ...] = (), ours: str | None = None) -> Outbound:
    """One message per partner; the website is a link button (Telegram has no "call" button: the
    phone number is written, and phones make it a link). When the guide has no phone, address or
    e-mail for them, `ours` (the organisation's number) is given, so there is always someone to call."""
    lines = [f"🤝 <b>{t.isolate(partner.name)}</b>", t.escape(partner.said(t.lang))]
    if partner.free:
        lines.append(t("🆓 Leur accompagnement est gratuit."))
    if partner.address:
        lines.append(f"📍 {t.isolate(partner.address)}")
    lines += hours_line(partner.hours, t)
    if partner.languages:
        names = ", ".join(LANGUAGE_NAMES[lang] for lang in partner.languages if lang in LANGUAGE_NAMES)
        lines.append(t("🗣️ On y parle : {languages}", languages=names))
    if partner.phone:
        lines.append(f"📞 {t.isolate(partner.phone)}")
    if partner.email:
        lines.append(f"✉️ {t.isolate(partner.email)}")
    if ours and not (partner.phone or partner.address or partner.email):
        lines.append(t("📞 Pour les joindre, appelez-nous : {phone}", phone=ours))
    link = ((Button(t("🌐 Leur site"), url=partner.web),),) if partner.web else ()
    venue = None
    if partner.latitude is not None and partner.longitude is not None:
        venue = Venue(partner.name, partner.address or "", partner.latitude, partner.longitude)
    return Outbound("\n".join(lines), (*link, *buttons), venue=venue)
