"""The engine: SQLite runs with WAL, foreign keys on and one pooled connection."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli import TokenFilter
from models.db import create_engine


def only_on(engine: AsyncEngine, dialect: str, why: str) -> None:
    """Skip the test, saying why, unless this run uses that database."""
    if engine.dialect.name != dialect:
        pytest.skip(why)


async def test_sqlite_uses_wal_and_foreign_keys(engine: AsyncEngine) -> None:
    only_on(engine, "sqlite", "SQLite pragmas; this run uses PostgreSQL")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        # 1 is NORMAL: with WAL, a crash of the bot loses no commit (see models/db.py).
        assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1


async def test_two_engines_on_one_sqlite_file_take_turns_in_one_loop(db_url: str) -> None:
    """A second engine (a test's, a command's) waits for the first without stopping the loop.

    Statements run in the loop's thread (models/sqlite_driver.py): were SQLite's busy handler
    on, the waiting engine would sleep in that thread and the holder could never commit.
    """
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's locking; this run uses PostgreSQL")
    first, second = create_engine(db_url), create_engine(db_url)
    try:
        async with first.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS beurt (wie TEXT)"))
        async with second.connect() as conn:
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 0
        order: list[str] = []

        async def later() -> None:
            async with second.begin() as conn:  # BEGIN IMMEDIATE: waits for the first
                await conn.execute(text("INSERT INTO beurt VALUES ('tweede')"))
                order.append("second")

        async with first.begin() as conn:
            await conn.execute(text("INSERT INTO beurt VALUES ('eerste')"))
            waiting = asyncio.create_task(later())
            await asyncio.sleep(0.2)  # the loop runs: the second is waiting, not blocking it
            assert not waiting.done()
            order.append("first")
        await asyncio.wait_for(waiting, 5)
        assert order == ["first", "second"]
        async with second.begin() as conn:
            rows = (await conn.execute(text("SELECT wie FROM beurt"))).scalars().all()
            await conn.execute(text("DROP TABLE beurt"))
        assert rows == ["eerste", "tweede"]
    finally:
        await first.dispose()
        await second.dispose()


async def test_sqlite_can_wait_for_the_disk_at_every_commit(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas; this run uses PostgreSQL")
    engine = create_engine(db_url, sqlite_synchronous="full")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 2  # FULL
            # A commit that waits for the disk waits on aiosqlite's thread, not in the loop's.
            raw = await conn.get_raw_connection()
            assert raw.driver_connection.inline is False
    finally:
        await engine.dispose()


def test_token_is_blanked_in_log_lines() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /bot%s/getMe", ("1:abc",), None)
    assert TokenFilter("1:abc").filter(record)
    assert record.getMessage() == "GET /bot<token>/getMe"


async def test_a_connection_the_server_cut_is_replaced_without_an_error(
    engine: AsyncEngine,
) -> None:
    """A restart or failover cuts the pooled connections; the next session just works."""
    only_on(engine, "postgresql", "cut connections are PostgreSQL's; this run uses SQLite")
    async with engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
    # The pooled connection is cut from outside the pool, as a server restart would.
    url = engine.url
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the socket's end reaches the driver
    for _ in range(3):  # every pooled connection, the cut one among them
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1


async def test_postgresql_keeps_its_connections_and_opens_no_more_than_the_pool(
    db_url: str,
) -> None:
    """More users than connections take turns on the same ones: none is opened and closed again."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connection pool; this run uses SQLite")
    engine = create_engine(db_url, pool_size=2)
    backends: list[int] = []
    busy = 0
    most = 0

    async def user() -> None:
        nonlocal busy, most
        async with engine.connect() as conn:
            busy += 1
            most = max(most, busy)
            backends.append((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await asyncio.sleep(0.05)
            busy -= 1

    try:
        await asyncio.gather(*(user() for _ in range(6)))
        await asyncio.gather(*(user() for _ in range(6)))
    finally:
        await engine.dispose()
    assert most == 2
    assert len(backends) == 12
    assert len(set(backends)) == 2  # the same two connections served all twelve


async def test_a_transaction_left_open_is_rolled_back_before_the_next_user(
    engine: AsyncEngine,
) -> None:
    """SQLite has one pooled connection: what one user left open must not reach the next."""
    only_on(engine, "sqlite", "SQLite's reset on return; PostgreSQL keeps SQLAlchemy's")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE scratch (n INTEGER)"))

    def leave_open(sync_conn: Connection) -> None:
        cursor = sync_conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("BEGIN IMMEDIATE")  # behind SQLAlchemy's back, so only the pool sees it
        cursor.execute("INSERT INTO scratch VALUES (1)")

    async with engine.connect() as conn:
        await conn.run_sync(leave_open)
    sessions = async_sessionmaker(engine)
    async with sessions.begin() as session:  # would fail: "a transaction within a transaction"
        await session.execute(text("INSERT INTO scratch VALUES (2)"))
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT n FROM scratch"))).scalars().all()
    assert rows == [2]


async def test_writers_at_once_all_get_their_turn(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """On SQLite they queue for the one pooled connection; on PostgreSQL they run side by side."""
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
    sessions = sessionmaker

    async def write(n: int) -> None:
        async with sessions.begin() as session:
            await session.execute(text("SELECT count(*) FROM scratch"))
            await asyncio.sleep(0.001)  # hold the transaction over an await, as handlers do
            await session.execute(text("INSERT INTO scratch VALUES (:n)"), {"n": n})

    try:
        await asyncio.gather(*(write(n) for n in range(40)))
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT n FROM scratch ORDER BY n"))).scalars().all()
        assert rows == list(range(40))
    finally:
        async with engine.begin() as conn:  # PostgreSQL's test database is shared by the tests
            await conn.execute(text("DROP TABLE scratch"))


async def test_a_transaction_block_commits_rolls_back_and_always_gives_the_connection_back(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """sessionmaker.begin(): commit at the end, roll back on an error or a cancel; never leak.

    On SQLite the block ends without SQLAlchemy's tasks (models/db.py); a connection it failed
    to give back would leave the next transaction waiting for the one pooled connection.
    """
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
    try:
        # A connection not given back would make the next block wait for it: fail instead.
        async with asyncio.timeout(10):
            async with sessionmaker.begin() as session:
                await session.execute(text("INSERT INTO scratch VALUES (1)"))

            async def failing() -> None:
                async with sessionmaker.begin() as session:
                    await session.execute(text("INSERT INTO scratch VALUES (2)"))
                    raise ValueError("a handler failed")

            with pytest.raises(ValueError, match="a handler failed"):
                await failing()
            inside = asyncio.Event()

            async def cancelled_midway() -> None:
                async with sessionmaker.begin() as session:
                    await session.execute(text("INSERT INTO scratch VALUES (3)"))
                    inside.set()
                    await asyncio.sleep(10)

            task = asyncio.create_task(cancelled_midway())
            await inside.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            async with sessionmaker() as session:  # the plain session block closes as well
                await session.execute(text("SELECT 1"))
            for n in (4, 5):  # the pool has every connection back (SQLite: its only one)
                async with sessionmaker.begin() as session:
                    await session.execute(text("INSERT INTO scratch VALUES (:n)"), {"n": n})
            async with engine.connect() as conn:
                rows = await conn.execute(text("SELECT n FROM scratch ORDER BY n"))
                assert rows.scalars().all() == [1, 4, 5]
            assert engine.pool.checkedout() == 0
    finally:
        async with asyncio.timeout(5), engine.begin() as conn:
            await conn.execute(text("DROP TABLE scratch"))
