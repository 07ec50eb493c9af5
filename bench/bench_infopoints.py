"""Time the nearest-3 query and the text search among 10,000 information points.

A script, not a test: it prints the median and p95 of each and asserts nothing. The target is
a median under 5 ms on this machine. Run: ``.venv/bin/python bench/bench_infopoints.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import migrate
from models.db import create_engine, create_sessionmaker
from models.infopoint_search import PointSearch
from models.infopoints import InfoPoint, nearest

WORDS = [
    "Buurthuis",
    "Bibliotheek",
    "Wijkbureau",
    "Buurtkamer",
    "Het Anker",
    "De Boog",
    "Oost",
    "Zuilen",
    "Lombok",
    "Overvecht",
    "Kanaleneiland",
    "Lunetten",
    "Hoograven",
    "Tuindorp",
]
SERVICES = ["digitale hulp", "formulieren", "geldzaken", "zorg", "ontmoeting", "taal"]
QUERIES = ["bieb", "formulier", "overvegt", "buurthuis oost", "de boog", "kanaleneiland zorg"]


def percentile(values: list[float], share: float) -> float:
    """Return the value below which this share of the values lies."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(points: int, queries: int, url: str | None) -> None:
    """Fill a fresh database and time both lookups."""
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        url = url or f"sqlite+aiosqlite:///{folder}/bench.db"
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker.begin() as session:
            session.add_all(
                InfoPoint(
                    key=f"p{i}",
                    name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
                    kind="buurthuis",
                    services=rng.sample(SERVICES, 2),
                    latitude=52.03 + rng.random() * 0.12,
                    longitude=4.97 + rng.random() * 0.22,
                )
                for i in range(points)
            )
        search = PointSearch()
        async with sessionmaker() as session:
            await search.search(session, "warm up")  # the first search builds the index
            near_ms, search_ms = [], []
            for _ in range(queries):
                lat, lon = 52.03 + rng.random() * 0.12, 4.97 + rng.random() * 0.22
                start = time.perf_counter()
                await nearest(session, latitude=lat, longitude=lon, count=3)
                near_ms.append((time.perf_counter() - start) * 1000)
            for i in range(queries):
                start = time.perf_counter()
                await search.search(session, QUERIES[i % len(QUERIES)])
                search_ms.append((time.perf_counter() - start) * 1000)
        await engine.dispose()
    print(f"{points} points, {queries} lookups each ({url.split(':')[0]})")
    for label, values in (("nearest 3", near_ms), ("text search", search_ms)):
        print(
            f"{label:12} median {statistics.median(values):6.2f} ms   "
            f"p95 {percentile(values, 0.95):6.2f} ms   max {max(values):6.2f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    asyncio.run(main(args.points, args.queries, args.database_url))
