"""Everything a running bot needs, built once from the settings and shared by the adapters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core import events, residents
from bot.core.context import Core
from bot.core.dialogue import Dialogue
from bot.core.handover import service as handovers
from bot.core.handover import topics
from bot.core.handover.flags import load_flags
from bot.core.knowledge.answers import Answers
from bot.core.messages import Inbound, Outbound, Reply
from bot.core.partners.content import read_partners
from bot.core.screening.loader import load_screening
from bot.core.territory import ContentError, load_territory
from bot.core.texts import Texts
from bot.db.engine import in_transaction, make_engine, make_sessions
from bot.db.migrate import upgrade
from bot.i18n import Catalogs, supported

log = logging.getLogger(__name__)

COUNSELLORS_CHANNEL = "telegram"  # the counsellors' group is a Telegram forum group


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    core: Core
    dialogue: Dialogue
    owns_answers: bool = True
    # Set when a committed transaction wrote outbox rows: the sender wakes at once instead of polling.
    queued: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(
        cls,
        settings: Settings,
        clock: Callable[[], datetime] | None = None,
        answers: Answers | None = None,
        with_answers: bool = True,
    ) -> Runtime:
        """Load content and open the database; content or URL mistakes surface here, before any chat."""
        content = settings.content_dir
        catalogs = Catalogs(content / "locales", settings.default_language)
        territory = load_territory(content / "knowledge" / "territory.yml")
        screening, problems = load_screening(content / "dialogues" / "screening.yml")
        if problems:
            raise ContentError(
                f"dialogues/screening.yml has {len(problems)} problem(s), see `tremplin dialogues check`: {problems[0]}"
            )
        partners, problems = read_partners(
            content / "knowledge" / "partners.yml",
            territory,
            (clock or (lambda: datetime.now(UTC)))().date(),
            set(screening.steps) if screening is not None else set(),
            {path.stem for path in (content / "knowledge" / "entries").glob("*.yml")},
        )
        for problem in problems:  # the other partners still show; `tremplin partners check` lists these
            log.warning("partner left out: %s", problem)
        territory = partners.into(territory)
        core = Core(
            catalogs=catalogs,
            territory=territory,
            partners=partners,
            screening=screening,
            answers=answers or (Answers(content, settings.cache_dir) if with_answers else None),
            counsellors=settings.counsellors_chat.strip(),
            counsellors_channel=COUNSELLORS_CHANNEL,
            flags=load_flags(content / "dialogues" / "handover.yml"),
            coordinators=settings.coordinator_ids,
            bot_username=settings.bot_username.strip().lstrip("@"),
            default_language=settings.default_language,
            retention_days=settings.retention_days,
            **({"clock": clock} if clock is not None else {}),
        )
        engine = make_engine(settings.database)
        queued = asyncio.Event()
        sessions = make_sessions(engine, queued.set)
        return cls(settings, engine, sessions, core, Dialogue(core), owns_answers=answers is None, queued=queued)

    async def migrate(self) -> None:
        await upgrade(self.engine)

    async def handle(self, inbound: Inbound) -> Reply:
        """One inbound event, one transaction; a failure becomes an apology, never silence.
        Files the core only described (a QR code, a flyer, a chart) are drawn once it is committed."""
        lang = supported(inbound.language_code, self.core.default_language)
        t = Texts(self.core.catalogs, lang)

        async def work(session: AsyncSession) -> Reply:
            if inbound.event_id and not await events.first_time(
                session, inbound.channel, inbound.event_id, self.core.clock()
            ):
                return Reply(done_before=True)
            return await self.dialogue.handle(session, inbound)

        try:
            reply = await in_transaction(self.sessions, work)
        except Exception:
            log.exception("could not handle %s from %s:%s", inbound.kind, inbound.channel, inbound.user_id)
            sorry = t("😕 Désolé, j'ai un petit problème. Pouvez-vous réessayer dans une minute ?")
            return Reply(messages=[Outbound(sorry)], notice=sorry[:200])
        if any(message.document is not None and message.document.drawing is not None for message in reply.messages):
            from bot.drawing import fill  # the drawing libraries load only for those who draw

            def missing(name: str) -> str:
                return t("⚠️ Le fichier {name} n'a pas pu être créé. Réessayez plus tard.", name=name)

            reply.messages = await fill(reply.messages, missing)
        return reply

    def name_bot(self, username: str) -> None:
        """The bot's @username, learnt from Telegram at start when TREMPLIN_BOT_USERNAME is empty, so
        the links of outreach campaigns are right. Called once, before the first update is handled."""
        username = username.strip().lstrip("@")
        if username and not self.core.bot_username:
            self.core = replace(self.core, bot_username=username)
            self.dialogue = Dialogue(self.core)

    async def remember_keyboard(self, inbound: Inbound, message_id: str) -> None:
        try:
            await in_transaction(
                self.sessions,
                lambda s: residents.remember_keyboard(s, inbound.channel, inbound.user_id, message_id),
            )
        except Exception:
            log.warning("could not remember the keyboard message of %s:%s", inbound.channel, inbound.user_id)

    async def topic_of(self, handover_id: int) -> str | None:
        """The forum topic a handover's messages go to, as recorded now (an earlier send may have made it)."""
        return await in_transaction(self.sessions, lambda s: handovers.thread_of(s, handover_id))

    async def record_topic(self, handover_id: int, thread_id: str, name: str) -> None:
        """A topic just created for a handover: its id on the handover, its name and state kept."""

        async def work(session: AsyncSession) -> None:
            await handovers.set_thread(session, handover_id, thread_id)
            await session.flush()
            await topics.remember(session, thread_id, name=name, closed=False)

        await in_transaction(self.sessions, work)

    async def topic_state(self, thread_id: str) -> topics.TopicState | None:
        return await in_transaction(self.sessions, lambda s: topics.state(s, thread_id))

    async def remember_topic(self, thread_id: str, *, name: str | None = None, closed: bool | None = None) -> None:
        """A change the bot made, or a counsellor made by hand (told by a service message)."""
        await in_transaction(self.sessions, lambda s: topics.remember(s, thread_id, name=name, closed=closed))

    async def known_users(self, channel: str) -> frozenset[str]:
        """The coordinators of `channel` who have written to the bot (so the channel knows their chat)."""
        wanted = [c.partition(":")[2] for c in self.core.coordinators if c.startswith(f"{channel}:")]
        return await in_transaction(self.sessions, lambda s: residents.known(s, channel, wanted))

    async def relayed_as(self, source: str) -> tuple[str, str] | None:
        return await in_transaction(self.sessions, lambda s: handovers.relayed_as(s, source))

    async def close(self) -> None:
        if self.core.answers is not None and self.owns_answers:
            self.core.answers.close()
        await self.engine.dispose()
