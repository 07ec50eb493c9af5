"""Stopping the outbox dispatcher in the middle of a batch loses nothing and repeats nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.clock import SystemClock
from bot.delivery import Dispatcher
from bot.sandbox.telegram import FakeTelegram
from models import outbox
from models.outbox import Kind, OutboxMessage, Status
from tests.instances import add_recipients, copies, seed_broadcast, statuses


@pytest.fixture
async def fake_bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """A plain Bot against the fake Telegram."""
    async with Bot(telegram.token, base_url=telegram.base_url) as bot:
        yield bot


async def test_a_stop_that_cuts_a_batch_off_records_what_went_out_and_requeues_the_rest(
    telegram: FakeTelegram, fake_bot: Bot, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    hanging = asyncio.Event()

    async def card_that_hangs(
        _bot: Bot, _sessionmaker: async_sessionmaker[AsyncSession], _message: OutboxMessage
    ) -> None:
        """A card whose send never gets an answer (Telegram keeps us waiting)."""
        hanging.set()
        await asyncio.Event().wait()

    users = add_recipients(telegram, 3)
    await seed_broadcast(sessionmaker, users, "Hallo buren")
    async with sessionmaker.begin() as session:
        await outbox.enqueue(session, kind=Kind.CARD, chat_id=users[0].id, now=datetime.now(UTC))
    # Queued before the start, so all four are in the first batch.
    dispatcher = Dispatcher(sessionmaker, SystemClock(), card_that_hangs, in_flight=10)
    await dispatcher.initialize(fake_bot)
    await asyncio.wait_for(hanging.wait(), 10)
    await telegram.wait_for(lambda: len(copies(telegram, "Hallo buren")) == 3, timeout=10)
    await asyncio.sleep(0.3)  # the three answers are in

    await dispatcher.shutdown(grace=0.5)
    counts = await statuses(sessionmaker)
    assert counts[Status.SENT] == 3  # what went out is recorded: not sent again
    assert counts[Status.PENDING] == 1  # the card that got no answer is back in the queue
    assert counts[Status.SENDING] == 0
