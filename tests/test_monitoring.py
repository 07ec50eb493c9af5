"""/healthz and /metrics, scraped over HTTP while simulated people use the real bot."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import build_application
from bot.config import Config, MonitoringConfig
from bot.metrics import MeasuredApplication
from bot.sandbox.telegram import FakeTelegram
from models import outbox
from models.people import Person
from tests.conftest import PG_URL, BotRunner, FakeClock
from tests.people import onboarded

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def with_monitoring(config: Config) -> Config:
    """Turn the health and metrics server on, on a free port."""
    return replace(
        config, monitoring=MonitoringConfig(enabled=True, port=0, health_timeout_seconds=1)
    )


@pytest.fixture
async def monitored(bot_runner: BotRunner, config: Config) -> Application:
    """Start the bot (polling) with /healthz and /metrics."""
    return await bot_runner.start(with_monitoring(config))


def base_url(app: Application) -> str:
    """Return where the app's monitoring server listens."""
    return app.bot_data["monitoring"].base_url


async def scrape(app: Application) -> Samples:
    """GET /metrics and parse the Prometheus text format."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url(app)}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """Return one sample's value (0 when absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def health(app: Application) -> tuple[int, dict[str, Any]]:
    """GET /healthz; return the status and the JSON body."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url(app)}/healthz") as response,
    ):
        return response.status, await response.json()


async def queue_text(
    sessionmaker: async_sessionmaker[AsyncSession], app: Application, user_id: int, text: str
) -> None:
    """Queue a message for a person in the outbox, as a feature would, and wake the sender."""
    async with sessionmaker.begin() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == user_id))
        assert person is not None
        await outbox.enqueue(
            session,
            kind=outbox.Kind.TEXT,
            chat_id=user_id,
            person_id=person.id,
            now=app.bot_data["services"].clock.now(),
            payload={"text": text},
        )
    app.bot_data["services"].dispatcher.wake()


# PTB's own rate limiter reads RetryAfter.retry_after, which PTB 22 marks as changing type.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_metrics_move_while_people_use_the_bot(
    monitored: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = await scrape(monitored)
    assert value(before, "buurtbot_updates_total", kind="message") == 0
    assert value(before, "buurtbot_deliveries_total", outcome="sent") == 0
    assert ("buurtbot_deliveries_total", frozenset({("outcome", "blocked")})) in before

    ann = await onboarded(telegram, "Ann")  # two messages... and three button presses
    bob = await onboarded(telegram, "Bob")
    bob.blocked = True
    telegram.fail_next("sendMessage", error_code=429, retry_after=1)
    await queue_text(sessionmaker, monitored, ann.id, "Er is een nieuwe hulpvraag.")
    await queue_text(sessionmaker, monitored, bob.id, "Er is een nieuwe hulpvraag.")
    assert "nieuwe hulpvraag" in (await ann.next_message(timeout=10)).text

    async def delivered() -> bool:
        after = await scrape(monitored)
        return value(after, "buurtbot_deliveries_total", outcome="blocked") == 1

    await telegram.wait_for(delivered, timeout=10)
    after = await scrape(monitored)
    assert value(after, "buurtbot_updates_total", kind="message") == 2
    assert value(after, "buurtbot_updates_total", kind="callback_query") == 6
    assert value(after, "buurtbot_update_handling_seconds_count", kind="callback_query") == 6
    assert value(after, "buurtbot_update_handling_seconds_sum", kind="message") > 0
    assert value(after, "buurtbot_deliveries_total", outcome="sent") == 1
    assert value(after, "buurtbot_deliveries_total", outcome="blocked") == 1
    assert value(after, "buurtbot_telegram_429_total", method="sendMessage") == 1
    assert value(after, "buurtbot_outbox_backlog") == 0
    assert value(after, "buurtbot_database_up") == 1
    assert value(after, "buurtbot_leader") == 1
    assert value(after, "buurtbot_last_update_timestamp_seconds") > 0

    status, body = await health(monitored)
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["role"] == "leader"
    assert body["outbox_backlog"] == 0
    assert body["last_update_at"] is not None


async def test_the_backlog_counts_what_waits_to_be_sent(
    monitored: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ann = await onboarded(telegram, "Ann")
    services = monitored.bot_data["services"]
    async with sessionmaker.begin() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == ann.id))
        assert person is not None
        for hour in (1, 2, 3):  # due later (a quiet-hours digest, say): waiting, not lost
            await outbox.enqueue(
                session,
                kind=outbox.Kind.TEXT,
                chat_id=ann.id,
                person_id=person.id,
                now=services.clock.now(),
                due_at=services.clock.now().replace(hour=services.clock.now().hour + hour),
                payload={"text": f"later {hour}"},
            )
    status, body = await health(monitored)
    assert status == 200
    assert body["outbox_backlog"] == 3
    assert value(await scrape(monitored), "buurtbot_outbox_backlog") == 3


async def test_a_standby_is_healthy_and_says_so(monitored: Application) -> None:
    assert isinstance(monitored, MeasuredApplication)
    monitored.role = lambda: "standby"  # what the leader election sets
    status, body = await health(monitored)
    assert status == 200
    assert body["role"] == "standby"
    assert value(await scrape(monitored), "buurtbot_leader") == 0


@contextlib.asynccontextmanager
async def database_down(db_url: str) -> AsyncIterator[None]:
    """Make the bot's database unusable, as an outage would, and bring it back afterwards.

    PostgreSQL: the database refuses new connections and the open ones are cut (a restart,
    a failover). SQLite: another process holds the write lock (a stuck backup or sqlite3
    shell), so the bot can read nothing it could act on and write nothing.
    """
    if db_url.startswith("postgresql"):
        url = make_url(db_url)
        admin = await asyncpg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database="postgres",
        )
        name = url.database
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()
        return
    path = db_url.removeprefix("sqlite+aiosqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_healthz_turns_503_while_the_database_is_down_and_recovers(
    monitored: Application, db_url: str
) -> None:
    assert (await health(monitored))[0] == 200
    async with database_down(db_url):
        status, body = await health(monitored)
        assert status == 503
        assert body["status"] == "unavailable"
        assert body["database"] == "unreachable"
        assert "error" in body
        assert PG_URL.split("@")[-1] not in body["error"] or not PG_URL
        assert value(await scrape(monitored), "buurtbot_database_up") == 0

    async def healthy_again() -> bool:
        return (await health(monitored))[0] == 200

    deadline = asyncio.get_running_loop().time() + 15
    while not await healthy_again():
        assert asyncio.get_running_loop().time() < deadline, "still unhealthy"
        await asyncio.sleep(0.2)
    assert value(await scrape(monitored), "buurtbot_database_up") == 1


async def test_every_application_has_its_own_registry(config: Config, clock: FakeClock) -> None:
    first, second = build_application(config, clock=clock), build_application(config, clock=clock)
    assert isinstance(first, MeasuredApplication)
    assert isinstance(second, MeasuredApplication)
    assert first.metrics.registry is not second.metrics.registry
    first.metrics.observe_delivery("sent")
    assert b'buurtbot_deliveries_total{outcome="sent"} 1.0' in first.metrics.exposition()
    assert b'buurtbot_deliveries_total{outcome="sent"} 0.0' in second.metrics.exposition()
    for app in (first, second):
        await app.bot_data["engine"].dispose()


async def test_monitoring_is_off_by_default(bot: Application) -> None:
    assert "monitoring" not in bot.bot_data
