"""Ask a question: the knowledge base answers in the resident's language, or says it is unsure.

Confident: the answer, its source, 1-2 related topics and 👍/👎. Unsure: up to three likely topics
and a counsellor. Nothing fits: a kind "I don't know" and who can help. A question written in
another language than the resident's setting is answered in that language, with an offer to switch.
Questions are logged without any link to the person so coordinators can see the gaps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from babel.dates import format_date

from bot.core.context import Handler, Turn, menu_row
from bot.core.knowledge import gaps
from bot.core.knowledge.answers import Answers
from bot.core.knowledge.content import Entry, fill
from bot.core.knowledge.language import Words, answer_language
from bot.core.messages import Button, Outbound, Reply
from bot.core.normalise import normalise
from bot.core.partners.content import Partners
from bot.core.texts import Texts
from bot.i18n import LANGUAGE_NAMES, RTL_LANGUAGES, Catalogs

STEP = "ask"
MISSES = "faq_misses"  # questions in a row the base could not answer with confidence
PENDING = "faq_pending"  # a question asked while the answers were still being prepared
ASKED = "faq_asked"  # a question answered in another language than the resident's, for "↩️ in my language"
MAX_QUESTION = 1000  # a 5,000-character message is read by its beginning
POPULAR = ("info-session", "funding-overview", "micro-entreprise")
LETTER = re.compile(r"[^\W\d_]")
WORDS = re.compile(r"[^\W\d_]+")


def short_title(entry: Entry, lang: str) -> str:
    """A button label from a title: the part before the colon when there is one ("CAE : …" → "CAE")."""
    title = entry.title.get(lang) or entry.title.get("fr", entry.id)
    head = re.split(r"\s*[:：]\s", title, maxsplit=1)[0]
    return head if 3 <= len(head) < len(title) else title


def small_talk(text: str, lists: Words) -> str | None:
    """ "hello", "merci beaucoup !", "ok": "greeting", "thanks" or "ok"; anything longer is a question."""
    words = [w.lower() for w in WORDS.findall(text)]
    if not words or len(words) > 4:
        return None

    def made_of(vocabulary: frozenset[str], among: list[str]) -> bool:
        return all(w in vocabulary or normalise(w) in vocabulary for w in among)

    if made_of(lists.thanks, words):
        return "thanks"
    if len(words) <= 2 and made_of(lists.acknowledgements, words):
        return "ok"
    if made_of(lists.greetings, words[:1]) or " ".join(words[:2]) in lists.greetings:
        rest = [w for w in words[1:] if not made_of(lists.greetings, [w])]
        if len(rest) <= 2:
            return "greeting"
    return None


class FaqFlow:
    def __init__(
        self, catalogs: Catalogs, answers: Answers, contact: Callable[[Texts, datetime], str],
        partners: Partners | None = None,
    ) -> None:  # fmt: skip
        self.catalogs = catalogs
        self.answers = answers
        self.contact = contact
        self.partners = partners or Partners()  # the guide's cards an answer names (honour loan, CAE...)

    # -- screens ---------------------------------------------------------------------------------

    def routes(self) -> dict[str, Handler]:
        """❓ Ask a question, and the buttons under answers (topics, learn more, 👍/👎)."""

        async def prompt(turn: Turn, _: str) -> bool:
            self.prompt(turn)
            return True

        def feedback(up: bool) -> Handler:
            return lambda turn, token: self.feedback(turn, token, up)

        def topic(more: bool) -> Handler:
            return lambda turn, rest: self.topic(turn, rest, more)

        return {
            "m.ask": prompt,
            "k.again": self.again,
            "k.own": self.in_own_language,
            "k.up.": feedback(True),
            "k.dn.": feedback(False),
            "k.t.": topic(False),
            "k.more.": topic(True),
        }

    def prompt(self, turn: Turn) -> None:
        """The ❓ menu entry: invite a question in the resident's own words, with a few common topics."""
        resident, t, reply = turn.resident, turn.t, turn.reply
        resident.step = STEP
        text = "\n".join(
            (
                t("❓ <b>Posez votre question</b>"),
                t("Écrivez-la avec vos mots, dans votre langue. Les fautes ne sont pas un problème."),
                t("Par exemple : « c'est quoi une CAE ? » ou « je touche le chômage, je peux créer ? »"),
            )
        )
        rows = [
            (Button("💡 " + short_title(self.answers.entries[topic], t.lang), f"k.t.{topic}"),)
            for topic in POPULAR
            if topic in self.answers.entries
        ]
        reply.messages.append(Outbound(text, (*rows, menu_row(t)), replace=True))

    async def question(self, turn: Turn, text: str, own_language: bool = False) -> str:
        """Free text outside another flow; returns what the bot made of it, in French, for a counsellor."""
        session, resident, t, reply, now = turn.session, turn.resident, turn.t, turn.reply, turn.now
        names = (resident.first_name, turn.inbound.first_name)  # kept out of the anonymous gaps log
        chat = small_talk(text, self.answers.words)
        if chat == "thanks":
            reply.messages.append(Outbound(t("Avec plaisir 😊 Autre chose ? Écrivez votre question ou choisissez 👇")))
            return "remerciement"
        if chat == "ok":
            reply.messages.append(Outbound(t("D'accord 👍 Écrivez votre question ou choisissez dans le menu 👇")))
            return "accord"
        if chat == "greeting":
            reply.messages.append(Outbound(t("Bonjour 👋 Écrivez votre question ou choisissez dans le menu 👇")))
            return "salutation"
        if len(LETTER.findall(text)) < 2:
            reply.messages.append(
                Outbound(t("🙂 Je n'ai pas compris. Pouvez-vous écrire votre question avec quelques mots ?"))
            )
            return "pas compris"
        if not self.answers.ready:  # the first seconds after a start: keep the question, answer on a tap
            resident.step_data = {**resident.step_data, PENDING: text[:MAX_QUESTION]}
            self._not_ready(t, reply)
            return "en attente : réponses en préparation"
        asked = await self.answers.ask(text[:MAX_QUESTION], resident.language)
        guess, result = asked.language, asked.result
        lang = resident.language if own_language else answer_language(text, guess, resident.language)
        offer = lang if lang != resident.language else None
        if offer:  # kept for the button that shows the same reply in the resident's own language
            resident.step_data = {**resident.step_data, ASKED: text[:MAX_QUESTION]}
        own = t  # the resident's own language, for the button that takes them back to it
        t = Texts(self.catalogs, lang)
        misses = 0 if result.answered else int(resident.step_data.get(MISSES, 0)) + 1
        resident.step_data = {**resident.step_data, MISSES: misses}
        if result.answered:
            token = await gaps.record(session, text, lang, topic := result.topics[0].topic, "answered", now, names)
            self._answer(self.answers.entries[topic], t, reply, token, offer)
            if offer:
                self._add_back(own, reply)
            return "réponse : " + self._french_title(topic)
        first = result.topics[0].topic if result.topics and (result.outcome != "none" or result.near) else None
        token = await gaps.record(session, text, lang, first, result.outcome, now, names)
        suggestions: list[tuple[Button, ...]] = [
            (Button("➡️ " + short_title(self.answers.entries[m.topic], lang), f"k.t.{m.topic}.{token}"),)
            for m in result.topics[:3]
        ]
        if result.outcome == "unsure":
            lines = [t("🤔 Je ne suis pas sûr d'avoir compris. Votre question parle de… ?")]
            rows = suggestions
        else:
            lines = [
                t("🙏 Désolé, je n'ai pas de réponse à cette question."),
                t("Je réponds aux questions pour créer son entreprise : démarches, aides, statuts, accompagnement."),
                "",
                t("Pour autre chose, une personne peut vous orienter :"),
                self.contact(t, now),
            ]
            rows = []
            if result.near:  # close to a topic: it may still be what they meant
                lines.append("\n" + t("Ou peut-être cherchez-vous ceci 👇"))
                rows = suggestions[:2]
        rows.append((Button(t("🙋 Parler à un conseiller"), "m.human"),))
        if offer:
            rows.append(self._switch(t, offer))
        rows.append(menu_row(t))
        reply.messages.append(Outbound("\n".join(lines), tuple(rows)))
        if offer:
            self._add_back(own, reply)
        if result.outcome == "unsure":
            return "pas sûr : " + ", ".join(self._french_title(m.topic) for m in result.topics[:3])
        return "hors sujet"

    async def again(self, turn: Turn, _: str) -> bool:
        """ "🔁 See the answer" under the notice of a question asked while the answers were being prepared."""
        pending = turn.resident.step_data.get(PENDING)
        if not isinstance(pending, str):
            return False
        if not self.answers.ready:
            self._not_ready(turn.t, turn.reply)
            return True
        turn.resident.step_data = {k: v for k, v in turn.resident.step_data.items() if k != PENDING}
        await self.question(turn, pending)
        return True

    async def in_own_language(self, turn: Turn, _: str) -> bool:
        """ "↩️ See it in <my language>" under a reply given in the language the question was written in."""
        asked = turn.resident.step_data.get(ASKED)
        if not isinstance(asked, str):
            return False
        turn.resident.step_data = {k: v for k, v in turn.resident.step_data.items() if k != ASKED}
        await self.question(turn, asked, own_language=True)
        return True

    @staticmethod
    def _add_back(t: Texts, reply: Reply) -> None:
        """The button back to the resident's own language (`t`), just above the way back to the menu."""
        back = Button(t("↩️ Voir en {language}", language=LANGUAGE_NAMES[t.lang]), "k.own")
        last = reply.messages[-1]
        reply.messages[-1] = replace(last, buttons=(*last.buttons[:-1], (back,), last.buttons[-1]))

    def _not_ready(self, t: Texts, reply: Reply) -> None:
        text = t("⏳ Je prépare mes réponses, cela prend quelques secondes. Votre question est gardée.")
        rows = ((Button(t("🔁 Voir la réponse"), "k.again"),), menu_row(t))
        reply.messages.append(Outbound(text, rows))

    async def feedback(self, turn: Turn, token: str, up: bool) -> bool:
        """👍 or 👎 under an answer, kept with the anonymous question; a 👎 offers a person."""
        row = await gaps.give_feedback(turn.session, token, up)
        if row is None:
            return False
        t = Texts(self.catalogs, row.language)
        if up:
            turn.reply.notice = t("Merci ! 🙏")
            return True
        text = "\n".join(
            (
                t("Merci de nous le dire 🙏 Votre question est transmise à l'équipe pour améliorer les réponses."),
                "",
                t("Une personne peut vous répondre :"),
                self.contact(t, turn.now),
            )
        )
        help_rows = ((Button(t("🙋 Parler à un conseiller"), "m.human"),), menu_row(t))
        turn.reply.messages.append(Outbound(text, help_rows))
        return True

    async def topic(self, turn: Turn, rest: str, more: bool) -> bool:
        """A topic chosen under an answer or among suggestions ("<topic>.<question token>"), or its details."""
        topic, _, token = rest.partition(".")
        entry = self.answers.entries.get(topic)
        if entry is None:
            return False
        lang = turn.t.lang
        if token:
            row = await gaps.give_topic(turn.session, token, topic)
            if row is None:
                token = ""
            else:
                lang = row.language
        t = Texts(self.catalogs, lang)
        if more and entry.details.get(lang):
            text = f"📖 <b>{t.escape(entry.title.get(lang, entry.id))}</b>\n\n" + self._body(entry.details[lang], lang)
            related = tuple((button,) for button in self._related_row(entry, t, token))
            turn.reply.messages.append(Outbound(text, (*related, menu_row(t))))
            return True
        self._answer(entry, t, turn.reply, token, None)
        return True

    # -- pieces ----------------------------------------------------------------------------------

    def _answer(self, entry: Entry, t: Texts, reply: Reply, token: str, offer: str | None) -> None:
        lang = t.lang
        title = entry.title.get(lang) or entry.title["fr"]
        text = f"<b>{t.escape(title)}</b>\n\n" + self._body(entry.answer.get(lang) or entry.answer["fr"], lang)
        text += "\n\n" + self._source(entry, t)
        rows: list[tuple[Button, ...]] = []
        if entry.details.get(lang):
            rows.append((Button(t("📖 En savoir plus"), self._data("more", entry.id, token)),))
        related = self._related_row(entry, t, token)
        if related:
            rows.extend((button,) for button in related)
        for partner in self.partners.for_topic(entry.id)[:2]:  # who does it here: the guide's card
            rows.append((Button("🤝 " + partner.short, f"pt.c.{partner.id}"),))
        if token:
            text += "\n\n" + t("Cette réponse vous aide ?")
            rows.append((Button(t("👍 Oui"), f"k.up.{token}"), Button(t("👎 Non"), f"k.dn.{token}")))
        if offer:
            rows.append(self._switch(t, offer))
        rows.append(menu_row(t))
        reply.messages.append(Outbound(text, tuple(rows)))

    def _body(self, text: str, lang: str) -> str:
        return Texts.escape(fill(text.strip(), dict(self.answers.amounts), rtl=lang in RTL_LANGUAGES))

    def _source(self, entry: Entry, t: Texts) -> str:
        names = "; ".join(dict.fromkeys(s.name.split(" – ")[0] for s in entry.sources[:3]))
        if entry.checked is None:
            return t("📚 Source : {sources}", sources=names)
        return t("📚 Source : {sources}. Vérifié le {day}.", sources=names, day=self._date(entry.checked, t.lang))

    def _french_title(self, topic: str) -> str:
        entry = self.answers.entries[topic]
        return entry.title.get("fr", entry.id)

    @staticmethod
    def _date(day: date, lang: str) -> str:
        return format_date(day, format="long", locale=lang)

    def _related_row(self, entry: Entry, t: Texts, token: str) -> tuple[Button, ...]:
        related = [self.answers.entries[r] for r in entry.related if r in self.answers.entries][:2]
        return tuple(Button("➡️ " + short_title(r, t.lang), self._data("t", r.id, token)) for r in related)

    @staticmethod
    def _data(kind: str, topic: str, token: str) -> str:
        return f"k.{kind}.{topic}.{token}" if token else f"k.{kind}.{topic}"

    def _switch(self, t: Texts, lang: str) -> tuple[Button, ...]:
        return (Button(t("🌍 Continuer en {language}", language=LANGUAGE_NAMES[lang]), f"lang.{lang}"),)
