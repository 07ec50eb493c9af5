"""``buurtbot demo``: the real bot against a local fake Telegram, with a chat page in the browser.

    Demo.prepare()   fake Telegram, database, the real Application, the demo's people, the page
    serve.serve()    the bot runs exactly as ``buurtbot run`` runs it (until Ctrl+C)
    Demo.close()     page and fake Telegram down, the temporary database removed

Tests use ``async with Demo(options) as demo`` (prepare, start polling like the test suite's
BotRunner, close).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot import loop
from bot.app import build_application
from bot.clock import ShiftedClock
from bot.config import (
    ActivitiesConfig,
    BotConfig,
    Config,
    DatabaseConfig,
    HaConfig,
    OrganisationConfig,
    RequestsConfig,
    TelegramConfig,
)
from bot.context import Services
from bot.sandbox.mapview import wijk_map
from bot.sandbox.polling import start_polling, stop_polling
from bot.sandbox.seed import ADMIN_TELEGRAM_ID, DemoWorld, find_data, seed
from bot.sandbox.telegram import DEFAULT_SPEC_PATH, FakeTelegram
from bot.sandbox.web import DemoSite
from models.areas import read_area_file

_LOGGER = logging.getLogger("buurtbot.demo")

DEFAULT_PORT = 8470
# The scheduler's round: after "+1 hour" the page shows what fell due within a few seconds.
JOB_INTERVAL_SECONDS = 2


@dataclass(frozen=True)
class DemoOptions:
    """What ``buurtbot demo`` was asked for."""

    port: int = DEFAULT_PORT
    database: str | None = None  # None: SQLite in a temporary folder
    data: Path | None = None  # a folder with wijk.geojson, buurt.geojson, infopoints.csv
    open_browser: bool = True


def demo_config(telegram: FakeTelegram, database_url: str) -> Config:
    """Return the bot's config for the demo: the fake Telegram, short scheduler rounds."""
    return Config(
        telegram=TelegramConfig(
            token=telegram.token,
            api_base_url=telegram.base_url,
            api_file_url=telegram.base_file_url,
            poll_timeout=10,
        ),
        database=DatabaseConfig(url=database_url),
        bot=BotConfig(admins=(ADMIN_TELEGRAM_ID,)),
        requests=RequestsConfig(followup_interval_seconds=JOB_INTERVAL_SECONDS),
        organisation=OrganisationConfig(
            name="Buurtnetwerk Demo", contact_email="hallo@example.org"
        ),
        activities=ActivitiesConfig(pin_cards=True),  # so pins show on the page
        ha=HaConfig(shutdown_seconds=5),
        source="(buurtbot demo)",
    )


class Demo:
    """The fake Telegram, the real bot, the demo's people and the page, in one process."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        self.clock = ShiftedClock()
        self.telegram = FakeTelegram(bot_username="buurtbot_demo_bot")
        self._scratch = tempfile.TemporaryDirectory(prefix="buurtbot-demo-")
        scratch = Path(self._scratch.name)
        self.database_url = options.database or f"sqlite+aiosqlite:///{scratch / 'demo.db'}"
        self.data = find_data(options.data, scratch)
        self.map = wijk_map(read_area_file(self.data.wijken))
        self.site = DemoSite(self)
        self.config: Config
        self.application: Application
        self.world: DemoWorld
        self.url = ""
        self._polling = False

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """Return the bot's own session factory."""
        services: Services = self.application.bot_data["services"]
        return services.sessionmaker

    async def prepare(self) -> None:
        """Start the fake Telegram and the page; build the bot and its world (not yet polling).

        The database must be migrated already (``models.migrate.upgrade``: blocking).
        """
        await self.telegram.start()
        if self.telegram.spec is None:
            _LOGGER.info(
                "No Bot API spec at %s: the fake Telegram checks limits, not parameters",
                DEFAULT_SPEC_PATH,
            )
        self.config = demo_config(self.telegram, self.database_url)
        self.application = build_application(self.config, clock=self.clock)
        self.world = await seed(self.sessionmaker, self.telegram, self.data, self.config.bot.tz)
        port = await self.site.start(self.options.port)
        self.url = f"http://127.0.0.1:{port}/"

    async def start_polling(self) -> None:
        """Run the bot in this loop the way serve._lead does (for tests and in-process use)."""
        await start_polling(self.application, poll_timeout=self.config.telegram.poll_timeout)
        self._polling = True

    async def stop_polling(self) -> None:
        """Stop the bot started by start_polling, cleanly."""
        if not self._polling:
            return
        self._polling = False
        await stop_polling(self.application)

    async def close(self) -> None:
        """Stop the page and the fake Telegram; remove the temporary database."""
        await self.stop_polling()
        await self.site.stop()
        await self.telegram.stop()
        self._scratch.cleanup()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(migrate_database, self.database_url)
        try:
            await self.prepare()
            await self.start_polling()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def migrate_database(url: str) -> None:
    """Create the tables (blocking)."""
    from models import migrate

    migrate.upgrade(url)


def run(options: DemoOptions) -> int:
    """Run the demo until Ctrl+C; return the exit code."""
    started = time.monotonic()
    demo = Demo(options)
    migrate_database(demo.database_url)
    return loop.run(_serve(demo, started))


async def _serve(demo: Demo, started: float) -> int:
    """Prepare, then hand the bot to the same serve loop as ``buurtbot run``."""
    from bot import serve
    from bot.leader import SingleInstance, leadership_for

    try:
        await demo.prepare()
    except OSError as exc:
        await demo.close()
        print(
            f"buurtbot demo: cannot serve the page on port {demo.options.port}: {exc}. "
            "Choose another with --port.",
            file=sys.stderr,
        )
        return 1
    leadership = leadership_for(demo.config)
    if isinstance(leadership, SingleInstance):
        leadership.claim_file()
    polling = serve.polling(demo.config)

    async def receive(application: Application) -> object:
        result = await polling(application)
        _announce(demo, time.monotonic() - started)
        if demo.options.open_browser:
            await asyncio.to_thread(webbrowser.open, demo.url)
        return result

    try:
        return await serve.serve(demo.application, demo.config, leadership, receive)
    finally:
        await demo.close()


def _announce(demo: Demo, seconds: float) -> None:
    """Say where the page is and who plays in it."""
    people = ", ".join(f"{p.user.first_name} ({p.role_label})" for p in demo.world.personas)
    print(
        f"\nBuurtbot demo is ready after {seconds:.1f} s: open {demo.url}\n"
        f"  data: {demo.data.name}; wijk group: {demo.world.group.title}\n"
        f"  people: {people}\n"
        f"  database: {demo.database_url.split('@')[-1]}\n"
        "  Stop with Ctrl+C.\n",
        flush=True,
    )
