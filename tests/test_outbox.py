"""The outbox: messages survive Telegram's errors and crashes, and go out once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser
from models import outbox
from models.outbox import Kind, OutboxMessage, Status
from models.people import get_person
from tests.conftest import BotRunner, FakeClock, eventually
from tests.people import onboarded


@pytest.fixture(autouse=True)
def _plain_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask PTB for plain retry_after numbers (its RetryAfter otherwise warns of a change)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def queue(
    sessionmaker: async_sessionmaker[AsyncSession], user: FakeUser, text: str, clock: FakeClock
) -> int:
    """Put a text message for a person in the outbox."""
    async with sessionmaker.begin() as session:
        person = await get_person(session, user.id)
        assert person is not None
        message = await outbox.enqueue(
            session,
            kind=Kind.TEXT,
            chat_id=user.id,
            person_id=person.id,
            payload={"text": text},
            now=clock.now(),
        )
        assert message is not None
        return message.id


async def status_of(sessionmaker: async_sessionmaker[AsyncSession], message_id: int) -> str:
    async with sessionmaker() as session:
        message = await session.get(OutboxMessage, message_id)
    assert message is not None
    return message.status


async def test_flood_errors_beyond_the_limiter_are_retried_later(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann")
    telegram.fail_next("sendMessage", error_code=429, retry_after=1, count=3)
    message_id = await queue(sessionmaker, ann, "Hallo <b>Ann</b>", clock)
    bot.bot_data["services"].dispatcher.wake()

    async def back_in_queue() -> bool:
        return (
            await status_of(sessionmaker, message_id) == Status.PENDING
            and len([r for r in telegram.requests if r.error_code == 429]) == 3
        )

    await eventually(back_in_queue, 15)
    clock.advance(seconds=30)
    assert (await ann.next_message(timeout=10)).text == "Hallo Ann"
    await eventually(lambda: _is(sessionmaker, message_id, Status.SENT))
    assert sum(m.text == "Hallo Ann" for m in ann.messages) == 1


async def _is(sessionmaker: async_sessionmaker[AsyncSession], message_id: int, status: str) -> bool:
    return await status_of(sessionmaker, message_id) == status


async def test_a_person_who_blocked_the_bot_is_skipped_and_marked(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    bob = await onboarded(telegram, "Bob")
    bob.blocked = True
    message_id = await queue(sessionmaker, bob, "Nieuws", clock)
    bot.bot_data["services"].dispatcher.wake()
    await eventually(lambda: _is(sessionmaker, message_id, Status.FAILED))
    async with sessionmaker() as session:
        person = await get_person(session, bob.id)
    assert person is not None
    assert person.blocked_bot


async def test_a_message_interrupted_by_a_crash_is_sent_after_the_restart(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await bot_runner.start()
    cem = await onboarded(telegram, "Cem")
    await bot_runner.stop()
    message_id = await queue(sessionmaker, cem, "Nog even dit", clock)
    async with sessionmaker.begin() as session:
        # What a crash between "taken" and "sent" leaves behind.
        claimed = await outbox.claim_due(session, now=clock.now())
        assert [m.id for m in claimed] == [message_id]
    await bot_runner.start()
    assert (await cem.next_message(timeout=10)).text == "Nog even dit"
    await eventually(lambda: _is(sessionmaker, message_id, Status.SENT))


async def test_a_dedupe_key_queues_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    async with sessionmaker.begin() as session:
        first = await outbox.enqueue(
            session, kind=Kind.TEXT, chat_id=1, now=clock.now(), dedupe_key="x:1"
        )
        second = await outbox.enqueue(
            session, kind=Kind.TEXT, chat_id=1, now=clock.now(), dedupe_key="x:1"
        )
    assert first is not None
    assert second is None
    async with sessionmaker() as session:
        assert len((await session.scalars(select(OutboxMessage))).all()) == 1


async def test_a_persons_due_daily_items_are_taken_together_past_the_batch_limit(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    async with sessionmaker.begin() as session:
        for chat_id, count in ((11, 3), (22, 2)):
            for i in range(count):
                await outbox.enqueue(
                    session,
                    kind=Kind.DIGEST,
                    chat_id=chat_id,
                    payload={"text": f"{chat_id}-{i}"},
                    now=clock.now(),
                )
    async with sessionmaker.begin() as session:
        claimed = await outbox.claim_due(session, now=clock.now(), limit=1)
        assert sorted(m.payload["text"] for m in claimed) == ["11-0", "11-1", "11-2"]
        claimed = await outbox.claim_due(session, now=clock.now(), limit=1)
        assert sorted(m.payload["text"] for m in claimed) == ["22-0", "22-1"]


async def test_sent_messages_are_marked_together_and_stale_ones_requeued(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    """mark_sent records a whole batch; release_stale requeues only what was taken long ago."""
    async with sessionmaker.begin() as session:
        for chat_id in (1, 2, 3, 4):
            await outbox.enqueue(session, kind=Kind.TEXT, chat_id=chat_id, now=clock.now())
        taken = await outbox.claim_due(session, now=clock.now())
        taken[0].last_error = "timed out once"
    first, second, third, fourth = (m.id for m in taken)
    later = clock.now() + timedelta(minutes=11)
    async with sessionmaker.begin() as session:
        await outbox.mark_sent(session, [first, second], now=later)
        await outbox.mark_sent(session, [], now=later)  # an all-failed batch marks nothing
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == fourth).values(taken_at=later)
        )
        assert await outbox.release_stale(session, now=later) == 1  # third: taken 11 min ago
    async with sessionmaker() as session:
        rows = {m.id: m for m in await session.scalars(select(OutboxMessage))}
    assert [rows[i].status for i in (first, second, third, fourth)] == [
        Status.SENT, Status.SENT, Status.PENDING, Status.SENDING
    ]  # fmt: skip
    assert rows[first].sent_at == later
    assert rows[first].last_error is None
    assert rows[third].sent_at is None
