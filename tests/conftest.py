"""Shared fixtures: a fresh database per test, a fake Telegram, and the real bot against it.

The database is SQLite unless BUURTBOT_TEST_DATABASE_URL names a PostgreSQL database
(``.ci/run`` runs the suite both ways). Migrations run once per session; each test then gets
an empty copy (SQLite) or emptied tables (PostgreSQL).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import Application

import models
from bot.app import build_application
from bot.config import (
    AreasConfig,
    BotConfig,
    Config,
    DatabaseConfig,
    EscalationConfig,
    LimitsConfig,
    OrganisationConfig,
    RequestsConfig,
    TelegramConfig,
)
from bot.loop import loop_factory, uvloop_installed
from bot.sandbox.areas import write_area_files
from bot.sandbox.polling import start_polling, stop_polling
from bot.sandbox.telegram import FakeTelegram
from models import migrate
from models.db import create_engine, create_sessionmaker

PG_URL = os.environ.get("BUURTBOT_TEST_DATABASE_URL", "")
SHARED = Path(__file__).resolve().parents[2] / "shared"
UTRECHT = SHARED / "data" / "utrecht"
ADMIN_ID = 900_000_001


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict:
    """Run every test on the event loop the bot runs on (bot/loop.py: uvloop where installed)."""
    return {"loop": loop_factory()}


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database and which event loop the run uses."""
    loop = f"event loop: {'uvloop' if uvloop_installed() else 'asyncio'}"
    if PG_URL:
        return f"database: PostgreSQL ({PG_URL.split('@')[-1]}); {loop}"
    return f"database: SQLite (set BUURTBOT_TEST_DATABASE_URL to run against PostgreSQL); {loop}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly when PostgreSQL was not tested."""
    if not PG_URL:
        terminalreporter.write_line(
            "NOTE: the PostgreSQL tests were NOT run (this run used SQLite). "
            "Set BUURTBOT_TEST_DATABASE_URL=postgresql+asyncpg://user@host/db or use .ci/run."
        )


async def _reset_postgres(url: str) -> None:
    """Drop everything in the test database's public schema."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate a template database once per run; return its URL."""
    if PG_URL:
        asyncio.run(_reset_postgres(PG_URL))
        migrate.upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url)
    return url


async def _empty_tables(url: str) -> None:
    """Remove all rows from every table (PostgreSQL)."""
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in models.Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
async def db_url(migrated_database: str, tmp_path: Path) -> str:
    """Return the URL of an empty, migrated database for this test."""
    if PG_URL:
        await _empty_tables(PG_URL)
        return PG_URL
    template = Path(migrated_database.removeprefix("sqlite+aiosqlite:///"))
    target = tmp_path / "buurtbot.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """Yield an engine on the test database."""
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a session factory on the test database."""
    return create_sessionmaker(engine)


@pytest.fixture
def area_files(tmp_path: Path) -> tuple[Path, Path]:
    """Write the small made-up wijken and buurten; return (wijken, buurten)."""
    return write_area_files(tmp_path)


@pytest.fixture
def utrecht() -> Path:
    """Return the folder of the real Utrecht data, or skip when ../shared is absent."""
    if not (UTRECHT / "wijk.geojson").exists():
        pytest.skip(f"needs the Utrecht reference data in {UTRECHT} (present in CI)")
    return UTRECHT


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """Run a fake Telegram Bot API server on 127.0.0.1."""
    async with FakeTelegram() as fake:
        yield fake
        # Every callback query must be answered, or the person's button keeps spinning.
        assert fake.unanswered_callback_queries(grace=0.5) == []
        assert fake.unanswered_inline_queries(grace=0.5) == []


@pytest.fixture
def config(db_url: str, telegram: FakeTelegram, area_files: tuple[Path, Path]) -> Config:
    """Return a config that points the bot at the fake Telegram and the test database."""
    wijken, buurten = area_files
    return Config(
        telegram=TelegramConfig(
            token=telegram.token,
            api_base_url=telegram.base_url,
            api_file_url=telegram.base_file_url,
            poll_timeout=1,
        ),
        database=DatabaseConfig(url=db_url),
        bot=BotConfig(admins=(ADMIN_ID,), max_retries=2),
        areas=AreasConfig(file=str(wijken), buurten_file=str(buurten)),
        requests=RequestsConfig(followup_interval_seconds=1),
        # The clock starts at 10:00, past the usual digest time: no overview unless a test asks.
        escalation=EscalationConfig(digest_time=""),
        # Simulated people type and press far faster than anyone can; the limits are tested
        # with their defaults and tighter ones in test_abuse.py and test_fairness.py.
        limits=LimitsConfig(updates_burst=1000),
        organisation=OrganisationConfig(
            name="Buurtnetwerk Test", contact_email="hallo@example.org"
        ),
        source="(tests)",
    )


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        """Return the current fake time."""
        return self._now

    def advance(self, **delta: float) -> datetime:
        """Move time forward, e.g. advance(hours=25)."""
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment


# Wednesday 25 November 2026, 10:00 in Amsterdam: a fixed start makes "tomorrow" and quiet
# hours come out the same on every run.
CLOCK_START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    """Return a fake clock, standing at CLOCK_START."""
    return FakeClock(CLOCK_START)


class BotRunner:
    """Start and stop the real Application the way ``buurtbot run`` does, in this loop."""

    def __init__(self, config: Config, clock: FakeClock) -> None:
        self.config = config
        self.clock = clock
        self.app: Application | None = None

    async def start(self, config: Config | None = None) -> Application:
        """Build and start the bot, polling the fake Telegram."""
        if config is not None:
            self.config = config
        app = build_application(self.config, clock=self.clock)
        await start_polling(app)
        self.app = app
        return app

    async def stop(self) -> None:
        """Stop polling and shut the bot down cleanly."""
        app, self.app = self.app, None
        if app is None:
            return
        await stop_polling(app)


@pytest.fixture
async def bot_runner(config: Config, clock: FakeClock) -> AsyncIterator[BotRunner]:
    """Yield a runner whose bot is stopped at the end of the test."""
    runner = BotRunner(config, clock)
    yield runner
    await runner.stop()


@pytest.fixture
async def bot(bot_runner: BotRunner) -> Application:
    """Start the bot against the fake Telegram."""
    return await bot_runner.start()


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    """Wait until an async check (e.g. on the database) holds; fail after some seconds."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{check.__name__} did not hold within {seconds} s")
        await asyncio.sleep(0.05)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo a test's logging set-up (the CLI's basicConfig(force=True)) when it ends.

    Its handler writes to the stderr pytest gave that test, which is closed afterwards: a later
    test's log line (at DEBUG, from a driver's thread) would hit it and print a logging error.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        # pytest's own capturing handlers come and go with each phase: leave them to pytest.
        if handler not in handlers and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's own BUURTBOT_* settings (a real token!) out of the tests."""
    monkeypatch.delenv("BUURTBOT_TOKEN", raising=False)
    monkeypatch.delenv("BUURTBOT_CONFIG", raising=False)
    monkeypatch.delenv("BUURTBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("BUURTBOT_WEBHOOK_SECRET", raising=False)
