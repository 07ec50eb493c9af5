"""Real ``buurtbot run`` processes for the active/standby tests, and a broadcast to seed."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.broadcasts import Broadcast
from models.broadcasts import Status as BroadcastStatus
from models.outbox import Kind, OutboxMessage, Status


def write_config(
    path: Path,
    telegram: FakeTelegram,
    db_url: str,
    *,
    per_second: int = 30,
    in_flight: int = 20,
    shutdown_seconds: int = 10,
) -> Path:
    """Write a config for a bot against the fake Telegram with quick leader checks."""
    path.write_text(
        f"""
[telegram]
token = "{telegram.token}"
api_base_url = "{telegram.base_url}"
api_file_url = "{telegram.base_file_url}"
poll_timeout = 1

[database]
url = "{db_url}"

[delivery]
overall_per_second = {per_second}
in_flight = {in_flight}
broadcast_check_seconds = 1

[ha]
takeover_seconds = 10
check_seconds = 1
shutdown_seconds = {shutdown_seconds}
""",
        encoding="utf-8",
    )
    return path


class Instance:
    """One ``python -m bot run`` process whose log lines are kept as they come."""

    def __init__(self, name: str, config: Path) -> None:
        self.name = name
        self.config = config
        self.lines: list[str] = []
        self.stamps: list[float] = []  # time.monotonic() when each line arrived
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> Instance:
        """Start the process."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(self.config),
            "run",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.stamps.append(time.monotonic())
            self.lines.append(line.decode(errors="replace").rstrip())

    @property
    def log(self) -> str:
        """Return everything the process logged so far."""
        return "\n".join(self.lines)

    async def logged(self, text: str, timeout: float = 30.0) -> float:  # noqa: ASYNC109
        """Wait until a log line contains text; return when it arrived (time.monotonic())."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for stamp, line in zip(self.stamps, self.lines, strict=False):
                if text in line:
                    return stamp
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{self.name} did not log {text!r}:\n{self.log[-3000:]}")
            await asyncio.sleep(0.05)

    async def wait(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109
        """Wait for the process to end; return its exit code."""
        assert self.process is not None
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 5)
        return code

    def kill(self) -> None:
        """kill -9: no goodbye, no cleanup."""
        assert self.process is not None
        self.process.kill()

    def terminate(self) -> None:
        """SIGTERM: the polite request to stop."""
        assert self.process is not None
        self.process.terminate()

    async def stop(self) -> None:
        """Make sure the process is gone (end of a test, pass or fail)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


def add_recipients(telegram: FakeTelegram, count: int) -> list[FakeUser]:
    """Create people who started the bot (in the fake only: the rows name their chats)."""
    users = []
    for number in range(count):
        user = telegram.add_user(first_name=f"Buur{number}")
        user.started = True
        users.append(user)
    return users


async def seed_broadcast(
    sessionmaker: async_sessionmaker[AsyncSession], users: list[FakeUser], text: str
) -> int:
    """Store a broadcast that has started: one pending outbox row per recipient."""
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        broadcast = Broadcast(
            text=text, audience="everyone", send_at=now, status=BroadcastStatus.SENDING,
            recipients=len(users), started_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(broadcast)
        await session.flush()
        rows = [
            {
                "kind": Kind.TEXT.value, "chat_id": user.id, "thread_id": 0,
                "broadcast_id": broadcast.id, "payload": {"text": text},
                "status": Status.PENDING.value, "due_at": now, "created_at": now,
                "attempts": 0, "dedupe_key": f"bc:{broadcast.id}:{user.id}:0",
            }
            for user in users
        ]  # fmt: skip
        for start in range(0, len(rows), 1000):
            await session.execute(insert(OutboxMessage), rows[start : start + 1000])
        return broadcast.id


async def statuses(sessionmaker: async_sessionmaker[AsyncSession]) -> Counter[str]:
    """Count the outbox rows by status."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return Counter({status: count for status, count in rows})


def copies(telegram: FakeTelegram, text: str) -> Counter[int]:
    """Count, per chat, the messages with this text that arrived."""
    return Counter(m.chat_id for m in telegram.sent if m.text == text)
