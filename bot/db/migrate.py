"""Apply the Alembic chain from code, so `run` and `chat` bring any database up to date on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade to `revision`; an unreachable database becomes one line for the operator."""

    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    except (OperationalError, DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        where = engine.url.render_as_string(hide_password=True)
        raise ConfigError(f"cannot open the database at DATABASE_URL ({where}): {reason}") from exc
