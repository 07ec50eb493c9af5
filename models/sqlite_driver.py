"""aiosqlite run in the event loop's own thread, one call per statement.

aiosqlite runs every call on a worker thread, and SQLAlchemy's adapter makes four calls per
statement: make a cursor, execute, fetch the rows, close the cursor. Each trip to the thread costs
about a tenth of a millisecond of CPU in hand-overs (a queue, a future, a wake-up of the event
loop), far more than SQLite needs for our statements. Here a statement is run, fetched and closed
in one call, and the rows wait in memory for SQLAlchemy to read them.

With ``inline`` (the default, see models/db.py) that call runs right away in the event loop's
thread: no trip at all, a quarter less CPU per update in bench/throughput.py. What makes that
safe:

- SQLite's busy handler is off (timeout 0), so the loop never sleeps inside SQLite. When another
  process holds the write lock, the statement fails with SQLITE_BUSY having done nothing, and is
  tried again after an asyncio.sleep, for up to ``busy_timeout`` seconds, as the busy handler
  would have. Every transaction starts with BEGIN IMMEDIATE (models/db.py), so BEGIN is the
  statement that waits; COMMIT may be retried by SQLite's own rules.
- No disk wait at commit: with WAL and synchronous=NORMAL a commit appends to the log. With
  synchronous=FULL every commit waits for the disk, so that mode keeps aiosqlite's thread.
- The connection is used by one coroutine at a time (the pool holds one; models/db.py).

What it costs: one statement holds up the loop for its duration; ours take a few milliseconds
at most on a city-sized database (bench/queries.py). A long run of statements (a broadcast's
outbox rows) gives the loop a turn every LONGEST_STALL seconds.

aiosqlite is pinned below 0.23 in pyproject.toml: this subclass uses its Connection's worker
(``_execute``), sqlite3 connection (``_conn``) and thread (``_thread``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

__all__ = ["BufferedConnection", "connect"]

Row = tuple[Any, ...]
# The codes SQLite's busy handler waits on: another connection holds the lock.
BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_BUSY_RECOVERY})
# How long a statement waits, in seconds, while another process (a `buurtbot` command) holds
# the lock.
BUSY_TIMEOUT = 5.0
# The longest pause between two tries while busy, in seconds (SQLite's own handler: 100 ms).
LONGEST_PAUSE = 0.05
# Inline statements never wait, so a long run of them (a broadcast's 10,000 outbox rows) would
# hold up the event loop to the end; after this many seconds without a turn, it gets one.
LONGEST_STALL = 0.005

# What one trip brings back: the rows, the description, rowcount and lastrowid.
Outcome = tuple[list[Row], Any, int, int | None]


class BufferedCursor:
    """A cursor that executes and fetches in one trip to the connection's thread."""

    arraysize = 1

    def __init__(self, connection: BufferedConnection) -> None:
        self._connection = connection
        self._rows: deque[Row] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> BufferedCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> BufferedCursor:
        """Run one statement and keep its rows."""
        self._take(await self._connection.run(_execute, sql, parameters or ()))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> BufferedCursor:
        """Run one statement for each set of parameters."""
        self._take(await self._connection.run(_execute_many, sql, parameters))
        return self

    def _take(self, outcome: Outcome) -> None:
        rows, self.description, self.rowcount, self.lastrowid = outcome
        self._rows = deque(rows)

    async def fetchone(self) -> Row | None:
        """Return the next row, or None."""
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        """Return up to size rows (arraysize by default)."""
        count = min(len(self._rows), self.arraysize if size is None else size)
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Row]:
        """Return the rows not read yet."""
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        """Forget the rows not read (the sqlite3 cursor is already closed)."""
        self._rows.clear()


class BufferedConnection(aiosqlite.Connection):
    """aiosqlite's connection: one call per statement, run inline or on its thread."""

    def __init__(
        self, connector: Callable[[], sqlite3.Connection], *, inline: bool, busy_timeout: float
    ) -> None:
        super().__init__(connector, 64)
        self.inline = inline
        self.busy_timeout = busy_timeout
        # When the event loop must get a turn (loop time); None: it has had one since the last
        # inline statement (_turned ran).
        self._turn_due: float | None = None

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        """Return a cursor; making it costs nothing (its sqlite3 cursor lives in execute)."""
        return BufferedCursor(self)

    async def run(self, work: Any, *args: Any) -> Outcome:
        """Run work(sqlite3_connection, *args) and return what it returns."""
        return await self._execute(work, self._conn, *args)  # type: ignore[no-any-return]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run fn: in this thread when inline, else on aiosqlite's thread (every call goes here)."""
        if not self.inline:
            return await super()._execute(fn, *args, **kwargs)
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        result = await retry_while_busy(partial(fn, *args, **kwargs), self.busy_timeout)
        await self._let_the_loop_turn()
        return result

    async def _let_the_loop_turn(self) -> None:
        """Give the event loop a turn if it has had none for LONGEST_STALL seconds."""
        loop = asyncio.get_running_loop()
        if self._turn_due is None:
            # The loop runs _turned at its next turn; until then, the time counts as a stall.
            self._turn_due = loop.time() + LONGEST_STALL
            loop.call_soon(self._turned)
        elif loop.time() >= self._turn_due:
            await asyncio.sleep(0)

    def _turned(self) -> None:
        """Note that the event loop has turned."""
        self._turn_due = None


async def retry_while_busy(work: Callable[[], Any], patience: float) -> Any:
    """Run work; while SQLite answers busy, try again after a growing pause, for patience s.

    A statement that fails with SQLITE_BUSY has had no effect, so trying it again is what
    SQLite's busy handler does too, only without sleeping in the event loop's thread.
    """
    loop = asyncio.get_running_loop()
    deadline: float | None = None
    pause = 0.001
    while True:
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) not in BUSY_CODES:
                raise
            now = loop.time()
            deadline = now + patience if deadline is None else deadline
            if now >= deadline:
                raise
            await asyncio.sleep(min(pause, deadline - now))
            pause = min(2 * pause, LONGEST_PAUSE)


def _execute(connection: sqlite3.Connection, sql: str, parameters: Any) -> Outcome:
    """Execute, fetch and close, in one call (inline, or on the connection's thread)."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return rows, cursor.description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _execute_many(
    connection: sqlite3.Connection, sql: str, parameters: Iterable[Sequence[Any]]
) -> Outcome:
    """Executemany and close, in one call."""
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
        return [], cursor.description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def connect(
    database: str, *, inline: bool = True, busy_timeout: float = BUSY_TIMEOUT, **kwargs: Any
) -> BufferedConnection:
    """Open a connection (on aiosqlite's thread, a daemon as SQLAlchemy's).

    inline: run statements in the event loop's thread (see the module docstring); busy_timeout:
    how long a statement waits, in seconds, while another connection holds the lock.
    """
    # Inline, SQLite's own busy handler would sleep in the loop's thread: retry_while_busy waits.
    kwargs["timeout"] = 0 if inline else busy_timeout
    connector = partial(sqlite3.connect, database, **kwargs)
    connection = BufferedConnection(connector, inline=inline, busy_timeout=busy_timeout)
    connection._thread.daemon = True  # never keep the process alive for an unclosed connection
    return await connection
