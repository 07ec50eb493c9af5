"""Fairness: different people's updates run side by side, one person's stay in order."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from telegram import Chat, Message, Update, User
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot.config import LimitsConfig
from bot.fairness import PerPersonProcessor, person_key
from bot.sandbox.telegram import FakeTelegram
from tests.conftest import BotRunner
from tests.people import onboarded

SLOW_DOWN = "Wacht even een minuut"


def message_update(update_id: int, user_id: int, text: str) -> Update:
    """Build a private text message from user_id."""
    user = User(user_id, f"U{user_id}", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text=text))  # type: ignore[arg-type]


# -- the processor on its own -----------------------------------------------------------------


async def test_one_persons_updates_run_in_order_and_others_alongside() -> None:
    processor = PerPersonProcessor(max_running=3)
    rng = random.Random(7)
    seen: dict[int, list[int]] = {1: [], 2: [], 3: [], 4: []}
    running = 0
    most = 0

    async def handle(user_id: int, number: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(rng.uniform(0, 0.005))
        seen[user_id].append(number)
        running -= 1

    tasks = []
    for number in range(40):
        user_id = 1 + number % 4
        update = message_update(number, user_id, str(number))
        tasks.append(asyncio.create_task(processor.process_update(update, handle(user_id, number))))
    await asyncio.gather(*tasks)
    for user_id, numbers in seen.items():
        assert numbers == sorted(numbers), f"user {user_id} out of order"
        assert len(numbers) == 10
    assert most == 3  # side by side, but never more than the bound
    assert processor.people_waiting == 0  # nobody is remembered once done


async def test_updates_without_a_user_share_a_queue() -> None:
    assert person_key(message_update(1, 5, "x")) == 5
    assert person_key(object()) == "other"


# -- through the fake Telegram ----------------------------------------------------------------


class Hold:
    """A handler in front of all others that holds the text "wacht" until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.holding = asyncio.Event()

    async def __call__(self, update: Update, context: object) -> None:
        self.holding.set()
        await self.release.wait()
        raise ApplicationHandlerStop  # held only; no other handler needs to see it


@pytest.fixture
async def hold(bot: Application) -> AsyncIterator[Hold]:
    """Install the Hold handler on the running bot; release it at the end."""
    holder = Hold()
    bot.add_handler(MessageHandler(filters.Regex(r"^wacht$"), holder), group=-10)
    yield holder
    holder.release.set()


async def test_two_people_at_once(telegram: FakeTelegram, hold: Hold) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    await ann.send("wacht")
    await asyncio.wait_for(hold.holding.wait(), 5)
    await bob.send("/help")
    assert "Dit kan ik voor je doen" in (await bob.next_message()).text  # Ann's is still held


async def test_one_persons_order_is_kept(telegram: FakeTelegram, hold: Hold) -> None:
    ann = await onboarded(telegram, "Ann")
    before = len(ann.messages)
    await ann.send("wacht")
    await ann.send("/help")
    await asyncio.wait_for(hold.holding.wait(), 5)
    await asyncio.sleep(0.5)
    assert len(ann.messages) == before  # /help waits for the update before it
    hold.release.set()
    assert "Dit kan ik voor je doen" in (await ann.next_message()).text


async def test_a_flood_does_not_keep_another_person_waiting(
    bot_runner: BotRunner, telegram: FakeTelegram
) -> None:
    bot = await bot_runner.start(replace(bot_runner.config, limits=LimitsConfig()))  # defaults
    hold = Hold()
    bot.add_handler(MessageHandler(filters.Regex(r"^wacht$"), hold), group=-10)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    before = len(ann.messages)
    await ann.send("wacht")
    for _ in range(300):
        await ann.send("/help")
    await asyncio.wait_for(hold.holding.wait(), 5)
    await bob.send("/help")
    assert "Dit kan ik voor je doen" in (await bob.next_message()).text  # not after 300 of Ann's
    hold.release.set()
    await telegram.wait_for(lambda: not telegram.updates, 10)
    await telegram.wait_for(lambda: any(SLOW_DOWN in (m.text or "") for m in ann.messages), 10)
    await asyncio.sleep(0.5)
    replies = [m.text or "" for m in ann.messages[before:]]
    assert sum(SLOW_DOWN in text for text in replies) == 1
    assert len(replies) <= LimitsConfig().updates_burst + 2  # the rate limit took the rest
    assert telegram.rejected() == []  # and Telegram's flood control never had to step in


async def test_one_at_a_time_when_configured(bot_runner: BotRunner, telegram: FakeTelegram) -> None:
    config = bot_runner.config
    bot = await bot_runner.start(
        replace(config, limits=replace(config.limits, concurrent_updates=1))
    )
    holder = Hold()
    bot.add_handler(MessageHandler(filters.Regex(r"^wacht$"), holder), group=-10)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    before = len(bob.messages)
    await ann.send("wacht")
    await asyncio.wait_for(holder.holding.wait(), 5)
    await bob.send("/help")
    await asyncio.sleep(0.5)
    assert len(bob.messages) == before  # everyone waits behind Ann's update
    holder.release.set()
    assert "Dit kan ik voor je doen" in (await bob.next_message()).text


async def test_each_persons_updates_arrive_in_order_while_mixed_with_others(
    bot: Application, telegram: FakeTelegram
) -> None:
    rng = random.Random(3)
    seen: dict[int, list[int]] = {}

    async def record(update: Update, context: object) -> None:
        user, message = update.effective_user, update.effective_message
        assert user is not None
        assert message is not None
        await asyncio.sleep(rng.uniform(0, 0.01))  # uneven work, so a reordering would show
        seen.setdefault(user.id, []).append(int(message.text or ""))
        raise ApplicationHandlerStop

    bot.add_handler(MessageHandler(filters.Regex(r"^\d+$"), record), group=-10)
    people = [telegram.add_user(name) for name in ("Ann", "Bob", "Cas")]
    for number in range(20):
        for person in people:
            await person.send(str(number))
    await telegram.wait_for(lambda: sum(len(v) for v in seen.values()) == 60, 10)
    assert all(numbers == list(range(20)) for numbers in seen.values())
