"""Who may act: one leader per PostgreSQL database, one process per SQLite file.

On PostgreSQL any number of ``buurtbot run`` share one database. The leader holds a session
advisory lock on a connection of its own; only the leader takes updates, sends the outbox and
runs the timed jobs. Standbys ask for the lock every ``ha.check_seconds``. When the leader dies,
its connection drops, PostgreSQL releases the lock and a standby takes it. Keepalives on the
lock connection make PostgreSQL notice a vanished leader (a pulled cable, not only a crash)
within ``ha.takeover_seconds``; the leader checks its lock as often and steps down when it
cannot confirm it, so two leaders overlap for at most one check.

SQLite allows one process: an exclusive lock file next to the database keeps a second one out.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fcntl
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from bot.config import Config, HaConfig

_LOGGER = logging.getLogger("buurtbot.leader")

# The advisory lock the leader holds ("BUURTBOT" in ASCII; fits PostgreSQL's bigint).
LEADER_LOCK_KEY = 0x4255555254424F54


class Role(enum.StrEnum):
    STANDBY = "standby"
    LEADER = "leader"
    STOPPED = "stopped"


@dataclass
class LeaderStatus:
    """What monitoring reads (``bot_data["leader"]``): this instance's role and since when."""

    backend: str
    instance: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    role: Role = Role.STANDBY
    since: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def is_leader(self) -> bool:
        """Tell whether this instance may take updates and send."""
        return self.role is Role.LEADER

    def become(self, role: Role) -> None:
        """Record a change of role."""
        if role is not self.role:
            self.role, self.since = role, datetime.now(UTC)


class Leadership(Protocol):
    """Wins the right to act, notices losing it, and gives it up."""

    status: LeaderStatus
    lost: asyncio.Event

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this instance leads (True) or stop is set (False)."""

    async def release(self) -> None:
        """Give up the leadership, if held."""


class AlreadyRunning(Exception):
    """Another buurtbot runs on this SQLite database."""


class SingleInstance:
    """SQLite: the process that holds the lock file leads; there is no standby."""

    def __init__(self, database: str) -> None:
        self.status = LeaderStatus(backend="sqlite")
        self.lost = asyncio.Event()  # never set: nobody else can take over
        self._lock_path = Path(f"{database}.lock")
        self._fd: int | None = None

    def claim_file(self) -> None:
        """Take the lock file, or raise AlreadyRunning naming the process that has it."""
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 100).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise AlreadyRunning(
                f"another buurtbot ({holder}) is already running on this SQLite database "
                f"(lock file {self._lock_path}). SQLite allows one instance; stop the other "
                "one first, or use PostgreSQL to run an active and a standby instance."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self._fd = fd

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Lead at once: the lock file already keeps others out."""
        self.status.become(Role.LEADER)
        return True

    async def release(self) -> None:
        """Let go of the lock file (the process's exit would, too)."""
        self.status.become(Role.STOPPED)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None


class PostgresLeadership:
    """PostgreSQL: the instance whose connection holds the advisory lock leads."""

    def __init__(self, url: str, ha: HaConfig, *, key: int = LEADER_LOCK_KEY) -> None:
        self.status = LeaderStatus(backend="postgresql")
        self.lost = asyncio.Event()
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._ha = ha
        self._key = key
        self._connection: Any = None
        self._watch: asyncio.Task[None] | None = None

    async def _connect(self) -> Any:
        """Open the lock connection; keepalives let the server notice a vanished leader."""
        import asyncpg

        # The server drops a silent peer after idle + interval * count seconds, and gives up on
        # unacknowledged data after tcp_user_timeout: both within the takeover time.
        idle = max(1, self._ha.takeover_seconds // 3)
        interval = max(1, self._ha.takeover_seconds // 6)
        settings = {
            "application_name": f"buurtbot-leader {self.status.instance}"[:63],
            "tcp_keepalives_idle": str(idle),
            "tcp_keepalives_interval": str(interval),
            "tcp_keepalives_count": "2",
            "tcp_user_timeout": str(self._ha.takeover_seconds * 500),
        }
        return await asyncpg.connect(
            self._dsn, timeout=self._ha.takeover_seconds, server_settings=settings
        )

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Ask for the lock every check_seconds until granted or stopped."""
        announced = False
        while not stop.is_set():
            try:
                if self._connection is None or self._connection.is_closed():
                    self._connection = await self._connect()
                granted = await asyncio.wait_for(
                    self._connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key),
                    timeout=self._ha.check_seconds * 2,
                )
            except Exception as exc:  # the database is away: keep trying, as a standby
                _LOGGER.warning("Cannot ask the database for the leadership: %s", exc)
                await self._close()
                granted = False
            if granted:
                self.status.become(Role.LEADER)
                self.lost.clear()
                self._watch = asyncio.create_task(self._check(), name="leader-check")
                _LOGGER.info("This instance is now the leader (%s)", self.status.instance)
                return True
            if not announced:
                _LOGGER.info("Standby: another instance leads; waiting to take over")
                announced = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._ha.check_seconds)
        return False

    async def holds_lock(self) -> bool:
        """Ask the server whether this connection still holds the leader lock."""
        query = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = pg_backend_pid() AND classid = $1 AND objid = $2 AND objsubid = 1"
        )
        high, low = (self._key >> 32) & 0xFFFFFFFF, self._key & 0xFFFFFFFF
        return bool(await self._connection.fetchval(query, high, low))

    async def _check(self) -> None:
        """Confirm the lock every check_seconds; step down when it is gone or unconfirmed too long.

        A slow answer is tolerated for a while (a busy server), but not as long as the server
        takes to drop a silent connection: by then a standby may have the lock.
        """
        patience = max(2 * self._ha.check_seconds, self._ha.takeover_seconds // 3)
        confirmed = time.monotonic()
        while True:
            await asyncio.sleep(self._ha.check_seconds)
            try:
                held = await asyncio.wait_for(self.holds_lock(), timeout=self._ha.check_seconds)
            except Exception as exc:
                closed = self._connection is None or self._connection.is_closed()
                unconfirmed = time.monotonic() - confirmed
                _LOGGER.warning("Cannot confirm the leadership (%.0f s): %r", unconfirmed, exc)
                if not closed and unconfirmed < patience:
                    continue
                held = False
            if held:
                confirmed = time.monotonic()
                continue
            _LOGGER.error("No longer the leader: stopping so another instance can lead")
            self.status.become(Role.STANDBY)
            self.lost.set()
            return

    async def release(self) -> None:
        """Unlock and close the lock connection, so a standby takes over at once."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        if self._connection is not None and not self._connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._connection.execute("SELECT pg_advisory_unlock($1)", self._key), 2
                )
        await self._close()
        self.status.become(Role.STOPPED)

    async def _close(self) -> None:
        """Close the lock connection (which frees the lock on the server)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await asyncio.wait_for(connection.close(), timeout=2)
            except Exception:
                connection.terminate()


def leadership_for(config: Config) -> SingleInstance | PostgresLeadership:
    """Return how this instance wins the right to act on its database."""
    url = make_url(config.database.url)
    if url.get_backend_name() == "postgresql":
        return PostgresLeadership(config.database.url, config.ha)
    return SingleInstance(url.database or "buurtbot.db")
