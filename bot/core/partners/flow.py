"""🤝 Who can help me? Two taps (where the resident is, what they need), then 1-3 partner cards.

The screening's next steps and the knowledge answers that name a kind of partner open the same
cards ("pt.c.<id>"), so the guide is the one source of truth.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.context import Handler, Turn, menu_row
from bot.core.messages import Button
from bot.core.partners import service
from bot.core.partners.cards import card
from bot.core.partners.content import STAGES, Partners
from bot.core.texts import N_, Texts

STAGE_LABELS = {
    "idea": N_("💡 J'ai une idée"),
    "preparing": N_("🛠️ Je prépare mon projet"),
    "launching": N_("🏁 Je me lance bientôt"),
    "launched": N_("🚀 Mon activité a démarré"),
}
NEED_LABELS = {
    "project": N_("🧱 Construire mon projet"),
    "money": N_("💶 Trouver de l'argent"),
    "papers": N_("📄 Papiers et statut"),
    "training": N_("🎓 Me former"),
    "network": N_("🤝 Rencontrer du monde"),
    "help": N_("💻 Aide en ligne ou en français"),
    "test": N_("🧪 Tester mon activité"),
}


class PartnersFlow:
    def __init__(self, partners: Partners, nobody: Callable[[Texts, datetime], str], ours: str | None = None) -> None:
        self.partners = partners
        self.nobody = nobody  # who to call when no partner fits: the organisation's contact block
        self.ours = ours  # the organisation's phone, on a card that has no way to reach the partner

    def routes(self) -> dict[str, Handler]:
        return {"m.who": self._stage, "pt.s.": self._need, "pt.n.": self._cards, "pt.c.": self._one}

    async def _stage(self, turn: Turn, _: str) -> bool:
        t = turn.t
        rows = tuple((Button(t(label), f"pt.s.{stage}"),) for stage, label in STAGE_LABELS.items())
        text = t("🤝 <b>Qui peut m'aider ?</b>") + "\n" + t("Où en êtes-vous ?")
        turn.say(text, (*rows, menu_row(t)), replace=True)
        return True

    async def _need(self, turn: Turn, stage: str) -> bool:
        if stage not in STAGES:
            return False
        t = turn.t
        needs = [Button(t(label), f"pt.n.{stage}.{need}") for need, label in NEED_LABELS.items()]
        rows = tuple((button,) for button in needs)
        back = (Button(t("⬅️ Retour"), "m.who"), *menu_row(t))
        turn.say(t("De quoi avez-vous besoin ?"), (*rows, back), replace=True)
        return True

    async def _cards(self, turn: Turn, argument: str) -> bool:
        stage, _, need = argument.partition(".")
        if stage not in STAGES or need not in service.NEEDS:
            return False
        t = turn.t
        who = await service.profile(turn.session, turn.resident)
        chosen = service.choose(self.partners, stage, need, who)
        more = ((Button(t("🔄 Un autre besoin"), f"pt.s.{stage}"),), menu_row(t))
        if not chosen:
            text = t("Je ne connais pas encore de partenaire pour cela ici. Nous pouvons vous orienter :")
            turn.say(text + "\n\n" + self.nobody(t, turn.now), more, replace=True)
            return True
        intro = t.plural(
            "Voici {n} structure qui peut vous aider 👇", "Voici {n} structures qui peuvent vous aider 👇", len(chosen)
        )
        turn.say(intro, replace=True)
        for i, partner in enumerate(chosen):
            turn.reply.messages.append(card(partner, t, more if i == len(chosen) - 1 else (), self.ours))
        return True

    async def _one(self, turn: Turn, partner_id: str) -> bool:
        """One partner's card, from a next step of the screening or a knowledge answer."""
        partner = self.partners.get(partner_id)
        if partner is None:
            return False
        t = turn.t
        buttons = ((Button(t("🤝 Qui peut m'aider ?"), "m.who"), *menu_row(t)),)
        turn.reply.messages.append(card(partner, t, buttons, self.ours))
        return True
