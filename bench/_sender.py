"""The sender half of bench/broadcast.py: run the real outbox dispatcher until nothing is left.

Usage: _sender.py DATABASE_URL BASE_URL TOKEN RATE IN_FLIGHT EVENT_LOOP
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select
from telegram import Bot
from telegram.ext import ExtBot

from bot import loop
from bot.clock import SystemClock
from bot.delivery import Dispatcher
from bot.ratelimit import RetryingRateLimiter
from models.db import create_engine, create_sessionmaker
from models.outbox import OutboxMessage, Status


async def no_cards(*_args: object) -> None:
    """The benchmark sends announcements only."""


async def main(url: str, base_url: str, token: str, rate: int, in_flight: int) -> None:
    """Send until every outbox row has an outcome."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    limiter = RetryingRateLimiter(max_retries=3, overall_per_second=rate, group_per_minute=20)
    bot: Bot = ExtBot(token, base_url=base_url, rate_limiter=limiter)
    dispatcher = Dispatcher(
        sessionmaker, SystemClock(), no_cards, in_flight=in_flight, idle_seconds=0.2
    )
    async with bot:
        await dispatcher.initialize(bot)
        while True:
            await asyncio.sleep(0.5)
            async with sessionmaker() as session:
                left = await session.scalar(
                    select(func.count()).where(
                        OutboxMessage.status.in_((Status.PENDING, Status.SENDING))
                    )
                )
            if not left:
                break
        await dispatcher.shutdown()
    await engine.dispose()


if __name__ == "__main__":
    url, base, token, rate, in_flight, event_loop = sys.argv[1:7]
    loop.run(main(url, base, token, int(rate), int(in_flight)), event_loop)
