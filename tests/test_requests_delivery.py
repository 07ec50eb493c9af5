"""Delivery of what requests owe people: held notices, groups that drop out, late check-ins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.groups import GroupLink
from models.outbox import OutboxMessage, Status
from tests.conftest import FakeClock, eventually
from tests.people import linked_group, onboarded
from tests.test_requests_flow import ask


async def become_volunteer(user: FakeUser) -> None:
    """Volunteer for everything through /helpen."""
    await user.send("/helpen")
    await user.next_message()
    await user.press(await user.next_message(), "💾 Opslaan")
    await user.next_message()


async def test_a_held_notice_is_dropped_when_the_request_was_taken_by_morning(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    vera = await onboarded(telegram, "Vera")
    group = await linked_group(telegram, sessionmaker, [ann, bob])
    await become_volunteer(vera)
    clock.set(datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam: quiet hours
    await ask(ann, "Wie kan morgen vroeg de kat eten geven?", "Morgen", "🐕 Huisdier")
    card = await group.next_message()
    await bob.press(card, "🤝 Ik help")
    await bob.next_message()
    await ann.next_message()
    seen = len(vera.messages)
    clock.set(datetime(2026, 11, 26, 7, 5, tzinfo=UTC))  # 08:05: quiet hours are over
    await asyncio.sleep(2.5)
    assert len(vera.messages) == seen  # the request was taken in the night: nothing to offer
    async with sessionmaker() as session:
        statuses = {m.status for m in await session.scalars(select(OutboxMessage))}
    assert Status.CANCELLED in statuses
    assert Status.PENDING not in statuses


async def test_a_group_that_removed_the_bot_does_not_keep_the_others_stale(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    first = await linked_group(telegram, sessionmaker, [ann, bob])
    second = await linked_group(telegram, sessionmaker, [ann, bob])
    await ask(ann, "Wie helpt me zaterdag met de verhuisdozen?", "Deze week", "🔧 Klusje in huis")
    card_one, card_two = await first.next_message(), await second.next_message()
    first.bot_rights(status="kicked")
    await bob.press(card_two, "🤝 Ik help")
    await bob.next_message()
    await telegram.wait_for(lambda: "Een buur helpt al" in card_two.text)
    assert "Een buur helpt al" not in card_one.text  # that group is out of reach

    async def unlinked() -> bool:
        async with sessionmaker() as session:
            links = {link.chat_id: link.active for link in await session.scalars(select(GroupLink))}
        return links == {first.id: False, second.id: True}

    await eventually(unlinked)


async def test_a_late_claim_is_asked_about_after_the_meeting_and_not_at_night(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    group = await linked_group(telegram, sessionmaker, [ann, bob])
    await ask(ann, "Wie kan vandaag nog een recept ophalen?", "Vandaag", "❓ Iets anders")
    card = await group.next_message()
    clock.set(datetime(2026, 11, 25, 21, 30, tzinfo=UTC))  # 22:30, late in "today"
    await bob.press(card, "🤝 Ik help")
    await bob.next_message()
    await ann.next_message()
    clock.set(datetime(2026, 11, 26, 0, 40, tzinfo=UTC))  # 01:40: due, but quiet hours
    await asyncio.sleep(2.5)
    assert not any("Is het gelukt" in m.text for m in ann.messages)
    clock.set(datetime(2026, 11, 26, 7, 5, tzinfo=UTC))  # 08:05
    assert "Is het gelukt" in (await ann.next_message(timeout=10)).text
    assert "Is het gelukt" in (await bob.next_message(timeout=10)).text


async def test_unticking_one_category_of_everything_keeps_the_rest(
    bot: Application, telegram: FakeTelegram
) -> None:
    vera = await onboarded(telegram, "Vera")
    await become_volunteer(vera)
    await vera.send("/helpen")
    await vera.next_message()
    profile = await vera.next_message()
    assert all(text.startswith("✓") for text in profile.button_texts[:8])
    await vera.press(profile, "✓ 🐕 Huisdier")
    await telegram.wait_for(lambda: "🐕 Huisdier" in profile.button_texts)
    ticked = [t for t in profile.button_texts if t.startswith("✓")]
    assert len(ticked) == 7
    assert "✓ Alles" not in profile.button_texts
