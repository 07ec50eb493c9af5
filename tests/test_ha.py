"""Active/standby and graceful stop, with real ``buurtbot run`` processes and the fake Telegram."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.clock import SystemClock
from bot.delivery import Dispatcher, by_kind
from bot.sandbox.telegram import FakeTelegram, FloodLimits
from models import outbox
from models.db import create_engine, create_sessionmaker
from models.outbox import Status
from tests.conftest import PG_URL, eventually
from tests.instances import (
    Instance,
    add_recipients,
    copies,
    seed_broadcast,
    statuses,
    write_config,
)

needs_postgres = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="active/standby needs PostgreSQL: set BUURTBOT_TEST_DATABASE_URL=postgresql+asyncpg://…",
)


@pytest.fixture
async def fast_telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram whose overall flood limit lets a large broadcast through in seconds."""
    async with FakeTelegram(
        flood_limits=FloodLimits(overall_rate=1000, overall_burst=1000)
    ) as fake:
        yield fake


@pytest.fixture
async def instances() -> AsyncIterator[list[Instance]]:
    """Collect the test's processes and kill whatever is left at the end."""
    started: list[Instance] = []
    yield started
    for instance in started:
        await instance.stop()


async def test_a_second_instance_on_one_sqlite_file_refuses_to_start(
    tmp_path: Path, telegram: FakeTelegram, instances: list[Instance]
) -> None:
    config = write_config(tmp_path / "a.toml", telegram, f"sqlite+aiosqlite:///{tmp_path}/b.db")
    first = await Instance("first", config).start()
    instances.append(first)
    await first.logged("Taking updates as the leader")

    second = await Instance("second", config).start()
    instances.append(second)
    assert await second.wait() == 1
    assert "already running on this SQLite database" in second.log
    assert "use PostgreSQL" in second.log
    assert "Traceback" not in second.log

    first.terminate()
    assert await first.wait() == 0, first.log[-3000:]
    assert "Stopped cleanly" in first.log


async def test_sigterm_during_a_broadcast_stops_cleanly_and_a_restart_sends_the_rest(
    tmp_path: Path,
    fast_telegram: FakeTelegram,
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    instances: list[Instance],
) -> None:
    text = "Straatfeest zaterdag!"
    users = add_recipients(fast_telegram, 600)
    config = write_config(tmp_path / "c.toml", fast_telegram, db_url, per_second=150, in_flight=10)
    bot = await Instance("bot", config).start()
    instances.append(bot)
    await bot.logged("Taking updates as the leader")
    await seed_broadcast(sessionmaker, users, text)
    await fast_telegram.wait_for(lambda: len(copies(fast_telegram, text)) >= 100, timeout=30)

    bot.terminate()
    started = time.monotonic()
    assert await bot.wait() == 0, bot.log[-3000:]
    assert time.monotonic() - started < 10 + 2  # ha.shutdown_seconds, and a little slack
    counts = await statuses(sessionmaker)
    arrived = copies(fast_telegram, text)
    assert counts[Status.SENDING] == 0  # nothing left half-done
    assert counts[Status.SENT] == len(arrived) < len(users)  # what went out is recorded
    assert max(arrived.values()) == 1

    again = await Instance("again", config).start()
    instances.append(again)

    async def all_sent() -> bool:
        return (await statuses(sessionmaker))[Status.SENT] == len(users)

    await eventually(all_sent, 30)
    arrived = copies(fast_telegram, text)
    assert sorted(arrived) == sorted(u.id for u in users)
    assert set(arrived.values()) == {1}  # a clean stop repeats nothing
    again.terminate()
    assert await again.wait() == 0


@needs_postgres
async def test_the_standby_takes_over_when_the_leader_is_killed_mid_broadcast(
    tmp_path: Path,
    fast_telegram: FakeTelegram,
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    instances: list[Instance],
) -> None:
    text = "Buurtbericht: de brug is dicht."
    in_flight = 10
    users = add_recipients(fast_telegram, 2000)
    config = write_config(
        tmp_path / "d.toml", fast_telegram, db_url, per_second=200, in_flight=in_flight
    )
    leader = await Instance("leader", config).start()
    instances.append(leader)
    await leader.logged("Taking updates as the leader")
    standby = await Instance("standby", config).start()
    instances.append(standby)
    await standby.logged("Standby: another instance leads")

    await seed_broadcast(sessionmaker, users, text)
    await fast_telegram.wait_for(lambda: len(copies(fast_telegram, text)) >= 500, timeout=30)
    leader.kill()
    killed = time.monotonic()
    await leader.wait()
    await standby.logged("This instance is now the leader", timeout=15)
    assert time.monotonic() - killed < 10

    async def all_sent() -> bool:
        return (await statuses(sessionmaker))[Status.SENT] == len(users)

    await eventually(all_sent, 60)
    arrived = copies(fast_telegram, text)
    assert sorted(arrived) == sorted(u.id for u in users)  # nobody missed it
    assert sum(arrived.values()) - len(users) <= in_flight  # repeats: the batch in flight only
    standby.terminate()
    assert await standby.wait() == 0, standby.log[-3000:]


@needs_postgres
async def test_two_transactions_never_claim_the_same_row(
    fast_telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    users = add_recipients(fast_telegram, 30)
    await seed_broadcast(sessionmaker, users, "Hallo")
    now = datetime.now(UTC)
    async with sessionmaker.begin() as first, sessionmaker.begin() as second:
        # The first has not committed: the second skips its rows instead of waiting or taking.
        taken = await outbox.claim_due(first, now=now, limit=20)
        also = await outbox.claim_due(second, now=now, limit=20)
    assert len(taken) == 20
    assert len(also) == 10
    assert not {m.id for m in taken} & {m.id for m in also}


async def test_two_dispatchers_at_once_send_every_row_once(
    fast_telegram: FakeTelegram, db_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Two senders on one database (PostgreSQL: SKIP LOCKED; SQLite: BEGIN IMMEDIATE)."""
    users = add_recipients(fast_telegram, 400)
    engines = [create_engine(db_url), create_engine(db_url)]
    bots = [Bot(fast_telegram.token, base_url=fast_telegram.base_url) for _ in engines]
    dispatchers = [
        Dispatcher(create_sessionmaker(engine), SystemClock(), by_kind({}), in_flight=7)
        for engine in engines
    ]
    try:
        for bot, dispatcher in zip(bots, dispatchers, strict=True):
            await bot.initialize()
            await dispatcher.initialize(bot)
        await seed_broadcast(sessionmaker, users, "Samen")
        for dispatcher in dispatchers:
            dispatcher.wake()

        async def all_sent() -> bool:
            return (await statuses(sessionmaker))[Status.SENT] == len(users)

        await eventually(all_sent, 60)
    finally:
        for dispatcher in dispatchers:
            await dispatcher.shutdown()
        for bot in bots:
            await bot.shutdown()
        await asyncio.gather(*(engine.dispose() for engine in engines))
    arrived = copies(fast_telegram, "Samen")
    assert sorted(arrived) == sorted(u.id for u in users)
    assert set(arrived.values()) == {1}


async def test_sigterm_while_telegram_makes_us_wait_requeues_the_batch_in_time(
    tmp_path: Path,
    telegram: FakeTelegram,
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    instances: list[Instance],
) -> None:
    """A batch held up by a long 429 is cut off at the bound; its rows go back to the queue."""
    text = "Oproep: wie helpt zaterdag?"
    users = add_recipients(telegram, 12)
    config = write_config(tmp_path / "f.toml", telegram, db_url, in_flight=4, shutdown_seconds=4)
    bot = await Instance("bot", config).start()
    instances.append(bot)
    await bot.logged("Taking updates as the leader")
    telegram.fail_next("sendMessage", error_code=429, retry_after=60, count=4)
    await seed_broadcast(sessionmaker, users, text)
    await telegram.wait_for(lambda: any(r.error_code == 429 for r in telegram.requests), timeout=15)

    bot.terminate()
    started = time.monotonic()
    assert await bot.wait() == 0, bot.log[-3000:]
    assert time.monotonic() - started < 4 + 2
    assert "requeued" in bot.log
    counts = await statuses(sessionmaker)
    assert counts[Status.SENDING] == 0
    assert counts[Status.PENDING] == len(users)
    assert copies(telegram, text) == {}

    again = await Instance("again", config).start()
    instances.append(again)

    async def all_sent() -> bool:
        return (await statuses(sessionmaker))[Status.SENT] == len(users)

    await eventually(all_sent, 30)
    assert set(copies(telegram, text).values()) == {1}
    assert len(copies(telegram, text)) == len(users)
    again.terminate()
    assert await again.wait() == 0
