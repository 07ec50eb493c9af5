"""What one short transaction costs the bot's CPU, on SQLite and PostgreSQL.

A script, not a test: it prints figures and asserts nothing. Most updates open one or two short
transactions (the person's upsert, a read or two, the persistence round), so this is the floor
under an update's cost: an empty session, one statement in a transaction, two statements, the
person's upsert in a transaction and without one (autocommit), `SELECT 1` on a connection without
a session and (PostgreSQL) on asyncpg alone, each --repeat times after a warm-up, CPU and wall ms
per transaction.

    .venv/bin/python bench/dbcost.py [--repeat 2000] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade
from models.people import Person, touch_person

WARM_UP = 200


async def measure(name: str, step: Callable[[], Awaitable[None]], repeat: int) -> None:
    """Run one kind of transaction repeat times and print its CPU and wall ms."""
    for _ in range(WARM_UP):
        await step()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        await step()
    cpu_ms = 1000 * (time.process_time() - cpu) / repeat
    wall_ms = 1000 * (time.perf_counter() - wall) / repeat
    print(f"{name:44} {cpu_ms:7.3f} {wall_ms:7.3f}")


async def run(url: str, repeat: int) -> None:
    """Measure each kind of transaction against a migrated database at url."""
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    autocommit = create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))

    async def touch(session: AsyncSession) -> None:
        await touch_person(
            session,
            telegram_id=5,
            display_name="Buur",
            username=None,
            private_chat=True,
        )

    async def empty() -> None:
        # No statement: the session takes no connection and nothing goes to the database.
        async with sessions.begin() as session:
            assert session.is_active

    async def one() -> None:
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))

    async def two() -> None:
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))
            await session.execute(text("SELECT 1"))

    async def person() -> None:
        async with sessions.begin() as session:
            await session.scalar(select(Person).where(Person.telegram_id == 5))

    async def upsert() -> None:
        async with sessions.begin() as session:
            await touch(session)

    async def upsert_autocommit() -> None:
        async with autocommit.begin() as session:
            await touch(session)

    async def connection_one() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))

    steps = [
        ("session, no statement", empty),
        ("transaction: SELECT 1", one),
        ("transaction: SELECT 1, SELECT 1", two),
        ("transaction: the person, as ORM object", person),
        ("transaction: the person's upsert (touch)", upsert),
        ("autocommit: the person's upsert (touch)", upsert_autocommit),
        ("connection (no session): SELECT 1", connection_one),
    ]
    driver = None
    if engine.dialect.name == "postgresql":
        # The floor under the database layer: the same transaction straight on the driver.
        import asyncpg

        driver = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql", 1))

        async def driver_one() -> None:
            assert driver is not None
            async with driver.transaction():
                await driver.fetch("SELECT 1")

        steps.append(("asyncpg alone: SELECT 1", driver_one))
    print(f"{'':44} {'CPU ms':>7} {'wall ms':>7}")
    for name, step in steps:
        await measure(name, step, repeat)
    if driver is not None:
        await driver.close()
    await engine.dispose()


def main() -> None:
    """Parse the options and measure."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="buurtbot-dbcost-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/dbcost.db"
        print(f"one transaction at a time, {args.repeat} each, {url.split('@')[-1]}")
        asyncio.run(run(url, args.repeat))


if __name__ == "__main__":
    main()
