"""Run the bot as leader or standby, and stop it gracefully on SIGTERM.

A standby only waits for the leadership (bot/leader.py); it starts the Application (updates,
outbox, timed jobs) once it leads. On SIGTERM or SIGINT the leader stops taking updates, lets
the handlers and the outbox batch in hand finish, gives up the leadership and exits 0, all
within ``ha.shutdown_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application

from bot import loop
from bot.config import Config
from bot.context import Services
from bot.leader import Leadership, Role, leadership_for
from bot.metrics import MeasuredApplication
from bot.monitoring import start_monitoring, stop_monitoring

_LOGGER = logging.getLogger("buurtbot")

# Exit code when another instance took the leadership away: a supervisor restarts the process,
# which then waits as a standby.
LOST_LEADERSHIP = 3

# Starts receiving updates: long polling by default; webhook mode can pass its own.
Receive = Callable[[Application], Awaitable[object]]


def polling(config: Config) -> Receive:
    """Receive updates by long polling, as ``run_polling`` would."""

    async def start(application: Application) -> object:
        assert application.updater is not None
        return await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES,
            timeout=config.telegram.poll_timeout,
            drop_pending_updates=False,
        )

    return start


def run(
    application: Application,
    config: Config,
    leadership: Leadership | None = None,
    receive: Receive | None = None,
) -> int:
    """Serve until stopped; return the exit code (blocking)."""
    return loop.run(serve(application, config, leadership, receive), config.bot.event_loop)


async def serve(
    application: Application,
    config: Config,
    leadership: Leadership | None = None,
    receive: Receive | None = None,
) -> int:
    """Wait for the leadership, lead until SIGTERM or until it is lost, then stop cleanly."""
    leadership = leadership or leadership_for(config)
    status = leadership.status
    application.bot_data["leader"] = status
    if isinstance(application, MeasuredApplication):
        application.role = lambda: status.role.value
    # Before waiting: a standby answers /healthz too (and says it is a standby).
    await start_monitoring(application, config)
    stop = asyncio.Event()
    running = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        running.add_signal_handler(sig, stop.set)
    try:
        if not await leadership.acquire(stop):
            _LOGGER.info("Standby stopped")
            return 0
        return await _lead(application, config, stop, leadership, receive or polling(config))
    finally:
        await leadership.release()
        await stop_monitoring(application)
        for sig in signals:
            running.remove_signal_handler(sig)


async def _lead(
    application: Application,
    config: Config,
    stop: asyncio.Event,
    leadership: Leadership,
    receive: Receive,
) -> int:
    """Start the Application, wait for a reason to stop, and wind down within the bound."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await receive(application)
        await application.start()
        _LOGGER.info("Taking updates as the leader")
        stopping = asyncio.create_task(stop.wait())
        losing = asyncio.create_task(leadership.lost.wait())
        await asyncio.wait({stopping, losing}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        losing.cancel()
    except BaseException:
        await _forced_stop(application)
        raise
    code = 0 if stop.is_set() else LOST_LEADERSHIP
    leadership.status.become(Role.STOPPED)
    bound = config.ha.shutdown_seconds
    _LOGGER.info("Stopping: finishing what is in hand (at most %d s)", bound)
    try:
        await asyncio.wait_for(_wind_down(application, bound), timeout=bound)
    except TimeoutError:
        _LOGGER.error("Could not finish within %d s; stopping anyway", bound)
        await _forced_stop(application)
        return code or 1
    _LOGGER.info("Stopped cleanly")
    return code


async def _wind_down(application: Application, bound: int) -> None:
    """Stop taking updates, finish the handlers and the outbox batch, close everything."""
    services: Services = application.bot_data["services"]
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    # The outbox batch gets most of the time; what it cannot finish goes back to the queue.
    await services.dispatcher.shutdown(grace=max(1.0, bound * 0.6))
    if application.running:
        await application.stop()  # waits for the handlers and jobs in flight
        if application.post_stop:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


async def _forced_stop(application: Application) -> None:
    """Cut the outbox batch off (requeueing it) and close the database, briefly."""
    services: Services = application.bot_data["services"]
    with contextlib.suppress(Exception):
        await asyncio.wait_for(services.dispatcher.shutdown(grace=0), timeout=3)
    if application.post_shutdown:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(application.post_shutdown(application), timeout=2)
