"""Time the queries behind the busiest screens on a database the size of a city.

A script, not a test: it fills a fresh database with --requests (100,000) help requests,
--people (10,000) people and --points (10,000) information points over ten wijken, then prints
p50/p95/max of each query, --samples (300) times each. Target: p95 under 20 ms.

    .venv/bin/python bench/queries.py                                   # SQLite
    .venv/bin/python bench/queries.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

With PostgreSQL, a database is created on that server for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from models import migrate, stats
from models.areas import Wijk
from models.db import create_engine, create_sessionmaker
from models.help_requests import HelpRequest, Status, requests_of
from models.help_requests.dispatch import queue
from models.infopoints import InfoPoint, nearest
from models.people import Person

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WIJKEN = 10
CATEGORIES = ["boodschappen", "vervoer", "klusje", "computer", "gezelschap", "formulieren"]
# Of all requests ever made (two years here, about 140 a day), most are long closed; open and
# accepted ones are those of the last few days: about 1% of all.
STATES = [(Status.DONE, 120), (Status.CANCELLED, 30), (Status.EXPIRED, 48), (Status.OPEN, 1),
          (Status.CLAIMED, 1)]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    """Return the value below which this share of the values lies."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def seed(
    session: AsyncSession, rng: random.Random, people: int, requests: int, points: int
) -> None:
    """Fill the database in bulk (executemany), the way years of use would."""
    await session.execute(
        insert(Wijk), [{"code": f"W{i:02}", "name": f"Wijk {i}"} for i in range(WIJKEN)]
    )
    wijk_ids = list(await session.scalars(select(Wijk.id)))
    await session.execute(
        insert(Person),
        [
            {"telegram_id": 10_000_000 + i, "display_name": f"Buur {i}", "language": "nl",
             "home_wijk_id": rng.choice(wijk_ids), "created_at": NOW, "updated_at": NOW,
             "started_at": NOW}
            for i in range(people)
        ],
    )  # fmt: skip
    person_ids = list(await session.scalars(select(Person.id)))
    states = [s for s, weight in STATES for _ in range(weight)]
    batch = []
    for _i in range(requests):
        status = rng.choice(states)
        created = NOW - timedelta(days=rng.random() * 730)
        if status in (Status.OPEN, Status.CLAIMED):
            created = NOW - timedelta(hours=rng.random() * 72)
        start = created + timedelta(hours=rng.random() * 48)
        helper = rng.choice(person_ids) if status in (Status.CLAIMED, Status.DONE) else None
        batch.append(
            {"requester_id": rng.choice(person_ids), "category": rng.choice(CATEGORIES),
             "description": "Wie kan helpen met boodschappen?", "when_kind": "day",
             "window_start_at": start, "window_end_at": start + timedelta(hours=5),
             "wijk_id": rng.choice(wijk_ids), "contact": "telegram", "status": status,
             "helper_id": helper, "claimed_at": created if helper else None,
             "closed_at": start if status not in (Status.OPEN, Status.CLAIMED) else None,
             "created_at": created, "updated_at": created, "checkins_sent": 0}
        )  # fmt: skip
        if len(batch) == 5000:
            await session.execute(insert(HelpRequest), batch)
            batch = []
    if batch:
        await session.execute(insert(HelpRequest), batch)
    await session.execute(
        insert(InfoPoint),
        [
            {"key": f"p{i}", "name": f"Punt {i}", "kind": "buurthuis", "services": [],
             "latitude": 52.03 + rng.random() * 0.12, "longitude": 4.97 + rng.random() * 0.22,
             "wijk_id": rng.choice(wijk_ids)}
            for i in range(points)
        ],
    )  # fmt: skip


Query = Callable[[AsyncSession, random.Random], Awaitable[object]]


async def run(url: str, people: int, requests: int, points: int, samples: int) -> None:
    """Seed, then time each query."""
    rng = random.Random(7)
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    started = time.perf_counter()
    async with sessionmaker.begin() as session:
        await seed(session, rng, people, requests, points)
    async with engine.connect() as connection:
        # Fresh statistics for the planner, as autovacuum (PostgreSQL) or a periodic ANALYZE would.
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    print(f"seeded {requests:,} requests, {people:,} people, {points:,} points "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    async with sessionmaker() as session:
        wijk_ids = list(await session.scalars(select(Wijk.id)))
        person_ids = list(await session.scalars(select(Person.id)))

    async def queue_one_wijk(session: AsyncSession, rng: random.Random) -> object:
        return await queue(
            session, {rng.choice(wijk_ids)}, now=NOW, stalled_after=timedelta(hours=24)
        )

    async def queue_all(session: AsyncSession, rng: random.Random) -> object:
        return await queue(session, None, now=NOW, stalled_after=timedelta(hours=24))

    async def mine(session: AsyncSession, rng: random.Random) -> object:
        person = await session.get(Person, rng.choice(person_ids))
        assert person is not None
        return await requests_of(session, person)

    async def nearest_points(session: AsyncSession, rng: random.Random) -> object:
        lat, lon = 52.03 + rng.random() * 0.12, 4.97 + rng.random() * 0.22
        return await nearest(session, latitude=lat, longitude=lon, count=3)

    queries: dict[str, Query] = {
        "/wachtrij, one wijk": queue_one_wijk,
        "/wachtrij, all wijken (admin)": queue_all,
        "/mijn": mine,
        "nearest 3 information points": nearest_points,
    }
    queries.update(extra_queries(wijk_ids))
    print(f"{'query':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, query in queries.items():
        times = []
        async with sessionmaker() as session:
            await query(session, rng)  # warm up: plans and caches
            for _ in range(samples):
                start = time.perf_counter()
                await query(session, rng)
                times.append((time.perf_counter() - start) * 1000)
                session.expunge_all()
        print(f"{name:34} {statistics.median(times):8.2f} {percentile(times, 0.95):8.2f} "
              f"{max(times):8.2f}")  # fmt: skip
    await engine.dispose()


def extra_queries(wijk_ids: list[int]) -> dict[str, Query]:
    """Return the figures of /stats for the last 30 days, all wijken (what an admin sees)."""
    when = stats.span(stats.Period.LAST_30_DAYS, now=NOW, tz=ZoneInfo("Europe/Amsterdam"))

    async def month_stats(session: AsyncSession, rng: random.Random) -> object:
        return await stats.compute(session, when, wijk_ids=None)

    async def one_wijk_stats(session: AsyncSession, rng: random.Random) -> object:
        return await stats.compute(session, when, wijk_ids=[rng.choice(wijk_ids)])

    return {"/stats, 30 days, all wijken": month_stats, "/stats, 30 days, one wijk": one_wijk_stats}


async def main(args: argparse.Namespace) -> None:
    """Run against SQLite in a temp dir, or a fresh PostgreSQL database."""
    if args.database_url is None:
        with tempfile.TemporaryDirectory() as folder:
            await run(f"sqlite+aiosqlite:///{folder}/bench.db", args.people, args.requests,
                      args.points, args.samples)  # fmt: skip
        return
    server = make_url(args.database_url)
    name = f"buurtbot_queries_{os.getpid()}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        await run(url, args.people, args.requests, args.points, args.samples)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
