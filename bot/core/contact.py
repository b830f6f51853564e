"""How to reach a person at the organisation: name, phone, address, and whether it is open now."""

from __future__ import annotations

from datetime import datetime

from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.i18n import format_clock, format_day


def contact_block(territory: Territory, t: Texts, now: datetime) -> str:
    """Shown wherever the bot cannot help further; values isolated so Arabic keeps their order."""
    lines = [f"<b>{t.isolate(territory.name)}</b>"]
    if territory.phone:
        lines.append(f"📞 {t.isolate(territory.phone)}")
    if territory.address:
        lines.append(f"📍 {t.isolate(territory.address)}")
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
