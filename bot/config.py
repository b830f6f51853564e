"""Deployment settings, read from the environment and an optional `.env` file.

Everything that differs between two deployments (token, database, chat ids) lives here and never in
files of the repository, so the same checkout serves any territory.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_LANGUAGES: tuple[str, ...] = ("fr", "en", "ar", "es", "pt", "tr", "uk")
TELEGRAM_API_URL = "https://api.telegram.org"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting an operator must fix; its message is the one line they will read."""


class Settings(BaseSettings):
    """Settings with the names the README documents."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = Field(default="", alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default=TELEGRAM_API_URL, alias="TELEGRAM_API_URL")
    bot_username: str = Field(default="", alias="TREMPLIN_BOT_USERNAME")  # for printed links; else getMe
    database_url: str = Field(default="", alias="DATABASE_URL")
    default_language: str = Field(default="fr", alias="TREMPLIN_DEFAULT_LANGUAGE")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", alias="TREMPLIN_DATA_DIR")
    content_dir: Path = Field(default=PROJECT_ROOT, alias="TREMPLIN_CONTENT_DIR")
    webhook_url: str = Field(default="", alias="TREMPLIN_WEBHOOK_URL")
    webhook_secret: str = Field(default="", alias="TREMPLIN_WEBHOOK_SECRET")
    webhook_listen: str = Field(default="0.0.0.0", alias="TREMPLIN_WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, alias="TREMPLIN_WEBHOOK_PORT")
    coordinators: str = Field(default="", alias="TREMPLIN_COORDINATORS")
    retention_days: int = Field(default=730, alias="TREMPLIN_RETENTION_DAYS", ge=30)
    log_level: str = Field(default="INFO", alias="TREMPLIN_LOG_LEVEL")
    cache_dir_setting: Path | None = Field(default=None, alias="TREMPLIN_CACHE_DIR")
    counsellors_chat: str = Field(default="", alias="TREMPLIN_COUNSELLORS_CHAT")
    handover_raise_minutes: int = Field(default=30, alias="TREMPLIN_HANDOVER_RAISE_MINUTES", ge=1)
    # Outbox messages a second, all bot processes together (Telegram allows about 30).
    send_rate: float = Field(default=25.0, alias="TREMPLIN_SEND_RATE", gt=0, le=30)
    broadcasts_per_day: int = Field(default=1, alias="TREMPLIN_BROADCASTS_PER_DAY", ge=1)
    # No announcement leaves between these times (Paris); "none" turns the rule off (tests at night).
    quiet_hours: str = Field(default="21:00-08:00", alias="TREMPLIN_QUIET_HOURS")

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str) -> str:
        if value and not (len(value) <= 256 and all(c.isascii() and (c.isalnum() or c in "_-") for c in value)):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule)")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("", "none"):
            try:
                _from, _until = (time.fromisoformat(part.strip()) for part in value.split("-"))
            except ValueError as exc:
                raise ValueError("must look like 21:00-08:00, or none") from exc
        return value

    @property
    def quiet(self) -> tuple[time, time] | None:
        """When announcements wait (from, until), Paris time; None: they never wait."""
        if self.quiet_hours in ("", "none"):
            return None
        start, end = (time.fromisoformat(part.strip()) for part in self.quiet_hours.split("-"))
        return start, end

    @property
    def coordinator_ids(self) -> frozenset[str]:
        """The people who manage sessions, as "channel:user id": a plain number is a Telegram user id."""
        parts = (part.strip() for part in self.coordinators.replace(";", ",").split(","))
        return frozenset(part if ":" in part else f"telegram:{part}" for part in parts if part)

    @property
    def cache_dir(self) -> Path:
        """Where computed things that are safe to delete live (the FAQ's embeddings)."""
        return self.cache_dir_setting or self.data_dir / "cache"

    @property
    def database(self) -> str:
        """The SQLAlchemy URL, an SQLite file in the data directory unless told otherwise."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'tremplin.sqlite3'}"

    @property
    def bot_api_base_url(self) -> str:
        """PTB wants the URL up to `/bot`; operators write the server's root, so accept both."""
        url = self.telegram_api_url.rstrip("/")
        return url if url.endswith("/bot") else f"{url}/bot"

    @property
    def bot_api_file_url(self) -> str:
        return self.bot_api_base_url[: -len("/bot")] + "/file/bot"

    def require_token(self) -> str:
        token = self.telegram_bot_token.strip()
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in the "
                "environment or in .env (or try `tremplin chat`, which needs no token)."
            )
        if ":" not in token:
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (123456:ABC...).")
        return token


def load_settings() -> Settings:
    """Read the settings, turning validation errors into one line an operator can act on."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first.get("loc", ["?"])[0])
        raise ConfigError(f"setting {name} is invalid: {first.get('msg', 'bad value')}") from exc
