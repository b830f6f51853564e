"""How to reach a person: the organisation's name, phone, address, opening hours and whether it is
open now, or a partner's details for one of the screening's next steps."""

from __future__ import annotations

from datetime import datetime, time

from babel import Locale
from babel.dates import format_time
from babel.lists import format_list

from bot.core.territory import Contact, Hours, Territory
from bot.core.texts import Texts
from bot.i18n import format_clock, format_day


def opening_hours(hours: Hours, t: Texts) -> str:
    """ "lun., mar. et jeu. 09:00 – 12:30 et 13:30 – 17:30 · mer. 13:30 – 19:00": days with the same
    hours together, in the resident's language; empty when nothing is known."""
    days = Locale.parse(t.lang).days["format"]["abbreviated"]
    groups: dict[tuple[tuple[time, time], ...], list[str]] = {}
    for day in range(7):
        if hours.get(day):
            groups.setdefault(hours[day], []).append(str(days[day]))
    parts = []
    for ranges, names in groups.items():
        spans = [t.isolate(f"{_clock(start, t.lang)} – {_clock(end, t.lang)}") for start, end in ranges]
        parts.append(f"{t.escape(format_list(names, locale=t.lang))} {format_list(spans, locale=t.lang)}")
    return " · ".join(parts)


def _clock(moment: time, lang: str) -> str:
    return format_time(moment, format="short", locale=Locale.parse(lang))


def hours_line(hours: Hours, t: Texts) -> list[str]:
    """ "🗓️ Horaires : ..." as a one-line list, or no line when the hours are not known."""
    written = opening_hours(hours, t)
    return [t("🗓️ Horaires :") + " " + written] if written else []


def call_us(territory: Territory, t: Texts) -> str:
    """The phone number and the opening hours: what the bot gives wherever it cannot put a person."""
    lines = []
    if territory.phone:
        lines.append(f"📞 {t.isolate(territory.phone)}")
    lines += hours_line(territory.hours, t)
    return "\n".join(lines)


def contact_block(territory: Territory, t: Texts, now: datetime) -> str:
    """Shown wherever the bot cannot help further; values isolated so Arabic keeps their order."""
    lines = [f"<b>{t.isolate(territory.name)}</b>"]
    if territory.phone:
        lines.append(f"📞 {t.isolate(territory.phone)}")
    if territory.address:
        lines.append(f"📍 {t.isolate(territory.address)}")
    lines += hours_line(territory.hours, t)
    if territory.is_open(now):
        lines.append(t("🟢 Ouvert maintenant."))
    else:
        opening = territory.next_opening(now)
        if opening is not None:
            lines.append(
                t(
                    "🕘 Fermé maintenant. On ouvre {day} à {time}.",
                    day=format_day(opening, t.lang),
                    time=format_clock(opening, t.lang),
                )
            )
    return "\n".join(lines)


def contact_details(contact: Contact, territory: Territory, t: Texts) -> list[str]:
    """A contact's phone, address, hours and site, one per line; when a partner has no phone
    here, ours, so that every next step has a number to call."""
    lines = []
    if contact.phone:
        lines.append(f"📞 {t.isolate(contact.phone)}")
    if contact.address:
        lines.append(f"📍 {t.isolate(contact.address)}")
    lines += hours_line(contact.hours, t)
    if contact.url and contact.name != territory.name:
        lines.append(f"🌐 {t.isolate(contact.url)}")
    if not contact.phone and territory.phone:
        lines.append(t("📞 Pour les joindre, appelez-nous : {phone}", phone=territory.phone))
    return lines
