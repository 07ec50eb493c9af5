"""Create the engine and the session factory."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from models import sqlite_driver

# PRAGMA synchronous on SQLite (database.sqlite_synchronous): with WAL, "normal" survives any
# crash of the bot and loses nothing but the last seconds' commits in a power cut or an operating
# system crash (the database stays whole); "full" waits for the disk at every commit, which made
# a busy bot a third slower here (and wears an SD card).
SQLITE_SYNCHRONOUS = ("normal", "full")

# PostgreSQL connections kept open (database.pool_size); none are opened beyond them (no
# overflow): an extra connection that is closed again when returned costs about 4 ms CPU to
# open, and it prepares each statement anew (a round trip each). With ten plus ten overflow,
# one round of bench/throughput.py opened 20 connections and prepared 490 statements; with ten
# and none, 10 and about 400. A few handlers keep their session while they wait for Telegram
# (during a flood wait, for seconds), so the pool must be larger than the updates handled side
# by side (limits.concurrent_updates, checked in config_check.py): the outbox, the persistence
# rounds and /healthz still get one. Whoever finds all busy waits its turn (pool_timeout, 30 s).
POOL_SIZE = 10


def create_engine(
    url: str,
    *,
    echo: bool = False,
    sqlite_synchronous: str = "normal",
    pool_size: int = POOL_SIZE,
) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys, a busy timeout, one connection."""
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("postgresql"):
        kwargs.update(pool_size=pool_size, max_overflow=0)
    elif url.startswith("sqlite"):
        # Every SQLite transaction takes the write lock up front (_sqlite_begin_immediate), so
        # two never run at once anyway. With one connection they queue in the pool and the next
        # starts the moment one ends; with more, each waiter sleeps in SQLite's busy handler
        # (up to 100 ms a try) while the lock may long be free: a third of the throughput.
        kwargs.update(pool_size=1, max_overflow=0)
        # The pool's own reset (a ROLLBACK on every return) costs a trip to aiosqlite's thread,
        # a third of a short transaction; _sqlite_reset rolls back only what is still open.
        kwargs.update(pool_reset_on_return=None)
        # One call per statement instead of four trips to aiosqlite's thread, run in the event
        # loop's own thread unless every commit waits for the disk (sqlite_driver.py).
        inline = sqlite_synchronous == "normal"
        kwargs.update(async_creator=_sqlite_connector(url, inline=inline))
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine.sync_engine, "checkout", _drop_closed)
    if engine.dialect.name == "sqlite":
        assert sqlite_synchronous in SQLITE_SYNCHRONOUS, sqlite_synchronous
        event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, sqlite_synchronous))
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        event.listen(engine.sync_engine, "reset", _sqlite_reset)
    return engine


def _sqlite_connector(url: str, *, inline: bool) -> Callable[[], Awaitable[Any]]:
    """Return what opens a connection: aiosqlite's arguments for url, our connection class."""
    from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

    args, connect_kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    return partial(sqlite_driver.connect, *args, inline=inline, **connect_kwargs)


def _drop_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no connection the server has closed (a restart, a failover, a cut backend).

    asyncpg notices a closed socket by itself, so this costs no round trip; pool_pre_ping
    costs three on asyncpg (BEGIN, a ping, ROLLBACK), about a tenth of an update's CPU. The
    pool drops the connection and hands out another one (a new one if need be).
    """
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def _sqlite_pragmas(synchronous: str, dbapi_connection: Any, _record: Any) -> None:
    """Turn on WAL and foreign keys on every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
    cursor.close()
    # Let SQLAlchemy, not the driver, start transactions (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection: Any) -> None:
    """Start every transaction as a writer.

    A SQLite transaction that reads and then writes fails at once ("database is locked") when
    another writer committed in between; taking the write lock up front makes it wait its turn
    instead, so two people pressing "Ik help" together both get an answer. In this process
    the one pooled connection already makes them take turns; sqlite_driver.BUSY_TIMEOUT covers other
    processes on the same file (a `buurtbot` command while the bot runs).

    It goes to the DBAPI connection directly, as SQLAlchemy's own BEGIN would (do_begin):
    exec_driver_sql would build a result for it, a sixth of a short transaction's CPU.
    """
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE")
    finally:
        cursor.close()


def _sqlite_reset(dbapi_connection: Any, _record: Any, reset_state: Any) -> None:
    """Roll back a connection that comes back to the pool in a transaction (and only then).

    Sessions end their transactions themselves; this is the safety net for one that did not,
    so that the next user of the one connection never finds the write lock already held.
    """
    if reset_state.terminate_only:
        return
    if dbapi_connection.driver_connection.in_transaction:
        dbapi_connection.rollback()


def create_sessionmaker(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Return the session factory: one session per update or job.

    ``info`` is given to every session (e.g. the privacy notice version in force).
    """
    if engine.dialect.name == "sqlite":
        return Sessionmaker(engine, class_=SQLiteSession, expire_on_commit=False, info=info or {})
    return Sessionmaker(engine, expire_on_commit=False, info=info or {})


class SQLiteSession(AsyncSession):
    """An AsyncSession that closes without a task of its own (see Transaction)."""

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class Sessionmaker(async_sessionmaker[AsyncSession]):
    """async_sessionmaker whose begin() ends its transaction as Transaction does."""

    def begin(self) -> Transaction:  # type: ignore[override]
        """Open a session in a transaction: ``async with sessionmaker.begin() as session``."""
        session = self()
        return Transaction(session, shielded=session.bind.dialect.name != "sqlite")


class Transaction:
    """Commit (or roll back) and close a session where the block ends, in one go.

    SQLAlchemy ends a session in two nested tasks of their own, so that a cancelled caller
    cannot leave the commit and the connection's return to the pool half done while a
    network round trip is under way. On PostgreSQL (``shielded``) one such task does: commit
    and close run in it, to their end, and a cancellation is raised once they are done. SQLite
    has no round trip: the statements run in this thread or on aiosqlite's, which finishes a
    statement whatever happens to the caller, and the close runs to its end before the block
    is left, without a task. The two tasks cost a fifth of a short transaction's CPU on SQLite.
    """

    def __init__(self, session: AsyncSession, *, shielded: bool) -> None:
        self.session = session
        self.shielded = shielded

    async def __aenter__(self) -> AsyncSession:
        # No begin(): the session begins by itself at its first statement (autobegin), and an
        # explicit begin() costs a greenlet switch of its own.
        return self.session

    async def __aexit__(self, exc_type: object, *_exc: object) -> None:
        end = self._end(commit=exc_type is None)
        await (_to_the_end(end) if self.shielded else end)

    async def _end(self, *, commit: bool) -> None:
        # Commit and close in one greenlet switch instead of two.
        await self.session.run_sync(_commit_and_close if commit else Session.close)


def _commit_and_close(session: Session) -> None:
    """Commit the session's transaction and close it; a failed commit is rolled back."""
    try:
        session.commit()
    finally:
        session.close()


async def _to_the_end(work: Coroutine[Any, Any, None]) -> None:
    """Run work in a task of its own to its end; a cancellation meanwhile is raised after."""
    task = asyncio.ensure_future(work)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as exc:
            cancelled = exc
    task.result()  # its own error, if it failed
    if cancelled is not None:
        raise cancelled
