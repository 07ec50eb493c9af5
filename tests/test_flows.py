"""One flow at a time, and flows left half-way before a restart end by themselves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.base import utcnow
from models.conversations import ConversationState, FlowData
from tests.conftest import ADMIN_ID, BotRunner, eventually
from tests.people import ask_half_way, onboarded


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


async def test_each_step_of_a_flow_is_stored_once_its_update_is_handled(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A crash right after a step keeps that step: its draft and state are in the database.

    PTB marks an update's person for persistence only after every handler ran; the bot then
    writes at once. Waiting for PTB's own interval (seconds) would lose the step in a crash.
    """
    ann = await onboarded(telegram, "Ann")
    await ask_half_way(ann)

    async def stored() -> bool:
        async with sessionmaker() as session:
            flow = await session.get(FlowData, ann.id)
        return flow is not None and "brood" in str(flow.data)

    # Well within PTB's own interval of five seconds (bot/persistence.py).
    await eventually(stored, seconds=1.0)


async def asking_with_old_menus(
    telegram: FakeTelegram, menus: int
) -> tuple[FakeUser, list[SentMessage]]:
    """Return Ann, at /vraag's question, and settings menus she opened before it."""
    ann = await onboarded(telegram, "Ann")
    opened = []
    for _ in range(menus):
        await ann.send("/instellingen")
        opened.append(await ann.next_message())
    await ann.send("/vraag")
    await ann.press(await ann.next_message(), "🛒 Boodschappen")
    assert "Wat is je vraag?" in (await ann.next_message()).text
    return ann, opened


async def test_a_button_that_starts_a_flow_ends_the_flow_the_person_was_in(
    bot: Application, telegram: FakeTelegram
) -> None:
    """An old message's button opens another flow: the half-done one ends, as for a command."""
    ann, (menu,) = await asking_with_old_menus(telegram, 1)
    await ann.press(menu, "🏘️ Wijk veranderen")  # the settings menu, from before /vraag
    wijken = await ann.next_message()
    await ann.next_message()  # the hint to share a location
    await ann.press(wijken, "Noord")
    assert "Je wijk is nu Noord" in (await ann.next_message()).text
    menu_again = await ann.next_message()
    await ann.press(menu_again, "Klaar")  # done with settings
    await telegram.wait_for(lambda: "bewaard" in menu_again.text)
    # /vraag ended when settings started: this text is not taken for its question.
    await ann.send("Wie kan morgen brood voor me halen bij de bakker?")
    assert "Ik begrijp losse berichten nog niet" in (await ann.next_message()).text


async def test_a_button_within_the_flow_keeps_it(bot: Application, telegram: FakeTelegram) -> None:
    """Pressing a step's button is no new flow: the flow goes on."""
    ann = await onboarded(telegram, "Ann")
    await ann.send("/instellingen")
    menu = await ann.next_message()
    await ann.press(menu, "🏘️ Wijk veranderen")
    wijken = await ann.next_message()
    await ann.next_message()
    await ann.press(wijken, "Noord")
    assert "Je wijk is nu Noord" in (await ann.next_message()).text
    assert "Wat wil je veranderen?" in (await ann.next_message()).text


async def test_a_flow_ended_by_a_new_command_leaves_no_draft_stored(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The question of an abandoned /vraag is not kept while the person goes on using the bot."""
    ann = await onboarded(telegram, "Ann")
    await ask_half_way(ann)
    await ann.send("/agenda")  # she moves on
    await ann.next_message()

    async def draft_gone() -> bool:
        async with sessionmaker() as session:
            flow = await session.get(FlowData, ann.id)
        return flow is None or "brood" not in str(flow.data)

    await eventually(draft_gone)
    await ann.send("/vraag")  # a new question starts empty
    await ann.press(await ann.next_message(), "🛒 Boodschappen")
    assert "Wat is je vraag?" in (await ann.next_message()).text


async def test_an_old_button_that_opens_no_flow_leaves_the_flow_alone(
    bot: Application, telegram: FakeTelegram
) -> None:
    """ "Klaar" or "Meldingen" on an old settings menu end at once: /vraag goes on."""
    ann, (menu, other_menu) = await asking_with_old_menus(telegram, 2)
    await ann.press(menu, "Klaar")
    await telegram.wait_for(lambda: "bewaard" in menu.text)
    await ann.press(other_menu, "🔔 Meldingen")
    await ann.next_message()  # the notification settings
    await ann.send("Wie kan morgen brood voor me halen bij de bakker?")
    assert "Wanneer" in (await ann.next_message()).text
