"""The tables. Conversation state is here, not in process memory, so a restart loses nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite drops the zone, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)  # SQLite keeps the wall time as written, so write it in UTC

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class Resident(Base):
    """One person on one channel. Before consent only the channel id and language are kept."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_residents_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    consent: Mapped[str | None] = mapped_column(String(8), default=None)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    first_name: Mapped[str | None] = mapped_column(String(128), default=None)
    source: Mapped[str | None] = mapped_column(String(64), default=None)
    step: Mapped[str] = mapped_column(String(32), default="new")
    step_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    screen: Mapped[int] = mapped_column(Integer, default=0)
    keyboard_message: Mapped[str | None] = mapped_column(String(32), default=None)
    # What the live keyboard's buttons do, by place: the buttons themselves carry only "<screen>.<n>".
    actions: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Outreach links already counted for this person ("arrived") and funnel steps already credited to
    # their first link ("steps"), so that each counts once; the counts themselves are aggregates.
    funnel: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Announcements of workshops and meetings: "yes", "no", or None while not asked.
    announcements: Mapped[str | None] = mapped_column(String(8), default=None)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # Telegram said 403


class OutreachArrival(Base):
    """Anonymous count of arrivals per outreach link and day, kept without any link to a person."""

    __tablename__ = "outreach_arrivals"
    __table_args__ = (UniqueConstraint("source", "day", name="uq_outreach_arrivals_source_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)


class OutreachCampaign(Base):
    """A link printed for one neighbourhood, and maybe one event: who made it, when and where.
    Residents are never listed against it; only aggregate counts are."""

    __tablename__ = "outreach_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payload: Mapped[str] = mapped_column(String(64), unique=True)  # what follows ?start= in the link
    neighbourhood: Mapped[str] = mapped_column(String(40))
    event: Mapped[str | None] = mapped_column(String(120), default=None)
    place: Mapped[str | None] = mapped_column(String(200), default=None)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # of the flyer
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutreachStep(Base):
    """How many residents who came through one link reached one step of the funnel, per day:
    an aggregate, so erasing a resident leaves it as it was."""

    __tablename__ = "outreach_steps"
    __table_args__ = (UniqueConstraint("source", "step", "day", name="uq_outreach_steps_source_step_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ScreeningRun(Base):
    """One pass through the questionnaire; a new screening starts a new run, older ones stay."""

    __tablename__ = "screening_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class ScreeningAnswer(Base):
    """Every answer given, with its time; a changed answer adds a row, the latest one counts."""

    __tablename__ = "screening_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ParkedMessage(Base):
    """Something a resident typed in the middle of a flow, kept so it is answered later, not lost."""

    __tablename__ = "parked_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    context: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class InfoSession(Base):
    """An information meeting, workshop or forum residents can book (times in UTC)."""

    __tablename__ = "info_sessions"
    __table_args__ = (CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="ck_info_sessions_seats"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue_name: Mapped[str | None] = mapped_column(String(200), default=None)
    venue_address: Mapped[str | None] = mapped_column(String(300), default=None)
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)
    access: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # language -> how to get in
    online_url: Mapped[str | None] = mapped_column(String(300), default=None)
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[list[str]] = mapped_column(JSON)
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Booking(Base):
    """A resident's place (or place in line) for a session; one row per resident and session."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("session_id", "resident_id", name="uq_bookings_session_resident"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("info_sessions.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    token: Mapped[str] = mapped_column(String(16), unique=True)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    feedback: Mapped[str | None] = mapped_column(String(8), default=None)
    attendance: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A message that matters, written with the change that caused it and sent by a worker.

    Reminders are outbox rows due later; `expires_at` drops one that would arrive too late.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Sent in lane order: replies and relays (0), reminders (1), broadcasts (2).
    lane: Mapped[int] = mapped_column(Integer, default=0)
    broadcast_id: Mapped[int | None] = mapped_column(Integer, default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)  # for a broadcast's report
    # The resident it is to or about: erasing them erases it, sent or not (their words, their card).
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), default=None, index=True
    )


class Broadcast(Base):
    """An announcement to residents who asked for them: its texts per language, who should get it,
    and, once done, only its counts (the per-recipient rows are deleted then)."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)  # names it on its *Book* button
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)  # language -> text; "fr" always there
    session_key: Mapped[str | None] = mapped_column(String(40), default=None)  # its *Book* button
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | queued | done | cancelled
    created_by: Mapped[str] = mapped_column(String(80))
    report_to: Mapped[str | None] = mapped_column(String(80), default=None)  # "channel:user" of the sender
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # language -> status -> n
    bookings: Mapped[int] = mapped_column(Integer, default=0)  # made with its *Book* button
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # bookings reported


class SendPace(Base):
    """When the next outbox message of a channel may leave, shared by every bot process, so that
    together they stay within the channel's messages a second."""

    __tablename__ = "send_pace"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_at: Mapped[float] = mapped_column()  # seconds since the epoch


class FaqQuestion(Base):
    """A question typed to the FAQ, kept without any link to who asked, for coordinators' gap list.

    Phone numbers and e-mail addresses are masked before saving; the retention job deletes rows
    after `FAQ_KEEP_DAYS`. The token lets the 👍/👎 buttons name the row without exposing its id.
    """

    __tablename__ = "faq_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(40), default=None)
    outcome: Mapped[str] = mapped_column(String(12))  # answered | unsure | none
    feedback: Mapped[str | None] = mapped_column(String(8), default=None)  # up | down
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Handover(Base):
    """A resident's conversation handed to the counsellors: one open at a time per resident.

    `thread_id` is the resident's forum topic in the counsellors' group, kept across handovers so
    the same resident comes back to the same topic (recreated when deleted by hand).
    """

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | taken | closed
    reason: Mapped[str] = mapped_column(String(24))  # asked | faq_unsure | screening | distress
    thread_id: Mapped[str | None] = mapped_column(String(32), default=None)
    counsellor_id: Mapped[str | None] = mapped_column(String(64), default=None)
    counsellor_name: Mapped[str | None] = mapped_column(String(128), default=None)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AuditEntry(Base):
    """What a counsellor did, when, on which handover: kept for accountability, never shown to residents."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id", ondelete="SET NULL"), default=None)
    detail: Mapped[str | None] = mapped_column(Text, default=None)


class Relay(Base):
    """Where a relayed message landed: `source` ("chat:message", or "card:<handover>") -> the copy.

    It lets an edit follow its message to the other side and the topic card be updated in place;
    rows go with their handover, so erasing a resident erases them.
    """

    __tablename__ = "relays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(80), unique=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecentMessage(Base):
    """One of the last few things a resident (with consent) wrote to the bot, and what the bot did.

    Kept so a counsellor who takes over knows what was already said; a handful per resident, for
    a few weeks (`bot.core.recent`), erased with the resident or when consent is withdrawn.
    """

    __tablename__ = "recent_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ForumTopic(Base):
    """A resident's forum topic as it is now (Telegram has no way to ask): its name and whether it is
    closed, from the bot's own changes and the service messages of changes made by hand. Its name
    holds the resident's first name, so it goes with the resident."""

    __tablename__ = "forum_topics"

    thread_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SeenEvent(Base):
    """An update already handled (its channel's own id for it), kept two days to drop repeats."""

    __tablename__ = "seen_events"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
