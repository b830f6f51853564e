"""The async engine and sessions, with the SQLite settings a busy single-file database needs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.config import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")
log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work while a writer commits; busy_timeout waits out a brief lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin below


def _sqlite_begin(connection: Any) -> None:
    """BEGIN IMMEDIATE takes the write lock up front, so a transaction that reads then writes
    (a booking) waits its turn instead of failing half-way with "database is locked"."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> AsyncEngine:
    """Build the engine, or say in one line what is wrong with the URL."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"DATABASE_URL is not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() in ("", "pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must be sqlite or postgresql, not {parsed.get_backend_name()!r}")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        # a file database cannot drop the connection: no ping before each transaction on SQLite
        engine = create_async_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(f"DATABASE_URL cannot be used: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def make_sessions(engine: AsyncEngine, on_queued: Callable[[], None] | None = None) -> async_sessionmaker[AsyncSession]:
    """`on_queued` is called after a transaction that wrote outbox rows has committed (to wake the sender)."""
    return async_sessionmaker(engine, expire_on_commit=False, info={"on_queued": on_queued})


def is_transient(exc: BaseException) -> bool:
    """A lock or a serialization conflict passes; anything else is a real error."""
    if isinstance(exc, OperationalError | DBAPIError):
        text = str(getattr(exc, "orig", exc)).lower()
        return any(
            marker in text
            for marker in ("database is locked", "database is busy", "could not serialize", "deadlock detected")
        )
    return False


async def in_transaction(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    attempts: int = 4,
) -> T:
    """Run `work` in one session committed once, retrying a briefly locked database."""
    for attempt in range(1, attempts + 1):
        try:
            async with sessions() as session:
                async with session.begin():
                    result = await work(session)
                on_queued = session.info.get("on_queued")
                if session.info.pop("queued", False) and on_queued is not None:
                    on_queued()
                return result
        except (OperationalError, DBAPIError) as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            log.warning("database busy (%s), trying again (%d/%d)", exc.__class__.__name__, attempt, attempts)
            await asyncio.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def conflict_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT into `table` in the session's dialect: the form that knows ON CONFLICT, spelt alike
    by SQLite and PostgreSQL (`on_conflict_do_nothing`, `on_conflict_do_update(index_elements=…)`)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def rows_changed(result: Any) -> int:
    """How many rows a DELETE or UPDATE touched (0 when the driver cannot tell)."""
    return int(getattr(result, "rowcount", 0) or 0)
