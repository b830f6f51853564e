"""Coordinators in Telegram: outreach campaigns made in a few taps, and the funnel of the last 12 months.

Only coordinators reach these screens: for anyone else `/outreach` and `/stats` are unknown commands
(the dialogue never looks them up) and the buttons are stale. The campaign being made lives on the
coordinator's row (`step_data["outreach"]`), so a restart in the middle of it loses nothing. The QR
code, the flyer and the chart are described as documents to draw (`Document.drawing`): the runtime
draws them once the transaction is over, with the same functions as `tremplin outreach`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.config import SUPPORTED_LANGUAGES
from bot.core.context import STEP_MENU, Command, Core, Handler, Turn, menu_row
from bot.core.messages import Button, Document, Inbound, Outbound
from bot.core.outreach import campaigns
from bot.core.outreach.funnel import COLUMNS, by_neighbourhood, chart_drawing, csv_text, funnel
from bot.core.texts import Texts
from bot.i18n import LANGUAGE_NAMES, format_date, to_paris

log = logging.getLogger(__name__)

STEP_EVENT = "outreach.event"  # the coordinator is asked to type the event's name
DRAFT = "outreach"  # in step_data: the campaign being made, {"nb": code, "event": name or None, "langs": [...]}
LISTED = 10  # campaigns shown by /outreach, newest first; `tremplin outreach list` shows them all
PERIOD = timedelta(days=365)  # what /stats counts: the last 12 months


class OutreachFlow:
    """`/outreach`: the campaigns and a new one in four taps; `/stats`: the funnel, its chart and CSV."""

    def __init__(self, core: Core, allowed: Callable[[Inbound], bool]) -> None:
        self.core = core
        self.allowed = allowed

    def commands(self) -> dict[str, Command]:
        """Coordinators' commands: the dialogue looks them up for coordinators only."""
        return {"outreach": self.campaigns, "stats": self.stats}

    def routes(self) -> dict[str, Handler]:
        """The buttons of these screens; for anyone but a coordinator they do nothing."""

        def guarded(handler: Handler) -> Handler:
            async def run(turn: Turn, argument: str) -> bool:
                return self.allowed(turn.inbound) and await handler(turn, argument)

            return run

        async def listing(turn: Turn, _: str) -> bool:
            await self.campaigns(turn, replace=True)
            return True

        async def stats(turn: Turn, _: str) -> bool:
            await self.stats(turn)
            return True

        table: dict[str, Handler] = {
            "or.list": listing,
            "or.stats": stats,
            "or.new": self._new,
            "or.nb.": self._neighbourhood,
            "or.skip": self._skip,
            "or.l.": self._toggle,
            "or.make": self._make,
        }
        return {action: guarded(handler) for action, handler in table.items()}

    # -- the campaigns ---------------------------------------------------------------------------

    async def campaigns(self, turn: Turn, *, replace: bool = False) -> None:
        """Newest first: where and what, arrivals so far, the link to print or share."""
        t = turn.t
        found = await campaigns.listed(turn.session)
        lines = [t("📣 <b>Campagnes</b>")]
        for item in found[:LISTED]:
            title = t.escape(campaigns.title(item.campaign, self.core.territory))
            arrivals = t.plural("{n} arrivée", "{n} arrivées", item.arrivals)
            lines += ["", f"<b>{title}</b> — {arrivals}", self._link_line(t, item.campaign.payload)]
        if len(found) > LISTED:
            lines += ["", t("… et {n} plus anciennes : tremplin outreach list", n=len(found) - LISTED)]
        if not found:
            lines.append(t("Aucune campagne pour l'instant."))
        buttons = (
            (Button(t("➕ Nouvelle campagne"), "or.new"),),
            (Button(t("📊 Statistiques"), "or.stats"),),
            menu_row(t),
        )
        turn.say("\n".join(lines), buttons, replace=replace)

    def _link_line(self, t: Texts, payload: str) -> str:
        if not self.core.bot_username:
            return t("?start={payload} (nom du bot inconnu : TREMPLIN_BOT_USERNAME)", payload=payload)
        return t.isolate(campaigns.link(self.core.bot_username, payload))

    async def _new(self, turn: Turn, _: str) -> bool:
        t = turn.t
        places = tuple((Button(f"📍 {n.name}", f"or.nb.{n.code}"),) for n in self.core.territory.neighbourhoods)
        text = t("➕ <b>Nouvelle campagne</b>") + "\n" + t("📍 Pour quel quartier ?")
        turn.say(text, (*places, menu_row(t)), replace=True)
        return True

    async def _neighbourhood(self, turn: Turn, code: str) -> bool:
        if self.core.territory.neighbourhood(code) is None:
            return False
        self._keep(turn, {"nb": code, "event": None, "langs": ["fr"]})
        turn.resident.step = STEP_EVENT
        t = turn.t
        text = t("🎪 C'est pour un événement ? Écrivez son nom (par exemple : Marché du dimanche).")
        text += "\n" + t("Sinon, touchez « Passer ».")
        turn.say(text, ((Button(t("⏭️ Passer"), "or.skip"),), menu_row(t)), replace=True)
        return True

    async def typed(self, turn: Turn) -> bool:
        """The event's name, typed by a coordinator at that step; False for anything else."""
        if turn.resident.step != STEP_EVENT or not self.allowed(turn.inbound):
            return False
        draft = self._draft(turn)
        event = " ".join(turn.inbound.text.split())[:120]
        if draft is None or not event:
            return False
        turn.resident.step = STEP_MENU
        self._keep(turn, {**draft, "event": event})
        self._languages(turn)
        return True

    async def _skip(self, turn: Turn, _: str) -> bool:
        if self._draft(turn) is None:
            return False
        turn.resident.step = STEP_MENU
        self._languages(turn, replace=True)
        return True

    async def _toggle(self, turn: Turn, lang: str) -> bool:
        draft = self._draft(turn)
        if draft is None or lang not in SUPPORTED_LANGUAGES or lang == "fr":
            return False
        chosen = [code for code in draft["langs"] if code != lang]
        if len(chosen) == len(draft["langs"]):
            chosen.append(lang)
        self._keep(turn, {**draft, "langs": [code for code in SUPPORTED_LANGUAGES if code in chosen]})
        self._languages(turn, replace=True)
        return True

    def _languages(self, turn: Turn, *, replace: bool = False) -> None:
        """Which languages the flyer speaks: French always, the others one tap each."""
        t = turn.t
        draft = self._draft(turn) or {}
        chosen = draft.get("langs", ["fr"])
        toggles = [
            Button(("☑️ " if lang in chosen else "⬜ ") + LANGUAGE_NAMES[lang], f"or.l.{lang}")
            for lang in SUPPORTED_LANGUAGES
            if lang != "fr"
        ]
        rows = tuple(tuple(toggles[i : i + 2]) for i in range(0, len(toggles), 2))
        text = "\n".join(
            (
                t("🌍 <b>Langues du flyer</b>"),
                t.escape(self._title(draft)),
                t("Le français y est toujours. Touchez une langue pour l'ajouter ou l'enlever."),
            )
        )
        turn.say(text, (*rows, (Button(t("✅ Créer"), "or.make"),), menu_row(t)), replace=replace)

    async def _make(self, turn: Turn, _: str) -> bool:
        """Store the campaign; send its link, then its QR code and flyer as files."""
        draft, t, inbound = self._draft(turn), turn.t, turn.inbound
        if draft is None:
            return False
        try:
            campaign = await campaigns.create(
                turn.session, self.core.territory, str(draft["nb"]), draft.get("event"), None,
                list(draft.get("langs", ["fr"])), f"{inbound.channel}:{inbound.user_id}", turn.now,
            )  # fmt: skip
        except campaigns.CampaignError as exc:  # the territory changed since the first tap
            log.warning("campaign not made for %s:%s: %s", inbound.channel, inbound.user_id, exc)
            return False
        self._keep(turn, None)
        turn.resident.step = STEP_MENU
        names = ", ".join(LANGUAGE_NAMES[lang] for lang in campaign.languages)
        lines = [
            t("✅ <b>Campagne créée</b>"),
            t.escape(campaigns.title(campaign, self.core.territory)),
            t("Langues du flyer : {languages}", languages=names),
        ]
        buttons = ((Button(t("📣 Campagnes"), "or.list"), *menu_row(t)),)
        if not self.core.bot_username:
            lines += ["", t("⚠️ Le nom du bot est inconnu : définissez TREMPLIN_BOT_USERNAME pour avoir le lien.")]
            turn.say("\n".join(lines), buttons)
            return True
        link = campaigns.link(self.core.bot_username, campaign.payload)
        lines += ["", t("Le lien : {link}", link=link), t("Voici le QR code (PNG) et le flyer à imprimer (PDF) 👇")]
        turn.say("\n".join(lines))
        files = campaigns.material(campaign, link, self.core.territory, self.core.catalogs)
        self._files(turn, files, buttons)
        return True

    def _title(self, draft: dict[str, Any]) -> str:
        where = self.core.territory.neighbourhood(str(draft.get("nb", "")))
        name = where.name if where is not None else str(draft.get("nb", ""))
        return f"{name} · {draft['event']}" if draft.get("event") else name

    @staticmethod
    def _draft(turn: Turn) -> dict[str, Any] | None:
        draft = turn.resident.step_data.get(DRAFT)
        return dict(draft) if isinstance(draft, dict) and draft.get("nb") else None

    @staticmethod
    def _keep(turn: Turn, draft: dict[str, Any] | None) -> None:
        data = {key: value for key, value in turn.resident.step_data.items() if key != DRAFT}
        turn.resident.step_data = {**data, DRAFT: draft} if draft is not None else data

    @staticmethod
    def _files(turn: Turn, files: list[Document], buttons: tuple[tuple[Button, ...], ...]) -> None:
        """Each file alone, the buttons under the last one."""
        for i, document in enumerate(files):
            turn.reply.messages.append(Outbound("", buttons if i == len(files) - 1 else (), document=document))

    # -- the funnel ------------------------------------------------------------------------------

    async def stats(self, turn: Turn) -> None:
        """The last 12 months: a short summary per neighbourhood, then the chart (PNG) and the table (CSV)."""
        t, territory = turn.t, self.core.territory
        until = to_paris(turn.now).date()
        since = until - PERIOD
        lines = await funnel(turn.session, territory, since, until)
        totals = by_neighbourhood(lines)
        text = [
            t("📊 <b>Parcours des résidents</b>"),
            t("Du {since} au {until}", since=format_date(since, t.lang), until=format_date(until, t.lang)),
        ]
        buttons = ((Button(t("📣 Campagnes"), "or.list"), *menu_row(t)),)
        if not any(any(counts.values()) for counts in totals.values()):
            text += ["", t("Personne n'est encore arrivé par un lien de campagne ou de quartier.")]
            turn.say("\n".join(text), buttons)
            return
        overall = {column: sum(counts[column] for counts in totals.values()) for column in COLUMNS}
        text += ["", self._counts(t, overall)]
        names = {n.code: n.name for n in territory.neighbourhoods}
        for code in sorted(totals, key=lambda code: (-totals[code]["arrived"], code)):
            name = names.get(code, code) if code else t("Autres liens (événements)")
            text += ["", f"<b>{t.escape(name)}</b>", self._counts(t, totals[code])]
        turn.say("\n".join(text))
        day = f"{until:%Y-%m-%d}"
        chart = Document(f"parcours-{day}.png", "image/png", drawing=chart_drawing(lines, territory, since, until, t))
        table = Document(f"parcours-{day}.csv", "text/csv", csv_text(lines, territory))
        self._files(turn, [chart, table], buttons)

    @staticmethod
    def _counts(t: Texts, counts: dict[str, int]) -> str:
        return t(
            "Arrivés : {arrived} · D'accord : {consented} · Inscrits : {booked}",
            arrived=counts["arrived"], consented=counts["consented"], booked=counts["booked"],
        )  # fmt: skip
