"""Benchmark: how fast the bot answers `/menu` and a button press, next to a bare python-telegram-bot echo bot.

Run: `.venv/bin/python bench/updates.py` (SQLite in a temporary directory), and with
`TREMPLIN_BENCH_POSTGRES_URL=postgresql+psycopg://.../an_empty_db` also on PostgreSQL. Options:
`--reps N` timed repetitions per interaction and bot (default 40), `--warmup N` untimed ones at each
start of a bot (default 5), `--rounds N` (default 2): each bot is started N times, in turns, so that
a change of the machine's load during the run weighs on all of them alike. About 2 minutes.

Both bots are real processes polling the Bot API stand-in of `tests/standin` (one stand-in for the
whole run, the bots one after the other): Tremplin is `python -m bot run` of this checkout, the echo
bot is the tiny python-telegram-bot Application at the end of this file, which does the least
Telegram work the same two interactions need (a message with an inline keyboard; answering the
press and editing the message). The processes are started as the end-to-end tests start the bot
(`tests/botprocess.py`); nothing of `bot.core` is imported, so this keeps working whatever the
package looks like inside.

Before timing, the resident has agreed (consent button pressed), so `/menu` shows the menu; each
repetition is `/menu`, then a press on its "🌍 Langue" button (the menu message is edited into the
language list). Measured for each: from the moment the stand-in makes the update available (queued
for getUpdates, clock read inside the stand-in's lock) to the moment the last reply call for it
(sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery...) reaches the stand-in,
read from the stand-in's own call records (same clock). Printed: median and p90 for each bot, the
ratio Tremplin / echo, the median time to the first reply call, the bot process's mean CPU time per
update, and the Bot API calls made.

The stand-in's sockets have TCP_NODELAY (`tests/standin/server.py`): it writes an answer's headers
and body separately, and with Nagle's algorithm the body of each long-poll answer waited for the
bot's delayed ACK, about 40 ms on Linux, the same for both bots, which hid the difference measured.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import itertools
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.botprocess import BotProcess
from tests.standin import CallRecord, StandIn

ROOT = Path(__file__).resolve().parent.parent

#: Calls that answer the resident: what a person sees, or the button spinner stopping.
REPLY_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "deleteMessages",
        "answerCallbackQuery",
        "sendDocument",
        "sendPhoto",
        "sendVenue",
        "sendLocation",
    }
)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]  # what `tremplin run` asks for
QUIET = 0.25  # seconds without any call for the chat: the bot is done with this update
FAQ_READY = "FAQ ready"  # logged by the bot when its matcher is built (first start: a few minutes)
FAQ_FAILED = "FAQ: the matcher could not be built"

# The buttons pressed, as a French-speaking resident reads them (Tremplin's and the echo bot's).
AGREE = "✅ Oui, d'accord"
LANGUAGE = "🌍 Langue"
MY_DATA = "🔒 Mes données"

# The echo bot shows payloads of the same shape as Tremplin's: the menu (6 buttons), then the
# language list (7 buttons) in place of it.
ECHO_MENU = "Que voulez-vous faire ? 👇"
ECHO_MENU_ROWS = [
    [("🧭 Où en est mon projet ?", "m.screen")],
    [("📅 Réunions d'information", "m.sessions")],
    [("❓ Poser une question", "m.ask")],
    [("🙋 Parler à un conseiller", "m.human")],
    [(LANGUAGE, "lang"), (MY_DATA, "data")],
]
ECHO_LANGUAGES = "🌍 Choisissez votre langue :"
ECHO_LANGUAGE_ROWS = [
    [("Français", "lang.fr"), ("English", "lang.en")],
    [("العربية", "lang.ar"), ("Español", "lang.es")],
    [("Português", "lang.pt"), ("Türkçe", "lang.tr")],
    [("Українська", "lang.uk")],
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Sample:
    total: float  # update available -> last reply call received (seconds)
    first: float  # update available -> first reply call received
    methods: tuple[str, ...]  # every call about this chat, in order
    cpu: float  # CPU time of the bot process (all threads) from the push to the end of the quiet window


@dataclass
class Series:
    label: str
    menu: list[Sample] = field(default_factory=list)
    press: list[Sample] = field(default_factory=list)
    faq_waits: list[float] = field(default_factory=list)
    note: str = ""


# --------------------------------------------------------------------------------------
# The bots, as processes
# --------------------------------------------------------------------------------------


class BotRun(BotProcess):
    """A bot process as the end-to-end tests start it, with this checkout first on its path, its
    CPU time, and a wait for a line of its log."""

    def __init__(self, api: StandIn, command: list[str], database_url: str, workdir: Path) -> None:
        super().__init__(api, database_url, workdir, command=command)
        # absolute: the bot runs in its own temporary directory
        cache = os.environ.get("TREMPLIN_CACHE_DIR") or str(ROOT / "data" / "cache")
        self.env["TREMPLIN_CACHE_DIR"] = str(Path(cache).resolve())
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        self.start(timeout=60)

    def cpu(self) -> float:
        """CPU seconds used so far by the process, all threads (Linux; NaN elsewhere)."""
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


# --------------------------------------------------------------------------------------
# Driving one resident and timing each update
# --------------------------------------------------------------------------------------


def settle(api: StandIn, mark: int, chat_id: int, timeout: float = 20.0) -> list[CallRecord]:
    """Wait until the bot has answered in this chat and made no call about it for QUIET seconds."""
    deadline = time.monotonic() + timeout
    while True:
        version = api.version
        now = time.monotonic()
        mine = [r for r in api.records(mark) if r.chat_id == chat_id]
        wait = 0.5
        if any(r.method in REPLY_METHODS for r in mine) and all(r.finished is not None for r in mine):
            quiet_for = now - max(r.finished for r in mine)
            if quiet_for >= QUIET:
                return mine
            wait = QUIET - quiet_for
        if now >= deadline:
            raise RuntimeError(f"no complete answer within {timeout}s; recent calls:\n{api.dump_calls()}")
        api.wait_version(version, max(0.005, min(wait, deadline - now)))


def timed(api: StandIn, chat_id: int, push: Callable[[], object], cpu: Callable[[], float]) -> Sample:
    """Push one update and time the bot's calls about it.

    The update is queued inside the stand-in's lock, and the clock is read before that lock is
    released: no getUpdates can hand the update out before `available`."""
    mark = api.call_count()
    cpu_before = cpu()
    with api._cond:  # the stand-in's own lock (re-entrant), so `available` is not late
        push()
        available = time.monotonic()
    calls = settle(api, mark, chat_id)
    replies = [r.started for r in calls if r.method in REPLY_METHODS]
    methods = tuple(r.method for r in calls)
    return Sample(max(replies) - available, min(replies) - available, methods, cpu() - cpu_before)


def button(api: StandIn, chat_id: int, label: str) -> tuple[int, str]:
    """The newest bot message with a button labelled `label`: its id and the button's callback data.

    Buttons are found by what the resident reads (French here), not by their callback data, which
    is the bot's own business."""
    for entry in reversed(api.transcript(chat_id)):
        if entry.from_bot and not entry.deleted:
            for row in entry.buttons:
                for text, data in row:
                    if text == label:
                        return entry.message_id, data
    raise RuntimeError(f"no button {label!r}; recent calls:\n{api.dump_calls()}")


def drive(api: StandIn, run: BotRun, user_id: int, series: Series, warmup: int, reps: int) -> None:
    """Warm-ups, then `reps` times: `/menu`, then a press on the "🌍 Langue" button of the menu it showed."""
    for i in range(warmup + reps):
        menu = timed(api, user_id, lambda: api.push_message(user_id, "/menu"), run.cpu)
        pressed = button(api, user_id, LANGUAGE)
        if button(api, user_id, MY_DATA)[0] != pressed[0]:  # the consent question also has "🌍 Langue"
            raise RuntimeError(f"/menu did not show the menu; recent calls:\n{api.dump_calls()}")
        press = timed(api, user_id, lambda pressed=pressed: api.push_callback(user_id, *pressed), run.cpu)
        if i >= warmup:
            series.menu.append(menu)
            series.press.append(press)


def tremplin(api: StandIn, series: Series, database_url: str, warmup: int, reps: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tremplin-bench-") as tmp:
        workdir = Path(tmp)
        run = BotRun(api, [sys.executable, "-m", "bot", "run"], database_url, workdir)
        try:
            # The bot builds its FAQ on a worker thread at start; wait for it, so that it does not
            # compete for the CPU while timing (with the cache computed: about a second).
            cache = Path(run.env["TREMPLIN_CACHE_DIR"])
            cached = cache.is_dir() and any(cache.iterdir())
            if not cached:
                print(f"  no FAQ cache in {cache}: the bot computes it first (a few minutes)...", flush=True)
            started = time.monotonic()
            found = run.wait_for_log((FAQ_READY, FAQ_FAILED), timeout=60 if cached else 900)
            waited = time.monotonic() - started
            if found == FAQ_READY:
                series.faq_waits.append(waited)
            else:
                series.note += (
                    "FAQ " + ("build failed" if found else "readiness not seen in the log") + " before timing; "
                )
            user_id = random.randrange(10**9, 2 * 10**9)  # new every run: a PostgreSQL database may be reused
            api.add_user(user_id, "Amina", language_code="fr")
            timed(api, user_id, lambda: api.push_message(user_id, "/start"), run.cpu)
            consent = button(api, user_id, AGREE)  # so that /menu shows the menu
            timed(api, user_id, lambda: api.push_callback(user_id, *consent), run.cpu)
            drive(api, run, user_id, series, warmup, reps)
        finally:
            run.stop()
        errors = [line for line in run.log().splitlines() if " ERROR " in line or "Traceback" in line]
        if errors:
            series.note += f"{len(errors)} error line(s) in the bot's log, first: {errors[0]}; "


def echo(api: StandIn, series: Series, warmup: int, reps: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tremplin-bench-echo-") as tmp:
        workdir = Path(tmp)
        run = BotRun(api, [sys.executable, str(Path(__file__).resolve()), "--echo-bot"], "", workdir)
        try:
            user_id = random.randrange(10**9, 2 * 10**9)
            api.add_user(user_id, "Amina", language_code="fr")
            drive(api, run, user_id, series, warmup, reps)
        finally:
            run.stop()


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def calls(samples: list[Sample]) -> str:
    """The most frequent call sequence, and how often it happened."""
    counted = collections.Counter(s.methods for s in samples).most_common()
    methods, times = counted[0]
    shown = " → ".join(methods)
    return shown + (f" ({times}/{len(samples)})" if times != len(samples) else "")


def report(results: list[Series], baseline: Series, args: argparse.Namespace) -> None:
    print(
        f"\n{args.reps} timed repetitions per interaction and bot ({args.rounds} rounds, {args.warmup} warm-ups each)."
    )
    print("median, p90: from the update being available at the stand-in to the last reply call received there;")
    print("first call: the same, to the first reply call (median); CPU: the bot process's CPU time per update")
    print("(a mean of the kernel's 10 ms ticks, so only over many updates; for Tremplin it includes its")
    print("background jobs and the outbox sender, which looks for due messages every second when idle).")
    for series in results:
        if series.faq_waits:
            print(
                f"  {series.label}: FAQ ready before timing at {len(series.faq_waits)} start(s)"
                f" (waited at most {max(series.faq_waits):.1f} s after the bot started polling)"
            )
        if series.note:
            print(f"  {series.label}: {series.note}")
    print()
    header = f"{'interaction':<14}{'bot':<28}{'median':>10}{'p90':>10}{'first call':>12}{'CPU':>10}   calls per update"
    print(header)
    print("-" * len(header))
    for name, attr in (("/menu", "menu"), ("button press", "press")):
        base: list[Sample] = getattr(baseline, attr)
        base_figures = figures(base)
        for series in [*results, baseline]:
            samples: list[Sample] = getattr(series, attr)
            median, p90, first, cpu = figures(samples)
            print(
                f"{name:<14}{series.label:<28}{ms(median):>10}{ms(p90):>10}{ms(first):>12}{ms(cpu):>10}"
                f"   {calls(samples)}"
            )
        for series in results:
            ratios = [a / b for a, b in zip(figures(getattr(series, attr)), base_figures, strict=True)]
            label = "ratio " + series.label.split(" ", 1)[1] + " / echo"
            print(f"{name:<14}{label:<28}" + "".join(f"{r:>{w - 1}.1f}×" for r, w in zip(ratios, WIDTHS, strict=True)))
        print()


WIDTHS = (10, 10, 12, 10)  # of the columns median, p90, first call, CPU


def figures(samples: list[Sample]) -> tuple[float, float, float, float]:
    """Median and p90 of the time to the last reply call, median to the first, mean CPU time."""
    totals = [s.total for s in samples]
    first = statistics.median(s.first for s in samples)
    return statistics.median(totals), percentile(totals, 90), first, statistics.fmean(s.cpu for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reps", type=int, default=40, help="timed repetitions of each interaction")
    parser.add_argument("--warmup", type=int, default=5, help="untimed repetitions at each start of a bot")
    parser.add_argument("--rounds", type=int, default=2, help="each bot is started this many times, in turns")
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_bot:
        run_echo_bot()
        return

    with tempfile.TemporaryDirectory(prefix="tremplin-bench-db-") as tmp, StandIn() as api:
        databases = {"SQLite": f"sqlite+aiosqlite:///{Path(tmp) / 'tremplin.sqlite3'}"}
        if os.environ.get("TREMPLIN_BENCH_POSTGRES_URL"):
            databases["PostgreSQL"] = os.environ["TREMPLIN_BENCH_POSTGRES_URL"]
        results = {label: Series(f"Tremplin ({label})") for label in databases}
        baseline = Series("echo bot (bare PTB)")
        runs: list[Callable[[int], None]] = [
            *(functools.partial(tremplin, api, results[label], url, args.warmup) for label, url in databases.items()),
            functools.partial(echo, api, baseline, args.warmup),
        ]
        # In rounds, every other one in the opposite order, so that a change of the machine's load
        # during the run weighs on all bots alike.
        share = [args.reps // args.rounds + (i < args.reps % args.rounds) for i in range(args.rounds)]
        for number, reps in enumerate(share):
            for run in runs if number % 2 == 0 else runs[::-1]:
                run(reps)
            print(f"round {number + 1}/{args.rounds} done", flush=True)
    report(list(results.values()), baseline, args)


# --------------------------------------------------------------------------------------
# The echo bot (run by this file with --echo-bot, in its own process like the real bot)
# --------------------------------------------------------------------------------------


def run_echo_bot() -> None:
    import logging

    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.constants import ParseMode
    from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
        screen = next(screens)  # like Tremplin, every keyboard carries a new screen number
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=f"{screen}:{data}") for label, data in row] for row in rows]
        )

    screens = itertools.count(1)

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_message(
            chat.id, ECHO_MENU, parse_mode=ParseMode.HTML, reply_markup=keyboard(ECHO_MENU_ROWS)
        )

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(
            ECHO_LANGUAGES, parse_mode=ParseMode.HTML, reply_markup=keyboard(ECHO_LANGUAGE_ROWS)
        )

    url = os.environ["TELEGRAM_API_URL"].rstrip("/")
    app = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_press))
    asyncio.set_event_loop(asyncio.new_event_loop())
    app.run_polling(allowed_updates=ALLOWED_UPDATES)


if __name__ == "__main__":
    main()
