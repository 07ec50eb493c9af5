"""The SQLite connection that runs a statement in one call: the cursor behaves as aiosqlite's.

SQLite only by nature (it is the SQLite driver); every other test on SQLite runs through it too,
inline. Both ways are tested here: inline in the event loop's thread, and on aiosqlite's thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.sqlite_driver import BufferedConnection, connect


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "thread"])
async def test_cursor_reads_writes_and_counts(tmp_path: Path, inline: bool) -> None:
    connection = await connect(str(tmp_path / "driver.db"), inline=inline, check_same_thread=False)
    try:
        assert isinstance(connection, BufferedConnection)
        assert connection.inline is inline
        cursor = connection.cursor()
        await cursor.execute("CREATE TABLE buur (id INTEGER PRIMARY KEY, naam TEXT UNIQUE)")
        await cursor.execute("INSERT INTO buur (naam) VALUES (?)", ("Ann",))
        assert cursor.lastrowid == 1
        assert cursor.rowcount == 1
        await cursor.executemany("INSERT INTO buur (naam) VALUES (?)", [("Bo",), ("Cas",), ("🙂",)])
        assert cursor.rowcount == 3
        await cursor.execute("UPDATE buur SET naam = naam || '!' WHERE id > ?", (2,))
        assert cursor.rowcount == 2
        await cursor.execute("SELECT id, naam FROM buur ORDER BY id")
        assert [d[0] for d in cursor.description] == ["id", "naam"]
        assert await cursor.fetchone() == (1, "Ann")
        assert await cursor.fetchmany(2) == [(2, "Bo"), (3, "Cas!")]
        assert await cursor.fetchall() == [(4, "🙂!")]
        assert await cursor.fetchone() is None
        await cursor.execute("INSERT INTO buur (naam) VALUES ('Dirk') RETURNING id")
        assert await cursor.fetchall() == [(5,)]
        with pytest.raises(sqlite3.IntegrityError):
            await cursor.execute("INSERT INTO buur (naam) VALUES ('Ann')")
        await connection.commit()
    finally:
        await connection.close()


@dataclass
class Turns:
    count: int = 0


@asynccontextmanager
async def loop_turns(pause: float) -> AsyncIterator[Turns]:
    """Count the event loop's turns meanwhile: a task that counts and sleeps pause s a time."""
    turns = Turns()

    async def tick() -> None:
        while True:
            turns.count += 1
            await asyncio.sleep(pause)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        yield turns
    finally:
        ticker.cancel()


def _hold_the_write_lock(path: Path) -> sqlite3.Connection:
    """Open a plain sqlite3 connection (another process, say) and take the write lock."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_inline_waits_for_the_lock_without_holding_up_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    other = _hold_the_write_lock(path)
    connection = await connect(str(path), inline=True, busy_timeout=5, check_same_thread=False)
    asyncio.get_running_loop().call_later(0.3, other.commit)
    try:
        async with loop_turns(0.01) as turns:
            started = time.monotonic()
            await connection.cursor().execute("BEGIN IMMEDIATE")
            waited = time.monotonic() - started
        await connection.cursor().execute("CREATE TABLE t (x)")
        await connection.commit()
    finally:
        await connection.close()
        other.close()
    # It got the lock once the other let go, and the loop went on meanwhile (a busy handler in
    # the loop's thread would have stopped the ticker for the whole wait).
    assert waited >= 0.25
    assert turns.count >= 10


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "thread"])
async def test_a_lock_held_too_long_ends_in_database_is_locked(
    tmp_path: Path, inline: bool
) -> None:
    path = tmp_path / "locked.db"
    other = _hold_the_write_lock(path)
    connection = await connect(str(path), inline=inline, busy_timeout=0.2, check_same_thread=False)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await connection.cursor().execute("BEGIN IMMEDIATE")
        assert 0.15 <= time.monotonic() - started < 3
        # Once the lock is free, the same connection works.
        other.commit()
        await connection.cursor().execute("BEGIN IMMEDIATE")
        await connection.rollback()
    finally:
        await connection.close()
        other.close()


async def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    connection = await connect(str(tmp_path / "e.db"), inline=True, check_same_thread=False)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await connection.cursor().execute("SELECT * FROM nergens")
        assert time.monotonic() - started < 0.5
    finally:
        await connection.close()
    with pytest.raises(ValueError, match="connection"):
        await connection.cursor().execute("SELECT 1")


async def test_a_long_run_of_statements_lets_the_loop_turn(tmp_path: Path) -> None:
    """Inline statements never wait; a long run of them still gives other tasks a turn."""
    connection = await connect(str(tmp_path / "run.db"), inline=True, check_same_thread=False)
    try:
        cursor = connection.cursor()
        await cursor.execute("CREATE TABLE t (x)")
        async with loop_turns(0) as turns:
            started, before = time.monotonic(), turns.count
            while time.monotonic() - started < 0.2:  # 200 ms of statements, nothing else awaited
                await cursor.execute("INSERT INTO t VALUES (1)")
            during = turns.count - before
    finally:
        await connection.close()
    assert during >= 10  # at least one turn per LONGEST_STALL (5 ms), give or take
