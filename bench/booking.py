"""Benchmark: book 5,000 residents into 500 sessions; one booking's time against one plain SELECT.

Run: `.venv/bin/python bench/booking.py` (SQLite in a temporary file), and with
`TREMPLIN_BENCH_POSTGRES_URL=postgresql+psycopg://...` also on PostgreSQL. Prints the median and
p99 of one booking (the whole transaction: read, conditional seat update, insert, commit) and the
same figures for one `SELECT 1` round trip measured in the same run, with their ratio.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.privacy import service as privacy
from bot.core.residents import find_or_create
from bot.core.sessions import service as sessions
from bot.db.engine import in_transaction, make_engine, make_sessions
from bot.db.migrate import upgrade
from bot.db.models import InfoSession

RESIDENTS = 5000
SESSIONS = 500
SELECTS = 2000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(url: str, label: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    factory = make_sessions(engine)
    now = datetime.now(UTC)

    async def setup(s):  # type: ignore[no-untyped-def]
        for i in range(SESSIONS):
            s.add(
                InfoSession(
                    key=f"bench-{i}", kind="info", title={"fr": "Bench"}, description={},
                    starts_at=now + timedelta(days=10, hours=i), ends_at=now + timedelta(days=10, hours=i + 2),
                    venue_address="1 rue du Banc", capacity=RESIDENTS // SESSIONS, seats_taken=0,
                    languages=["fr"], neighbourhoods=[], status="scheduled", updated_at=now,
                )
            )
        ids = []
        for i in range(RESIDENTS):
            resident, _ = await find_or_create(s, "bench", str(i), "fr", now)
            privacy.accept(resident, now, None)
            ids.append(resident.id)
        return ids

    await in_transaction(factory, setup)
    async with factory() as s:
        infos = list((await s.execute(text("SELECT id FROM info_sessions ORDER BY id"))).scalars())

    async def one_select() -> float:
        started = time.perf_counter()
        async with factory() as s, s.begin():
            await s.execute(text("SELECT 1"))
        return time.perf_counter() - started

    async def one_booking(i: int) -> float:
        async def work(s):  # type: ignore[no-untyped-def]
            resident, _ = await find_or_create(s, "bench", str(i), "fr", now)
            info = await s.get(InfoSession, infos[i % SESSIONS])
            result = await sessions.book(s, resident, info, now)
            assert result.status == sessions.BOOKED, result.status

        started = time.perf_counter()
        await in_transaction(factory, work)
        return time.perf_counter() - started

    for _ in range(50):  # warm the pool and the caches alike for both measurements
        await one_select()
    selects, bookings = [], []
    for i in range(RESIDENTS):
        bookings.append(await one_booking(i))
        if i < SELECTS:
            selects.append(await one_select())
    await engine.dispose()
    med_b, p99_b = statistics.median(bookings), percentile(bookings, 99)
    med_s, p99_s = statistics.median(selects), percentile(selects, 99)
    print(f"{label}: {RESIDENTS} bookings into {SESSIONS} sessions")
    print(f"  one booking   median {med_b * 1000:7.3f} ms   p99 {p99_b * 1000:7.3f} ms")
    print(f"  one SELECT 1  median {med_s * 1000:7.3f} ms   p99 {p99_s * 1000:7.3f} ms")
    print(f"  ratio         median {med_b / med_s:7.1f} x    p99 {p99_b / p99_s:7.1f} x")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await run(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", "SQLite")
    pg = os.environ.get("TREMPLIN_BENCH_POSTGRES_URL")
    if pg:
        await run(pg, "PostgreSQL")
    else:
        print("PostgreSQL: skipped (set TREMPLIN_BENCH_POSTGRES_URL to a fresh database)")


if __name__ == "__main__":
    asyncio.run(main())
