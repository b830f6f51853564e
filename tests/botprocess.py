"""The real `tremplin run` process, started against the Bot API stand-in on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bot.config import PROJECT_ROOT
from tests.standin import Entry, Resident, StandIn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


FAQ_CACHE = PROJECT_ROOT / "data" / "cache"  # the FAQ's embeddings, computed once for the whole run


class BotProcess:
    """Start, kill and restart the bot the way an operator (or a crash) would."""

    def __init__(
        self,
        api: StandIn,
        database_url: str,
        workdir: Path,
        *,
        webhook: bool = False,
        command: list[str] | None = None,
    ) -> None:
        self.api = api
        self.workdir = workdir
        self.webhook = webhook
        self.command = command or [sys.executable, "-m", "bot", "run"]  # another bot for a benchmark
        self.webhook_port = free_port() if webhook else 0
        self.secret = "s3cret-for-tests_only"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "TREMPLIN_"))}
        self.env.update(
            {
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_URL": api.api_root,
                "DATABASE_URL": database_url,
                "TREMPLIN_DATA_DIR": str(workdir / "data"),
                "TREMPLIN_LOG_LEVEL": "INFO",
                "TREMPLIN_CACHE_DIR": str(FAQ_CACHE),
            }
        )
        if webhook:
            self.env.update(
                {
                    "TREMPLIN_WEBHOOK_URL": f"http://127.0.0.1:{self.webhook_port}/telegram",
                    "TREMPLIN_WEBHOOK_SECRET": self.secret,
                    "TREMPLIN_WEBHOOK_LISTEN": "127.0.0.1",
                    "TREMPLIN_WEBHOOK_PORT": str(self.webhook_port),
                }
            )
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"bot-{self.starts}.log"

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until the bot is listening for updates (polling or webhook)."""
        self.starts += 1
        mark = self.api.call_count()
        args = self.command + (["--webhook"] if self.webhook else [])
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(args, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        ready = "setWebhook" if self.webhook else "getUpdates"

        def listening() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}:\n{self.log()}")
            return any(r.method == ready for r in self.api.records(since=mark))

        self.api.wait_until(listening, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no goodbye, no cleanup, like a crash or a pulled plug."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self) -> None:
        self.kill()
        self.start()

    def wait_for_log(self, needles: tuple[str, ...], timeout: float) -> str | None:
        """The first of `needles` found in the log, or None after `timeout`."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            for needle in needles:
                if needle in text:
                    return needle
            if self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.proc.returncode}:\n{text}")
            time.sleep(0.1)
        return None

    def log(self) -> str:
        return "\n".join(
            (self.workdir / f"bot-{i}.log").read_text(errors="replace")
            for i in range(1, self.starts + 1)
            if (self.workdir / f"bot-{i}.log").exists()
        )


def agree(resident: Resident, lang: str = "fr", announcements: bool = False) -> list[Entry]:
    """On Telegram: consent, then the one question that follows it (announcements, no unless asked)."""
    from bot.i18n import Catalogs

    catalogs = Catalogs(PROJECT_ROOT / "locales")
    resident.press(catalogs.gettext(lang, "✅ Oui, d'accord"))
    return resident.press(catalogs.gettext(lang, "🔔 Oui, volontiers" if announcements else "Non merci"))
