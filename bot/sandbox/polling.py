"""Start and stop a real Application that polls, inside an event loop someone else runs.

``buurtbot run`` owns its loop (bot/serve.py); the demo, the tests and the benchmarks run the bot
in theirs, and all three start and stop it the same way, hooks included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.ext import Application


async def start_polling(app: Application, *, poll_timeout: int = 1) -> None:
    """Initialise the Application, run its post_init, and start polling and handling."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
    await app.start()


async def stop_polling(app: Application) -> None:
    """Stop polling and handling, then shut down, with the post_stop and post_shutdown hooks."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


@asynccontextmanager
async def polling(app: Application, *, poll_timeout: int = 1) -> AsyncIterator[Application]:
    """Run the Application polling for the duration of the block."""
    await start_polling(app, poll_timeout=poll_timeout)
    try:
        yield app
    finally:
        await stop_polling(app)
