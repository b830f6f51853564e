"""Coordinators in Telegram: `/broadcast` lists the announcements and writes a new one in a few steps.

The text in French (typed), other languages if wanted (typed, one tap each), the audience by taps,
a preview with the counts, then send now or tomorrow at 9:00. Only coordinators reach these
screens. The draft lives on the coordinator's row (`step_data["broadcast"]`), so a restart loses
nothing; it is stored as a broadcast only when confirmed, with the same rules as `tremplin broadcast`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from bot.config import SUPPORTED_LANGUAGES
from bot.core.broadcasts import compose
from bot.core.broadcasts import service as broadcasts
from bot.core.context import STEP_MENU, Command, Core, Handler, Turn, menu_row
from bot.core.messages import Button, Inbound
from bot.core.sessions import service as sessions
from bot.core.sessions.cards import Cards
from bot.core.texts import N_, Texts, cut_at_word
from bot.db.models import Broadcast
from bot.i18n import LANGUAGE_NAMES, PARIS, format_clock, format_day

STEP_TEXT = "broadcast.text"  # the coordinator is typing a text; the draft says in which language
DRAFT = "broadcast"
LISTED = 5
SESSIONS = 6  # upcoming sessions offered for the *Book* button
OUTCOME_NAMES = {"ready": N_("🚀 prêts"), "not_yet": N_("🌱 pas encore"), "job_first": N_("💼 emploi d'abord")}
BOOKED_NAMES = {
    None: N_("👥 avec ou sans réservation"),
    True: N_("🎫 avec une réservation"),
    False: N_("🆕 sans réservation"),
}


class AnnouncingFlow:
    """`/broadcast` for coordinators: the last announcements, and a new one."""

    def __init__(self, core: Core, allowed: Callable[[Inbound], bool]) -> None:
        self.core = core
        self.allowed = allowed

    def commands(self) -> dict[str, Command]:
        async def shown(turn: Turn) -> None:
            await listing(turn)

        return {"broadcast": shown}

    def routes(self) -> dict[str, Handler]:
        def guarded(handler: Handler) -> Handler:
            async def run(turn: Turn, argument: str) -> bool:
                return self.allowed(turn.inbound) and await handler(turn, argument)

            return run

        async def again(turn: Turn, _: str) -> bool:
            await listing(turn, replace=True)
            return True

        table: dict[str, Handler] = {
            "bx.list": again,
            "bx.new": self._new,
            "bx.tr.": self._ask_translation,
            "bx.aud": self._audience_screen,
            "bx.l.": self._toggle("languages", SUPPORTED_LANGUAGES),
            "bx.o.": self._toggle("outcomes", compose.OUTCOMES),
            "bx.n.": self._toggle("neighbourhoods", tuple(n.code for n in self.core.territory.neighbourhoods)),
            "bx.b": self._cycle_booked,
            "bx.see": self._preview,
            "bx.go.": self._send,
            "bx.stop.": _cancel,
            "bx.ses": self._sessions,
            "bx.s.": self._pick_session,
        }
        return {action: guarded(handler) for action, handler in table.items()}

    # -- writing one -----------------------------------------------------------------------------

    async def _new(self, turn: Turn, _: str) -> bool:
        _keep(turn, {"texts": {}, "writing": "fr", "audience": {}})
        turn.resident.step = STEP_TEXT
        t = turn.t
        text = (
            t("➕ <b>Nouvelle annonce</b>")
            + "\n"
            + t(
                "✍️ Écrivez le texte en français : quoi, quand, où, combien de places.\n"
                "Par exemple : Atelier étude de marché jeudi 14 h à la Maison du projet, 8 places."
            )
        )
        turn.say(text, (menu_row(t),), replace=True)
        return True

    async def typed(self, turn: Turn) -> bool:
        """A text being written by a coordinator; False for anything else."""
        draft = _draft(turn)
        if turn.resident.step != STEP_TEXT or draft is None or not self.allowed(turn.inbound):
            return False
        text = turn.inbound.text.strip()
        if not text:
            return False
        if len(text) > compose.MAX_TEXT:
            turn.say(
                turn.t(
                    "✂️ C'est trop long ({count} caractères). {limit} au plus, s'il vous plaît.",
                    count=len(text),
                    limit=compose.MAX_TEXT,
                )
            )
            return True
        draft["texts"] = {**draft["texts"], str(draft["writing"]): text}
        turn.resident.step = STEP_MENU
        _keep(turn, draft)
        self._translations(turn)
        return True

    def _translations(self, turn: Turn, *, replace: bool = False) -> None:
        t, draft = turn.t, _draft(turn) or {}
        done = draft.get("texts", {})
        lines = [t("🌍 <b>Autres langues</b>"), t("Sans traduction, les résidents lisent le texte en français.")]
        lines += [f"• {LANGUAGE_NAMES[lang]} ✅" for lang in SUPPORTED_LANGUAGES if lang in done]
        toggles = [
            Button(("✏️ " if lang in done else "➕ ") + LANGUAGE_NAMES[lang], f"bx.tr.{lang}")
            for lang in SUPPORTED_LANGUAGES
            if lang != "fr"
        ]
        rows = tuple(tuple(toggles[i : i + 2]) for i in range(0, len(toggles), 2))
        turn.say("\n".join(lines), (*rows, (Button(t("➡️ Qui la reçoit ?"), "bx.aud"),), menu_row(t)), replace=replace)

    async def _ask_translation(self, turn: Turn, lang: str) -> bool:
        draft = _draft(turn)
        if draft is None or lang not in SUPPORTED_LANGUAGES:
            return False
        _keep(turn, {**draft, "writing": lang})
        turn.resident.step = STEP_TEXT
        t = turn.t
        turn.say(t("✍️ Écrivez le texte en {language}.", language=LANGUAGE_NAMES[lang]), (menu_row(t),), replace=True)
        return True

    async def _audience_screen(self, turn: Turn, _: str) -> bool:
        draft = _draft(turn)
        if draft is None or not draft["texts"].get("fr"):
            return False
        audience = compose.Audience.from_json(draft["audience"])
        t = turn.t

        def mark(on: bool) -> str:
            return "☑️ " if on else "⬜ "

        langs = [
            Button(mark(lang in audience.languages) + LANGUAGE_NAMES[lang], f"bx.l.{lang}")
            for lang in SUPPORTED_LANGUAGES
        ]
        places = [
            Button(mark(n.code in audience.neighbourhoods) + n.name, f"bx.n.{n.code}")
            for n in self.core.territory.neighbourhoods
        ]
        advice = [Button(mark(o in audience.outcomes) + t(name), f"bx.o.{o}") for o, name in OUTCOME_NAMES.items()]
        rows: list[tuple[Button, ...]] = []
        for group in (langs, places, advice):
            rows += [tuple(group[i : i + 2]) for i in range(0, len(group), 2)]
        rows.append((Button(t(BOOKED_NAMES[audience.booked]), "bx.b"),))
        rows.append((Button(t("🎫 Bouton « Je réserve »"), "bx.ses"),))
        rows.append((Button(t("👀 Aperçu"), "bx.see"),))
        text = "\n".join(
            (
                t("👥 <b>Qui la reçoit ?</b>"),
                t("Seulement les résidents qui ont demandé les annonces."),
                t("Rien de coché dans un groupe : tout le monde pour ce groupe."),
            )
        )
        turn.say(text, (*rows, menu_row(t)), replace=True)
        return True

    def _toggle(self, field: str, known: tuple[str, ...]) -> Handler:
        async def toggle(turn: Turn, value: str) -> bool:
            draft = _draft(turn)
            if draft is None or value not in known:
                return False
            chosen = list(draft["audience"].get(field) or [])
            chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
            _keep(turn, {**draft, "audience": {**draft["audience"], field: [v for v in known if v in chosen]}})
            return await self._audience_screen(turn, "")

        return toggle

    async def _cycle_booked(self, turn: Turn, _: str) -> bool:
        draft = _draft(turn)
        if draft is None:
            return False
        order: list[bool | None] = [None, False, True]
        now = draft["audience"].get("booked")
        following = order[(order.index(now) + 1) % 3] if now in order else None
        _keep(turn, {**draft, "audience": {**draft["audience"], "booked": following}})
        return await self._audience_screen(turn, "")

    async def _sessions(self, turn: Turn, _: str) -> bool:
        """Which session its *Book* button books, among the next ones (or none)."""
        if _draft(turn) is None:
            return False
        t = turn.t
        found = await sessions.upcoming(turn.session, turn.now)
        cards = Cards(self.core.catalogs, self.core.territory)
        rows = [
            (Button(cut_at_word(f"{cards.short(info, t.lang)} · {Cards.title(info, t.lang)}", 40), f"bx.s.{info.key}"),)
            for info in found[:SESSIONS]
        ]
        rows.append((Button(t("🚫 Sans bouton"), "bx.s.-"),))
        text = (
            t("🎫 <b>Bouton « Je réserve »</b>")
            + "\n"
            + t("Pour quelle réunion ? Un toucher suffit pour réserver, liste d'attente comprise.")
        )
        turn.say(text, (*rows, (Button(t("⬅️ Retour"), "bx.aud"),)), replace=True)
        return True

    async def _pick_session(self, turn: Turn, key: str) -> bool:
        draft = _draft(turn)
        if draft is None or (key != "-" and await sessions.get(turn.session, key) is None):
            return False
        _keep(turn, {**draft, "session": None if key == "-" else key})
        return await self._audience_screen(turn, "")

    async def _preview(self, turn: Turn, _: str) -> bool:
        draft = _draft(turn)
        if draft is None or not draft["texts"].get("fr"):
            return False
        t = turn.t
        made = _unsaved(draft)
        shown = await broadcasts.preview(turn.session, made, self.core.catalogs, self.core.screening, turn.now)
        lines = [t("👀 <b>Aperçu</b>"), t.plural("{n} résident la recevra", "{n} résidents la recevront", shown.total)]
        lines += [f"• {LANGUAGE_NAMES[lang]} : {count}" for lang, count in shown.per_language.items()]
        if shown.fallback:
            lines.append(t("dont {count} en français (pas de texte dans leur langue)", count=shown.fallback))
        info = await sessions.get(turn.session, made.session_key) if made.session_key else None
        if info is not None:
            lines.append(t("🎫 Avec le bouton « Je réserve » : {title}", title=t.escape(Cards.title(info, t.lang))))
        lines += ["", t("Jamais entre 21 h et 8 h, et une annonce par jour au plus pour chacun.")]
        lines += ["", t.escape(shown.texts.get("fr", broadcasts.message(made, self.core.catalogs, "fr").text))]
        buttons = (
            (Button(t("✅ Envoyer maintenant"), "bx.go.now"),),
            (Button(t("🕘 Demain à 9 h"), "bx.go.tomorrow"),),
            (Button(t("✏️ Changer qui la reçoit"), "bx.aud"),),
            menu_row(t),
        )
        turn.say("\n".join(lines), buttons, replace=True)
        return True

    async def _send(self, turn: Turn, when: str) -> bool:
        draft = _draft(turn)
        if draft is None or when not in ("now", "tomorrow") or not draft["texts"].get("fr"):
            return False
        send_at = None
        if when == "tomorrow":
            day = turn.now.astimezone(PARIS).date() + timedelta(days=1)
            send_at = datetime.combine(day, time(9, 0), tzinfo=PARIS)
        address = f"{turn.inbound.channel}:{turn.inbound.user_id}"
        made = await broadcasts.create(turn.session, _as_draft(draft, send_at), address, address, turn.now)
        count = await broadcasts.queue(turn.session, made, self.core.catalogs, self.core.screening, turn.now)
        _keep(turn, None)
        t = turn.t
        text = t.plural(
            "✅ <b>Annonce n° {number}</b> : {n} message en file.",
            "✅ <b>Annonce n° {number}</b> : {n} messages en file.",
            count,
            number=made.id,
        )
        text += "\n" + t("Je vous envoie le bilan quand tout est parti.")
        turn.say(text, ((Button(t("📣 Annonces"), "bx.list"), *menu_row(t)),), replace=True)
        return True


def _status(t: Texts, made: Broadcast) -> str:
    if made.status == "queued" and made.send_at is not None:
        return t(
            "prévue le {day} à {time}",
            day=format_day(made.send_at, t.lang),
            time=format_clock(made.send_at, t.lang),
        )
    names = {"queued": t("en cours"), "done": t("terminée"), "cancelled": t("arrêtée"), "draft": t("brouillon")}
    return names.get(made.status, made.status)


def _as_draft(draft: dict[str, Any], send_at: datetime | None) -> compose.Draft:
    return compose.Draft(
        texts=dict(draft["texts"]),
        session_key=draft.get("session"),
        audience=compose.Audience.from_json(draft["audience"]),
        send_at=send_at,
    )


def _unsaved(draft: dict[str, Any]) -> Broadcast:
    """An unsaved broadcast, for the preview."""
    made = _as_draft(draft, None)
    return Broadcast(
        texts=made.texts, audience=made.audience.to_json(), session_key=made.session_key, token="-", bookings=0
    )


def _draft(turn: Turn) -> dict[str, Any] | None:
    draft = turn.resident.step_data.get(DRAFT)
    return dict(draft) if isinstance(draft, dict) and isinstance(draft.get("texts"), dict) else None


def _keep(turn: Turn, draft: dict[str, Any] | None) -> None:
    data = {key: value for key, value in turn.resident.step_data.items() if key != DRAFT}
    turn.resident.step_data = {**data, DRAFT: draft} if draft is not None else data


async def listing(turn: Turn, *, replace: bool = False) -> None:
    """The newest announcements with their counts; a queued one can be stopped."""
    t = turn.t
    found = await broadcasts.listed(turn.session)
    lines = [t("📣 <b>Annonces</b>")]
    stops: list[tuple[Button, ...]] = []
    for made in found[:LISTED]:
        total = broadcasts.totals(await broadcasts.counts(turn.session, made))
        first = t.escape(str(made.texts.get("fr", "")).splitlines()[0][:60].rstrip())
        lines += ["", "<b>" + t("n° {number}", number=made.id) + f"</b> · {_status(t, made)}", f"« {first} »"]
        lines.append(
            t(
                "✅ {sent} · 🚫 {blocked} · ⚠️ {failed} · ⏳ {pending} · 🎫 {bookings}",
                sent=total.get("sent", 0), blocked=total.get("blocked", 0), failed=total.get("failed", 0),
                pending=total.get("pending", 0), bookings=made.bookings,
            )
        )  # fmt: skip
        if made.status == "queued":
            stops.append((Button(t("⏹️ Arrêter n° {number}", number=made.id), f"bx.stop.{made.id}"),))
    if not found:
        lines.append(t("Aucune annonce pour l'instant."))
    buttons = ((Button(t("➕ Nouvelle annonce"), "bx.new"),), *stops, menu_row(t))
    turn.say("\n".join(lines), buttons, replace=replace)


async def _cancel(turn: Turn, number: str) -> bool:
    made = await turn.session.get(Broadcast, int(number)) if number.isdigit() else None
    if made is None or made.status != "queued":
        return False
    stopped = await broadcasts.cancel(turn.session, made)
    turn.reply.notice = turn.t.plural(
        "⏹️ Arrêtée : {n} message ne partira pas.", "⏹️ Arrêtée : {n} messages ne partiront pas.", stopped
    )
    await listing(turn, replace=True)
    return True
