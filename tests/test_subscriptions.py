"""Notification settings: themes, once a day, quiet hours, chosen in /instellingen."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from models.people import Role
from tests.conftest import FakeClock
from tests.fake_telegram import FakeTelegram, FakeUser, SentMessage
from tests.people import give_role, onboarded
from tests.test_activities import create_activity


async def open_notifications(user: FakeUser) -> SentMessage:
    """Open /instellingen and then the notification choices."""
    await user.send("/instellingen")
    await user.press(await user.next_message(), "🔔 Meldingen")
    return await user.next_message()


async def test_themes_and_a_daily_moment_decide_who_hears_of_an_activity(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    ann = await onboarded(telegram, "Ann")  # no choices made: hears of everything, right away
    bob = await onboarded(telegram, "Bob")
    cem = await onboarded(telegram, "Cem")

    menu = await open_notifications(bob)
    assert "✓ ☕ Ontmoeten" in menu.button_texts
    await bob.press(menu, "✓ ☕ Ontmoeten")
    await telegram.wait_for(lambda: "☕ Ontmoeten" in menu.button_texts)
    await bob.press(menu, "Klaar")

    menu = await open_notifications(cem)
    await cem.press(menu, "Eén keer per dag (18:00)")
    await telegram.wait_for(lambda: "✓ Eén keer per dag (18:00)" in menu.button_texts)

    bob_seen, cem_seen = len(bob.messages), len(cem.messages)
    await create_activity(sara)  # an "Ontmoeten" activity, Wednesday 10:00 on the fake clock
    assert "Koffie-ochtend" in (await ann.next_message()).text
    await create_activity(sara)  # and a second one
    assert "Koffie-ochtend" in (await ann.next_message()).text
    await asyncio.sleep(1.5)
    assert len(bob.messages) == bob_seen  # not his theme
    assert len(cem.messages) == cem_seen  # waits for 18:00
    clock.set(datetime(2026, 11, 25, 17, 1, tzinfo=UTC))  # 18:01 in Amsterdam
    later = await cem.next_message(timeout=10)
    assert later.text.count("Koffie-ochtend") == 2  # one daily message with both
    await asyncio.sleep(1.5)
    assert cem.messages[-1] is later
    assert telegram.rejected() == []
