"""Benchmark: a broadcast through the bot's outbox, next to python-telegram-bot's AIORateLimiter.

Run: `.venv/bin/python bench/broadcast.py` (2,000 recipients; `--recipients 10000` for the full run,
`--rate N` for TREMPLIN_SEND_RATE, default 25). About 3 minutes for 2,000.

One Bot API stand-in on loopback (`tests/standin`) enforces the Bot API FAQ's broadcast limits:
30 messages a second overall and one a second into one chat, answering 429 with retry_after beyond.

1. **Tremplin**: the real bot (`python -m bot run`, SQLite) with a counsellors' forum group. One
   resident asks for a person and a counsellor takes the conversation. Then a broadcast to N
   residents is queued as `tremplin broadcast send` does (services in this process, same database),
   and the running bot's sender sends it. When half is sent, the counsellor writes in the resident's
   topic: the relay's delay is from the stand-in receiving the counsellor's message to the bot's
   message reaching the resident.
2. **Baseline**: a python-telegram-bot `Bot` with `AIORateLimiter(max_retries=3)`, sending the same
   text to N other chats in a plain loop (`asyncio.gather` of every send, as a simple bot would),
   and, when half is sent, one more message to another chat: the relay, which queues behind the loop.

Printed for each: messages sent, the achieved rate (sends a second between the first and the last
one) and its ratio to TREMPLIN_SEND_RATE (goal: at least 0.95), the 429s received after the first
second (goal: 0), messages received twice, and the relay's delay (goal: under 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_ROOT, Settings
from bot.core.broadcasts import compose
from bot.core.broadcasts import service as broadcasts
from bot.db.engine import in_transaction
from bot.db.models import Resident
from bot.runtime import Runtime
from tests.botprocess import BotProcess, agree
from tests.standin import Resident as Person
from tests.standin import StandIn

GROUP = -1001234567890
NADIA = 9001
ASKER = 8001
FIRST_RECIPIENT = 100_000
BASELINE_FIRST = 500_000
TEXT = "Atelier étude de marché jeudi 14 h à la Maison du projet, 8 places"
LANGUAGES = ("fr", "ar", "tr", "uk", "es", "pt", "en")


def people(api: StandIn, first: int, count: int) -> list[int]:
    ids = list(range(first, first + count))
    for n, uid in enumerate(ids):
        api.add_user(uid, f"R{n}", language_code=LANGUAGES[n % len(LANGUAGES)])
    api.open_chats(ids)
    return ids


def sends(api: StandIn, chats: set[int], since: int = 0) -> list:  # type: ignore[type-arg]
    return [r for r in api.records(since) if r.method == "sendMessage" and r.chat_id in chats]


class Delivered:
    """How many messages reached these chats so far, reading only the stand-in's new call records
    (a scan of every record at each change would cost more than the sending, at 10,000)."""

    def __init__(self, api: StandIn, chats: set[int], since: int) -> None:
        self.api, self.chats, self.next, self.count = api, chats, since, 0

    def __call__(self) -> int:
        records = self.api.records(self.next)
        for record in records:
            if record.finished is None and record.method == "sendMessage":  # in flight: read again next time
                break
            self.next += 1
            if record.method == "sendMessage" and record.status == 200 and record.chat_id in self.chats:
                self.count += 1
        return self.count


def figures(label: str, records: list, rate: float, relay: float | None) -> dict[str, object]:  # type: ignore[type-arg]
    ok = [r for r in records if r.status == 200]
    started = sorted(r.started for r in ok)
    span = started[-1] - started[0] if len(started) > 1 else float("nan")
    achieved = (len(started) - 1) / span if span else float("nan")
    late_429 = sum(1 for r in records if r.status == 429 and r.started > started[0] + 1.0)
    counted: dict[int, int] = {}
    for r in ok:
        counted[r.chat_id] = counted.get(r.chat_id, 0) + 1
    return {
        "label": label,
        "sent": len(ok),
        "rate": achieved,
        "ratio": achieved / rate,
        "429 after 1 s": late_429,
        "twice": sum(1 for n in counted.values() if n > 1),
        "relay": relay,
    }


async def prepare(url: str, data: Path, ids: list[int]) -> None:
    """The recipients, as residents who agreed and asked for announcements (written directly)."""
    settings = Settings(DATABASE_URL=url, TREMPLIN_DATA_DIR=data, TREMPLIN_CONTENT_DIR=PROJECT_ROOT)
    runtime = Runtime.build(settings, with_answers=False)
    await runtime.migrate()
    now = datetime.now(UTC)

    async def add(session):  # type: ignore[no-untyped-def]
        session.add_all(
            Resident(
                channel="telegram", external_id=str(uid), language=LANGUAGES[n % len(LANGUAGES)], consent="yes",
                consent_at=now, announcements="yes", step="menu", step_data={}, screen=0, created_at=now,
                last_seen_at=now,
            )
            for n, uid in enumerate(ids)
        )  # fmt: skip

    await in_transaction(runtime.sessions, add)
    await runtime.close()


async def queue(url: str, data: Path) -> int:
    """What `tremplin broadcast new` then `tremplin broadcast send` do."""
    settings = Settings(DATABASE_URL=url, TREMPLIN_DATA_DIR=data, TREMPLIN_CONTENT_DIR=PROJECT_ROOT)
    runtime = Runtime.build(settings, with_answers=False)
    core, now = runtime.core, datetime.now(UTC)
    draft, errors = compose.read(f"text:\n  fr: {TEXT!r}\n", "bench.yml", set(), now)
    assert draft is not None, errors

    async def send(session):  # type: ignore[no-untyped-def]
        made = await broadcasts.create(session, draft, "bench", None, now)
        count = await broadcasts.queue(session, made, core.catalogs, core.screening, now)
        return count

    count = await in_transaction(runtime.sessions, send)
    await runtime.close()
    return count


def tremplin(api: StandIn, n: int, rate: float, tmp: Path) -> dict[str, object]:
    url = f"sqlite+aiosqlite:///{tmp / 'tremplin.sqlite3'}"
    ids = people(api, FIRST_RECIPIENT, n)
    asyncio.run(prepare(url, tmp / "data", ids))
    api.add_user(NADIA, "Nadia", language_code="fr")
    api.add_group(GROUP, "Conseillers", is_forum=True, members={NADIA: "member"})
    bot = BotProcess(api, url, tmp)
    bot.env["TREMPLIN_COUNSELLORS_CHAT"] = str(GROUP)
    bot.env["TREMPLIN_SEND_RATE"] = str(rate)
    bot.env["TREMPLIN_QUIET_HOURS"] = "none"  # measured at any hour: at night the broadcast would wait for 08:00
    bot.env["TREMPLIN_LOG_LEVEL"] = "WARNING"
    bot.start()
    try:
        asker = Person(api, ASKER, "Samia", "fr")
        asker.start()
        agree(asker)
        asker.send("je veux parler a une personne")
        api.wait_until(lambda: bool(api.topics(GROUP)), 15)
        thread = max(api.topics(GROUP))
        api.push_message(NADIA, "/take", chat_id=GROUP, message_thread_id=thread)
        api.wait_until(lambda: any("Pris en charge" in e.text for e in api.transcript(GROUP)), 15)
        api.limit_broadcasts(per_second=30, per_chat_gap=1.0)  # from now on (a greeting's burst is tolerated)
        mark = api.call_count()
        if asyncio.run(queue(url, tmp / "data")) != n:
            raise RuntimeError("not every recipient was queued")
        chats = set(ids)
        delivered = Delivered(api, chats, mark)
        api.wait_until(lambda: delivered() >= n // 2, n / rate * 3)
        pushed = time.monotonic()
        api.push_message(NADIA, "Bonjour Samia, je suis Nadia.", chat_id=GROUP, message_thread_id=thread)
        api.wait_until(lambda: any("je suis Nadia" in e.text for e in asker.bot_entries()), 30)
        relayed = next(r for r in api.records(mark) if r.chat_id == ASKER and r.status == 200 and r.started > pushed)
        api.wait_until(lambda: delivered() >= n, n / rate * 3 + 30)
        return figures(f"Tremplin outbox (rate {rate:g})", sends(api, chats, mark), rate, relayed.started - pushed)
    except Exception:
        print(bot.log()[-3000:])
        raise
    finally:
        bot.stop()


def baseline(api: StandIn, n: int, rate: float) -> dict[str, object]:
    from telegram.ext import AIORateLimiter, ExtBot

    ids = people(api, BASELINE_FIRST, n)
    other = BASELINE_FIRST - 1
    api.add_user(other, "Samia", language_code="fr")
    api.open_chats([other])
    mark = api.call_count()

    async def run() -> float:
        limiter = AIORateLimiter(max_retries=3)
        async with ExtBot(api.token, base_url=f"{api.api_root}/bot", rate_limiter=limiter) as bot:
            loop = asyncio.gather(*(bot.send_message(uid, TEXT) for uid in ids), return_exceptions=True)
            delivered = Delivered(api, set(ids), mark)
            while delivered() < n // 2:
                await asyncio.sleep(0.05)
            asked = time.monotonic()
            await bot.send_message(other, "Bonjour Samia, je suis Nadia.")
            relayed = next(r for r in api.records(mark) if r.chat_id == other and r.status == 200)
            await loop
            return relayed.started - asked

    relay = asyncio.run(run())
    return figures("AIORateLimiter, plain loop", sends(api, set(ids), mark), 30.0, relay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=25.0, help="TREMPLIN_SEND_RATE")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="tremplin-broadcast-") as tmp, StandIn() as api:
        results.append(tremplin(api, args.recipients, args.rate, Path(tmp)))
        time.sleep(2)  # the stand-in's window empties
        results.append(baseline(api, args.recipients, args.rate))
    print(f"\n{args.recipients} recipients; the stand-in allows 30 messages a second and one a second per chat.")
    print(f"{'sender':32}{'sent':>7}{'rate/s':>9}{'ratio':>8}{'429 after 1 s':>15}{'twice':>7}{'relay delay':>13}")
    for r in results:
        relay = f"{r['relay']:.2f} s" if isinstance(r["relay"], float) else "—"
        print(
            f"{r['label']:32}{r['sent']:>7}{r['rate']:>9.1f}{r['ratio']:>8.2f}{r['429 after 1 s']:>15}"
            f"{r['twice']:>7}{relay:>13}"
        )
    print("(ratio: the achieved rate over TREMPLIN_SEND_RATE for Tremplin, over 30 for the baseline's limiter)")


if __name__ == "__main__":
    main()
