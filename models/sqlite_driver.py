"""aiosqlite with one trip to its thread per statement instead of four.

aiosqlite runs every call on a worker thread, and SQLAlchemy's adapter makes four calls per
statement: make a cursor, execute, fetch the rows, close the cursor. Each trip costs about a tenth
of a millisecond of CPU in hand-overs (a queue, a future, a wake-up of the event loop), far more
than SQLite needs for our statements, so a short transaction cost about 1 ms. Here a statement is
run, fetched and closed in one trip, and the rows wait in memory for SQLAlchemy to read them.

Nothing else changes: the same thread, connection and sqlite3 module; commit and rollback are one
trip each, as before. Rows are always buffered (SQLAlchemy does that for aiosqlite anyway; we use
no server-side cursors). aiosqlite is pinned below 0.23 in pyproject.toml: this subclass uses its
Connection's worker (``_execute``) and sqlite3 connection (``_conn``).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

__all__ = ["BufferedConnection", "connect"]

Row = tuple[Any, ...]
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
    """aiosqlite's connection whose cursors take one trip per statement."""

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        """Return a cursor; making it costs no trip (its sqlite3 cursor lives in execute)."""
        return BufferedCursor(self)

    async def run(self, work: Any, *args: Any) -> Outcome:
        """Run work(sqlite3_connection, *args) on the connection's thread."""
        return await self._execute(work, self._conn, *args)  # type: ignore[no-any-return]


def _execute(connection: sqlite3.Connection, sql: str, parameters: Any) -> Outcome:
    """Execute, fetch and close, on the connection's thread."""
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
    """Executemany and close, on the connection's thread."""
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
        return [], cursor.description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def connect(database: str, **kwargs: Any) -> BufferedConnection:
    """Open a connection as aiosqlite.connect does (its thread a daemon, as SQLAlchemy's)."""
    connection = BufferedConnection(partial(sqlite3.connect, database, **kwargs), 64)
    connection._thread.daemon = True  # never keep the process alive for an unclosed connection
    return await connection
