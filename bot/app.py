"""Build the Application: the one place where everything is wired together."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.clock import Clock, SystemClock
from bot.commands import register_menus
from bot.config import Config
from bot.context import BuurtContext, Services
from bot.delivery import Dispatcher, by_kind
from bot.errors import handle_error
from bot.fairness import PerPersonProcessor
from bot.guard import Guard
from bot.metrics import MeasuredApplication, Metrics
from bot.monitoring import start_monitoring, stop_monitoring
from bot.persistence import DatabasePersistence
from bot.ratelimit import RetryingRateLimiter
from bot.redact import redact_in_logs
from bot.scheduling import schedule_jobs
from bot.telegram_bot import BuurtBot
from bot.transport import AiohttpRequest
from handlers.activities.notify import make_activity_card_sender
from handlers.requests.cards import make_card_sender
from handlers.requests.notify import still_relevant
from models.areas import import_areas, read_area_file
from models.db import create_engine, create_sessionmaker
from models.outbox import Kind
from models.people import NOTICE_VERSION_KEY, effective_notice_version, ensure_admins

_LOGGER = logging.getLogger("buurtbot")


def quiet_http_loggers() -> None:
    """Keep the HTTP libraries' request lines out of the log.

    httpx logs every request URL at INFO and httpcore traces at DEBUG; Telegram's URLs contain
    the bot token, so these loggers only ever pass on warnings (which name no URL). That matters
    with telegram.http = "httpx" (and the geocoder); aiohttp, the default, logs no URLs.
    """
    for name in ("httpx", "httpcore", "hpack"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _telegram_bot(config: Config, metrics: Metrics) -> BuurtBot:
    """Build the bot: token and URLs, HTML by default, the rate limiter and the HTTP client."""
    limiter = None
    if config.bot.rate_limiter:
        limiter = RetryingRateLimiter(
            max_retries=config.bot.max_retries,
            overall_per_second=config.delivery.overall_per_second,
            group_per_minute=config.delivery.group_per_minute,
            on_flood=metrics.observe_flood,
        )
    # As PTB's builder does: getUpdates is one long poll at a time (PTB adds the poll timeout to
    # its read timeout), the other calls share a large pool.
    if config.telegram.http == "aiohttp":
        request, polling = AiohttpRequest(), AiohttpRequest(connection_pool_size=1)
    else:
        from telegram.request import HTTPXRequest  # httpx only when chosen: start-up time

        request = HTTPXRequest(connection_pool_size=256)
        polling = HTTPXRequest(connection_pool_size=1)
    return BuurtBot(
        token=config.telegram.token,
        base_url=config.telegram.api_base_url,
        base_file_url=config.telegram.api_file_url,
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            tzinfo=config.bot.tz,
        ),
        rate_limiter=limiter,
        request=request,
        get_updates_request=polling,
    )


def build_application(
    config: Config, *, engine: AsyncEngine | None = None, clock: Clock | None = None
) -> Application:
    """Assemble the bot: Telegram client, database, persistence, handlers and start-up work."""
    quiet_http_loggers()
    redact_in_logs(config.telegram.token)
    engine = engine or create_engine(
        config.database.url,
        echo=config.database.echo,
        sqlite_synchronous=config.database.sqlite_synchronous,
        pool_size=config.database.pool_size,
    )
    sessionmaker = create_sessionmaker(
        engine,
        info={NOTICE_VERSION_KEY: effective_notice_version(config.privacy.notice_version)},
    )
    metrics = Metrics()
    builder = (
        ApplicationBuilder()
        .bot(_telegram_bot(config, metrics))
        .application_class(MeasuredApplication, {"metrics": metrics})
        .context_types(ContextTypes(context=BuurtContext))
        .persistence(DatabasePersistence(sessionmaker))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    guard = Guard.from_config(config.limits, sessionmaker)
    if config.limits.concurrent_updates > 1:
        # One person's flood must not keep the others waiting (see bot/fairness.py); their
        # updates count against their rate as they arrive.
        processor = PerPersonProcessor(config.limits.concurrent_updates, on_admit=guard.admit)
        builder = builder.concurrent_updates(processor)
    application = builder.build()
    clock = clock or SystemClock()
    request_cards, activity_cards = make_card_sender(config), make_activity_card_sender(config)
    cards = by_kind(
        {
            Kind.CARD: request_cards,
            Kind.CARD_EDIT: request_cards,
            Kind.ACTIVITY_CARD: activity_cards,
            Kind.ACTIVITY_EDIT: activity_cards,
        }
    )
    dispatcher = Dispatcher(
        sessionmaker,
        clock,
        cards,
        relevant=still_relevant,
        in_flight=config.delivery.in_flight,
        on_result=metrics.observe_delivery,
    )
    application.bot_data["services"] = Services(
        config=config,
        sessionmaker=sessionmaker,
        clock=clock,
        dispatcher=dispatcher,
        guard=guard,
    )
    application.bot_data["engine"] = engine
    handlers.register_all(application)
    application.add_error_handler(handle_error)
    return application


async def _post_init(application: Application) -> None:
    """Load configured areas, make the configured admins admins, and register the menus."""
    services: Services = application.bot_data["services"]
    config = services.config
    # The menus go to Telegram while the areas and admins go to the database: neither needs
    # the other, so start-up waits for the slower one only.
    menus = asyncio.ensure_future(register_menus(application, config.bot.default_language))
    try:
        await _load_areas_and_admins(services)
        await menus
    finally:
        menus.cancel()  # a no-op unless the database work failed
    await services.dispatcher.initialize(application.bot)
    schedule_jobs(application, config)
    await start_monitoring(application, config)


async def _load_areas_and_admins(services: Services) -> None:
    """Import the configured area files and make the configured admins admins."""
    config = services.config
    async with services.sessionmaker.begin() as session:
        for name in (config.areas.file, config.areas.buurten_file):
            if name:
                result = await import_areas(session, read_area_file(Path(name)))
                _LOGGER.info("Areas from %s: %s", name, result)
        added = await ensure_admins(session, config.bot.admins)
    if added:
        _LOGGER.info("%d admin(s) from bot.admins", added)


async def _post_stop(application: Application) -> None:
    """Stop sending outbox messages while the bot can still finish the one in hand."""
    services: Services = application.bot_data["services"]
    await services.dispatcher.shutdown()


async def _post_shutdown(application: Application) -> None:
    """Close the database connections."""
    await stop_monitoring(application)
    engine: AsyncEngine = application.bot_data["engine"]
    await engine.dispose()
