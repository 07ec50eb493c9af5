"""Notification settings: themes, once a day, quiet hours, chosen in /instellingen."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.people import Role
from models.subscriptions import Subscription
from tests.conftest import BotRunner, FakeClock
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


async def test_the_person_picks_the_daily_moment_kept_across_a_restart_and_quiet_hours(
    bot_runner: BotRunner, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    clock = bot_runner.clock
    await bot_runner.start()
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    cem = await onboarded(telegram, "Cem")
    dewi = await onboarded(telegram, "Dewi")

    # Dewi picks 07:00, inside the default quiet hours (22:00-08:00): it comes at 08:00.
    menu = await open_notifications(dewi)
    await dewi.press(menu, "Eén keer per dag (18:00)")
    await telegram.wait_for(lambda: "✓ 18:00" in menu.button_texts)
    await dewi.press(menu, "07:00")
    await telegram.wait_for(lambda: "✓ 07:00" in menu.button_texts)
    assert "om 08:00" in dewi.answers[-1]["text"]

    menu = await open_notifications(cem)
    assert "07:00" not in menu.button_texts  # the hours show once "once a day" is chosen
    await cem.press(menu, "Eén keer per dag (18:00)")
    await telegram.wait_for(lambda: "✓ 18:00" in menu.button_texts)
    assert [b for b in menu.button_texts if b.endswith(":00") and len(b) <= 7] == [
        "07:00",
        "08:00",
        "12:00",
        "✓ 18:00",
        "20:00",
    ]
    await create_activity(sara)  # queued for Cem's 18:00
    await create_activity(sara)
    # He changes his mind: what waits moves along, so there is still one message a day.
    await cem.press(menu, "20:00")
    await telegram.wait_for(lambda: "✓ Eén keer per dag (20:00)" in menu.button_texts)
    assert cem.answers[-1]["text"] is None

    cem_seen, dewi_seen = len(cem.messages), len(dewi.messages)
    clock.set(datetime(2026, 11, 25, 17, 1, tzinfo=UTC))  # 18:01 in Amsterdam
    await asyncio.sleep(1.5)
    assert len(cem.messages) == cem_seen  # no longer at 18:00

    await bot_runner.stop()  # a restart between queueing and sending loses nothing
    await bot_runner.start()
    clock.set(datetime(2026, 11, 25, 19, 1, tzinfo=UTC))  # 20:01
    daily = await cem.next_message(timeout=10)
    assert daily.text.count("Koffie-ochtend") == 2  # both activities, in one message
    clock.set(datetime(2026, 11, 26, 6, 1, tzinfo=UTC))  # Thursday 07:01: Dewi's quiet hours
    await asyncio.sleep(1.5)
    assert len(dewi.messages) == dewi_seen
    clock.set(datetime(2026, 11, 26, 7, 1, tzinfo=UTC))  # 08:01
    assert "Koffie-ochtend" in (await dewi.next_message(timeout=10)).text
    await asyncio.sleep(1.5)
    assert cem.messages[-1] is daily  # once that day
    assert len(dewi.messages) == dewi_seen + 1
    assert telegram.rejected() == []


async def test_wijken_tampered_buttons_and_closing(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")  # home wijk Noord: hears of Noord by default
    menu = await open_notifications(ann)
    await ann.press(menu, "🏘️ Wijken kiezen")
    await telegram.wait_for(lambda: "Terug" in menu.button_texts)
    assert "✓ Noord" in menu.button_texts
    await ann.press(menu, "Zuid-Oost & <Meer>")  # a name with HTML's characters in it
    await telegram.wait_for(lambda: "✓ Zuid-Oost & <Meer>" in menu.button_texts)
    assert "Terug" in menu.button_texts  # still the wijken
    async with sessionmaker() as session:
        chosen = await session.scalar(select(Subscription.wijk_ids))
    assert chosen is not None
    assert len(chosen) == 2

    before = list(menu.button_texts)
    for data in ("sub:quiet:99", "sub:wijk:999999", "sub:hour:3", "sub:nonsense", "sub:"):
        answered = len(ann.answers)
        await ann.press_data(menu, data)
        await telegram.wait_for(lambda n=answered: len(ann.answers) > n)
        assert ann.answers[-1]["text"] == "Deze knop werkt niet meer."
    assert menu.button_texts == before  # nothing redrawn
    async with sessionmaker() as session:
        assert await session.scalar(select(Subscription.wijk_ids)) == chosen  # nothing changed

    await ann.press(menu, "Terug")
    await telegram.wait_for(lambda: "Klaar" in menu.button_texts)
    await ann.press(menu, "Klaar")
    await telegram.wait_for(lambda: not menu.buttons)
    assert ann.answers[-1]["text"] == "Je instellingen zijn bewaard."
    assert telegram.rejected() == []
