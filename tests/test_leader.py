"""The leader lock on PostgreSQL: one leader, standbys that wait, stepping down, migrations."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import HaConfig
from bot.leader import LEADER_LOCK_KEY, PostgresLeadership, Role
from bot.sandbox.telegram import FakeTelegram
from models import migrate
from models.db import create_engine
from tests.conftest import PG_URL
from tests.instances import Instance, write_config

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="the leader lock needs PostgreSQL: set BUURTBOT_TEST_DATABASE_URL=postgresql+asyncpg://…",
)
HA = HaConfig(takeover_seconds=4, check_seconds=1)


async def _terminate_lock_holder(url: str) -> int:
    """End the server session that holds the leader lock (as a network fault would)."""
    high, low = (LEADER_LOCK_KEY >> 32) & 0xFFFFFFFF, LEADER_LOCK_KEY & 0xFFFFFFFF
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE "
                    "locktype = 'advisory' AND granted AND classid = :high AND objid = :low"
                ),
                {"high": high, "low": low},
            )
    finally:
        await engine.dispose()


async def test_one_leader_the_other_waits_and_takes_over_when_released(db_url: str) -> None:
    first, second = PostgresLeadership(db_url, HA), PostgresLeadership(db_url, HA)
    never = asyncio.Event()
    try:
        assert await first.acquire(never)
        assert first.status.is_leader
        assert first.status.role is Role.LEADER

        waiting = asyncio.create_task(second.acquire(never))
        await asyncio.sleep(2.5)
        assert not waiting.done()
        assert second.status.role is Role.STANDBY

        await first.release()
        assert first.status.role is Role.STOPPED
        started = time.monotonic()
        assert await asyncio.wait_for(waiting, timeout=5)
        assert time.monotonic() - started <= HA.check_seconds + 1
        assert second.status.is_leader
        assert await second.holds_lock()
    finally:
        await first.release()
        await second.release()


async def test_a_standby_asked_to_stop_gives_up_waiting(db_url: str) -> None:
    first, second = PostgresLeadership(db_url, HA), PostgresLeadership(db_url, HA)
    stop = asyncio.Event()
    try:
        assert await first.acquire(stop)
        asyncio.get_running_loop().call_later(0.5, stop.set)
        assert not await asyncio.wait_for(second.acquire(stop), timeout=3)
    finally:
        await first.release()
        await second.release()


async def test_a_leader_that_loses_its_lock_steps_down(db_url: str) -> None:
    leader = PostgresLeadership(db_url, HA)
    try:
        assert await leader.acquire(asyncio.Event())
        assert await _terminate_lock_holder(db_url) == 1
        await asyncio.wait_for(leader.lost.wait(), timeout=HA.check_seconds * 3 + 1)
        assert not leader.status.is_leader
    finally:
        await leader.release()


@pytest.fixture
async def instances() -> AsyncIterator[list[Instance]]:
    """Collect the test's processes and kill whatever is left at the end."""
    started: list[Instance] = []
    yield started
    for instance in started:
        await instance.stop()


async def test_a_leader_process_cut_off_from_its_lock_exits_and_the_standby_leads(
    tmp_path: Path, telegram: FakeTelegram, db_url: str, instances: list[Instance]
) -> None:
    config = write_config(tmp_path / "e.toml", telegram, db_url)
    first = await Instance("first", config).start()
    instances.append(first)
    await first.logged("Taking updates as the leader")
    second = await Instance("second", config).start()
    instances.append(second)
    await second.logged("Standby: another instance leads")

    assert await _terminate_lock_holder(db_url) == 1
    assert await first.wait() == 3, first.log[-3000:]  # a supervisor restarts it as a standby
    assert "another instance took over the leadership" in first.log
    await second.logged("Taking updates as the leader", timeout=10)

    third = await Instance("third", config).start()
    instances.append(third)
    await third.logged("Standby: another instance leads")
    third.terminate()
    assert await third.wait(timeout=5) == 0
    assert "Standby stopped" in third.log
    second.terminate()
    assert await second.wait() == 0


async def test_instances_starting_together_migrate_once(db_url: str) -> None:
    """Two `buurtbot db upgrade` on an empty database at once: one migrates, one waits."""
    url = make_url(db_url)
    name = f"{url.database}_migrate_race"
    admin = create_engine(url.set(database="postgres").render_as_string(False))
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = url.set(database=name).render_as_string(False)
    env = {**os.environ, "BUURTBOT_DATABASE_URL": fresh, "BUURTBOT_CONFIG": os.devnull}
    try:
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "db",
                "upgrade",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(2)
        ]
        results = [await asyncio.wait_for(p.communicate(), 60) for p in processes]
        assert [p.returncode for p in processes] == [0, 0], results
        assert await migrate.current_revision(fresh) == migrate.head_revision()
    finally:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
