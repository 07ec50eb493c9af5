"""One flow at a time, and flows left half-way before a restart end by themselves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram
from models.base import utcnow
from models.conversations import ConversationState
from tests.conftest import ADMIN_ID, BotRunner
from tests.people import onboarded


async def test_a_new_command_ends_the_flow_the_person_was_in(
    bot: Application, telegram: FakeTelegram
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    await admin.send("/infopunt")  # waits for a search word...
    await admin.next_message()
    await admin.next_message()
    await admin.send("/omroep")  # ...but the admin moves on
    assert "Wat wil je omroepen?" in (await admin.next_message()).text
    await admin.send("Buurtfeest zaterdag")
    assert "Naar wie gaat het?" in (await admin.next_message()).text


async def test_a_flow_left_before_a_restart_times_out(
    bot_runner: BotRunner, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await bot_runner.start()
    ann = await onboarded(telegram, "Ann")
    await ann.send("/infopunt")
    await ann.next_message()
    await ann.next_message()
    await bot_runner.stop()
    async with sessionmaker.begin() as session:  # an hour passes while the bot is down
        await session.execute(
            update(ConversationState).values(updated_at=utcnow() - timedelta(hours=1))
        )
    await bot_runner.start()
    await ann.send("hallo, ik wil hulp bij boodschappen")
    assert "Ik begrijp losse berichten nog niet" in (await ann.next_message()).text
