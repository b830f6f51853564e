"""The screening's summary: 1-3 next steps, each with who to contact (phone, address, opening hours,
from `knowledge/territory.yml`), and the buttons that act on them.

Encouraging and concrete, never a grade. Shown once at the end of the questionnaire, and again from
the menu ("Where is my project?") until the resident starts over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.contact import contact_details, hours_line
from bot.core.context import menu_row
from bot.core.messages import Button, Outbound
from bot.core.partners.content import Partners
from bot.core.privacy import service as privacy
from bot.core.screening.model import Outcome
from bot.core.territory import Territory
from bot.core.texts import Texts
from bot.db.models import Resident

# What a step's `action` (dialogues/screening.yml) offers under the summary.
ACTION_BUTTONS = {
    "sessions": ("📅 Réunions d'information", "m.sessions"),
    "counsellor": ("🙋 Parler à un conseiller", "m.human.s"),  # the card says the questionnaire advised it
    "ask": ("❓ Poser une question", "m.ask"),
}


@dataclass(frozen=True)
class Summary:
    """Who to send residents to: the territory's partners, and whether counsellors answer in the chat."""

    territory: Territory
    counsellors: bool  # a counsellors' group is set up: a person can answer in the chat
    partners: Partners = field(default_factory=Partners)  # each step's partner opens its guide card

    def message(
        self,
        resident: Resident,
        outcome: Outcome,
        t: Texts,
        *,
        parked: list[str] | None = None,
        heading: str | None = None,
        replace: bool = False,
    ) -> Outbound:
        """The summary; `heading` replaces the thanks when it is shown again later."""
        name = resident.first_name if privacy.has_consent(resident) else None
        if heading is None:
            heading = t("🧭 <b>Merci {name} !</b>", name=name) if name else t("🧭 <b>Merci !</b>")
        if outcome.alternative:
            lead = t("Pour l'instant, voici ce qui peut vous aider le plus :")
        else:
            lead = t("Voici ce que je vous propose :")
        steps = self.steps(outcome, t)
        blocks = [heading + "\n" + lead, *steps]
        blocks += [t(note) for note in outcome.notes]
        actions = [step.action for step in outcome.steps if step.action is not None and step.action in ACTION_BUTTONS]
        if parked:
            ours = any(self.territory.contact_for(step.id).name == self.territory.name for step in outcome.steps)
            blocks.append(self._parked(parked, t, with_hours=not ours))
            actions.append("counsellor" if self.counsellors else "ask")
        rows: list[tuple[Button, ...]] = []
        for action in dict.fromkeys(actions):
            label, data = ACTION_BUTTONS[action]
            rows.append((Button(t(label), data),))
        named = (self.partners.for_step(step.id) for step in outcome.steps)
        for partner in {p.id: p for p in named if p is not None}.values():  # the card: map, site, languages
            rows.append((Button("🤝 " + partner.short, f"pt.c.{partner.id}"),))
        rows.append((Button(t("🔄 Refaire le questionnaire"), "s.new"),))
        rows.append(menu_row(t))
        return Outbound("\n\n".join(blocks), tuple(rows), replace=replace)

    def steps(self, outcome: Outcome, t: Texts) -> list[str]:
        """Each step with who to contact; a contact's details are given the first time it is named."""
        blocks = []
        shown: set[str] = set()
        for step in outcome.steps:
            contact = self.territory.contact_for(step.id)
            lines = [t(step.text), t("👉 Qui contacter :") + f" <b>{t.isolate(contact.name)}</b>"]
            if contact.name not in shown:
                shown.add(contact.name)
                lines += contact_details(contact, self.territory, t)
            blocks.append("\n".join(lines))
        return blocks

    def _parked(self, parked: list[str], t: Texts, *, with_hours: bool) -> str:
        """What was typed during the questionnaire, and who will answer it."""
        quoted = " / ".join(f"« {text[:120]} »" for text in parked[:3])
        if self.counsellors:
            return t("📝 Vous m'avez aussi écrit : {messages}. Une personne pourra vous répondre.", messages=quoted)
        lines = [t("📝 Vous m'avez aussi écrit : {messages}.", messages=quoted)]
        if self.territory.phone:
            phone = self.territory.phone
            lines.append(t("Posez-moi ces questions avec le bouton ❓, ou appelez-nous : {phone}", phone=phone))
        else:
            lines.append(t("Posez-moi ces questions avec le bouton ❓."))
        if with_hours:
            lines += hours_line(self.territory.hours, t)
        return "\n".join(lines)
