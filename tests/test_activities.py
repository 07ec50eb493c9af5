"""Activities end to end: create, publish, RSVP, waitlist, reminders, .ics, cancel, proposals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.config import ActivitiesConfig
from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.activities import Activity, Rsvp, Status
from models.people import Role
from tests.conftest import ADMIN_ID, BotRunner, FakeClock
from tests.people import give_role, linked_group, onboarded

AMS = ZoneInfo("Europe/Amsterdam")


async def create_activity(
    user: FakeUser,
    *,
    capacity: str = "Geen maximum",
    button: str = "📣 Publiceren",
    point: str | None = None,
    photo: bool = False,
) -> SentMessage:
    """Walk through /activiteit: Saturday 28 November 10:00-12:00 at the buurthuis.

    point: pick this information point instead of typing the place; photo: add a photo.
    """
    await user.send("/activiteit")
    await user.next_message()
    await user.send("Koffie-ochtend <samen>")
    await user.next_message()
    await user.send("Gezellig koffie drinken & bijpraten.")
    days = await user.next_message()
    await user.press(days, "za 28 nov")
    await user.press(await user.next_message(), "10:00")
    await user.press(await user.next_message(), "2 uur")
    ask_place = await user.next_message()
    if point is None:
        await user.send("Buurthuis De Boog")
    else:
        await user.press(ask_place, "📍 Kies een informatiepunt")
        await user.press(await user.next_message(), point)
    await user.press(await user.next_message(), "☕ Ontmoeten")
    await user.press(await user.next_message(), capacity)
    ask_photo = await user.next_message()
    if photo:
        await user.send_photo("de koffiepot")
    else:
        await user.press(ask_photo, "Geen foto")
    preview = await user.next_message()
    if photo:
        assert preview.text.startswith("Zo komt het")
        preview = await user.next_message()
        assert preview.kind == "photo"
    assert "Koffie-ochtend <samen>" in preview.text
    assert "zaterdag 28 november, 10:00-12:00" in preview.text
    await user.press(preview, button)
    return await user.next_message()


async def wait_text(user: FakeUser, text: str) -> SentMessage:
    """Return the next bot message containing text."""
    while True:
        message = await user.next_message(timeout=10)
        if text in (message.text or ""):
            return message


async def test_publish_rsvp_waitlist_reminders_ics_and_cancel(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    zuid = await onboarded(telegram, "Zuid", wijk="Zuid-Oost & <Meer>")
    group = await linked_group(telegram, sessionmaker, [sara, ann, bob])

    assert "Gepubliceerd" in (await create_activity(sara, capacity="10")).text
    card = await group.next_message()
    assert "Koffie-ochtend <samen>" in card.text
    assert card.button_texts == ["👍 Ik kom", "🤔 Misschien", "Ik kan niet"]
    copy_ann = await ann.next_message()
    assert "Koffie-ochtend" in copy_ann.text
    assert "📆 Zet in mijn agenda" in copy_ann.button_texts
    await bob.next_message()
    assert zuid.messages[-1].text.startswith("Welkom")  # another wijk: nothing

    async with sessionmaker.begin() as session:  # a small capacity, to see the waitlist
        activity = await session.scalar(select(Activity))
        assert activity is not None
        activity.capacity = 1
    await ann.press(copy_ann, "👍 Ik kom")
    await telegram.wait_for(lambda: "👍 1 komen" in card.text)
    await bob.press(card, "👍 Ik kom")
    await telegram.wait_for(
        lambda: bob.answers and "wachtlijst" in (bob.answers[-1].get("text") or "")
    )
    await ann.press(copy_ann, "Ik kan niet")
    promoted = await wait_text(bob, "plek vrijgekomen")
    assert "Koffie-ochtend" in promoted.text
    async with sessionmaker() as session:
        answers = {r.person_id: (r.answer, r.waiting) for r in await session.scalars(select(Rsvp))}
    assert sorted(answers.values()) == [("no", False), ("yes", False)]

    await ann.press(copy_ann, "📆 Zet in mijn agenda")
    ics = await wait_text_document(ann)
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 11, 28, 10, 0, tzinfo=AMS)
    assert event.decoded("dtend") == datetime(2026, 11, 28, 12, 0, tzinfo=AMS)
    assert "BEGIN:VTIMEZONE" in ics.decode()
    assert "BEGIN:VALARM" in ics.decode()

    clock.set(datetime(2026, 11, 27, 9, 30, tzinfo=UTC))  # 24 h before (10:30 the day before)
    assert "Herinnering" in (await wait_text(bob, "Herinnering")).text
    clock.set(datetime(2026, 11, 28, 8, 30, tzinfo=UTC))  # 09:30 on the day
    await wait_text(bob, "Herinnering")
    clock.set(datetime(2026, 11, 28, 8, 40, tzinfo=UTC))
    await bot.job_queue.get_jobs_by_name("activity-reminders")[0].run(bot)
    assert sum("Herinnering" in (m.text or "") for m in bob.messages) == 2  # once each
    assert not any("Herinnering" in (m.text or "") for m in ann.messages)  # she said no

    await sara.send("/agenda")
    await wait_text(sara, "Agenda")
    item = await sara.next_message()
    await sara.press(item, "❌ Activiteit annuleren")
    assert "gaat niet door" in (await wait_text(bob, "gaat niet door")).text
    await telegram.wait_for(lambda: "gaat niet door" in card.text)
    assert card.buttons == []
    assert telegram.rejected() == []


async def wait_text_document(user: FakeUser) -> bytes:
    """Return the content of the next document the bot sends to this person."""
    while True:
        message = await user.next_message(timeout=10)
        if message.document is not None:
            return message.document["content"]


async def test_a_resident_proposes_and_an_admin_approves(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    eve = await onboarded(telegram, "Eve")
    assert "Voorgesteld" in (await create_activity(ann, button="📨 Voorstellen")).text
    proposal = await wait_text(admin, "Voorstel voor een activiteit")
    # A resident pressing approve (tampered data on her own message) is refused.
    before = len(eve.answers)
    await eve.press_data(eve.messages[-1], "act:approve:1")
    await telegram.wait_for(lambda: len(eve.answers) > before)
    assert "kan niet" in (eve.answers[-1].get("text") or "")
    await admin.press(proposal, "✅ Goedkeuren")
    assert "is goedgekeurd" in (await wait_text(ann, "goedgekeurd")).text
    async with sessionmaker() as session:
        activity = await session.scalar(select(Activity))
    assert activity is not None
    assert activity.status == Status.PUBLISHED
    await eve.send("/agenda")
    assert "Agenda (1 activiteiten)" in (await wait_text(eve, "Agenda")).text


async def test_moving_an_activity_tells_everyone_who_answered(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    ann = await onboarded(telegram, "Ann")
    await create_activity(sara)
    copy = await ann.next_message()
    await ann.press(copy, "🤔 Misschien")
    await sara.send("/agenda")
    await wait_text(sara, "Agenda")
    item = await sara.next_message()
    await sara.press(item, "🕒 Verplaatsen")
    days = await sara.next_message()
    await sara.press(days, "zo 29 nov")
    await sara.next_message()
    await sara.send("15:00")
    assert "Veranderd" in (await sara.next_message()).text
    notice = await wait_text(ann, "is veranderd")
    assert "zondag 29 november, 15:00-17:00" in notice.text
    # A resident cannot move it (the right is checked on the server).
    await ann.send("/agenda")
    await wait_text(ann, "Agenda")
    mine = await ann.next_message()
    assert "🕒 Verplaatsen" not in mine.button_texts
    before = len(ann.answers)
    await ann.press_data(mine, "act:move:1")
    await telegram.wait_for(lambda: len(ann.answers) > before)
    assert "kan niet" in (ann.answers[-1].get("text") or "")


async def test_cards_are_pinned_when_the_config_says_so(
    bot_runner: BotRunner, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    config = bot_runner.config
    await bot_runner.start(replace(config, activities=ActivitiesConfig(pin_cards=True)))
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    pinned = await linked_group(telegram, sessionmaker, [sara])
    pinned.bot_rights(can_pin_messages=True)
    no_right = await linked_group(telegram, sessionmaker, [sara])
    await create_activity(sara)
    card = await pinned.next_message()
    await telegram.wait_for(lambda: card.pinned)
    other = await no_right.next_message()  # posted all the same, just not pinned
    assert not other.pinned
