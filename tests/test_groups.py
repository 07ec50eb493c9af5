"""A group's life: linked, a topic linked, the bot removed, the group migrated to a supergroup."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser
from models.areas import Buurt
from models.audit import entries
from models.groups import GroupLink
from models.help_requests import RequestCard
from models.people import get_person
from tests.conftest import ADMIN_ID, BotRunner, eventually
from tests.people import onboarded
from tests.test_activities import create_activity
from tests.test_requests_flow import ask


async def links(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[int, int, bool]]:
    """Return every link as (chat, thread, active)."""
    async with sessionmaker() as session:
        rows = await session.scalars(select(GroupLink).order_by(GroupLink.id))
        return [(link.chat_id, link.thread_id, link.active) for link in rows]


async def link(
    telegram: FakeTelegram, admin: FakeUser, group: FakeGroup, thread: int | None = None
) -> str:
    """Link a group (or topic) to Noord with /koppel; return what the bot asked first."""
    await admin.send("/koppel", chat=group, thread_id=thread)
    choice = await group.next_message()
    assert choice.thread_id == thread  # the answer stays in the topic
    said = choice.text or ""
    await admin.press(choice, "Noord")
    await telegram.wait_for(lambda: "Gekoppeld" in (choice.text or ""))
    return said


async def test_link_a_group_and_a_topic_and_cards_go_to_the_topic(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    forum = telegram.add_group("Buurtforum", forum=True, members=[admin, ann])
    forum.set_admin(admin)
    topic = forum.add_topic("Hulpvragen Noord")

    said = await link(telegram, admin, forum, topic)
    assert "Van welke wijk moet dit onderwerp" in said
    assert "onderwerpen beheren" in said  # the bot is no admin: it says what it lacks
    assert "dit onderwerp laat nu" in (forum.last_message.text or "")
    assert await links(sessionmaker) == [(forum.id, topic, True)]

    await ask(ann, "Wie kan mijn fiets plakken?")
    card = await forum.next_message(timeout=10)
    assert "Hulpvraag" in card.text
    assert card.thread_id == topic
    send = [r for r in telegram.requests if r.method == "sendMessage" and r.params.get("chat_id")]
    assert any(r.params.get("message_thread_id") == topic for r in send)
    # Activity cards go to the topic too.
    await create_activity(admin)
    activity = await forum.next_message(timeout=10)
    assert "Koffie-ochtend <samen>" in activity.text
    assert activity.thread_id == topic

    # /koppel again in the topic: it says what it is linked to and offers to unlink.
    await admin.send("/koppel", chat=forum, thread_id=topic)
    again = await forum.next_message()
    assert "Nu gekoppeld aan Noord" in again.text
    await admin.press(again, "🔌 Ontkoppelen")
    await telegram.wait_for(lambda: "Ontkoppeld" in again.text)
    assert await links(sessionmaker) == [(forum.id, topic, False)]
    async with sessionmaker() as session:
        actions = [e.action for e in await entries(session)]
    assert actions.count("group.link") == 1
    assert actions.count("group.unlink") == 1
    assert telegram.rejected() == []


async def test_a_group_about_one_buurt_gets_only_that_buurts_requests(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    west, east = await onboarded(telegram, "Wil"), await onboarded(telegram, "Oscar")
    async with sessionmaker.begin() as session:
        for user, code in ((west, "N1"), (east, "N2")):
            person = await get_person(session, user.id)
            assert person is not None
            person.home_buurt_id = await session.scalar(select(Buurt.id).where(Buurt.code == code))
    group = telegram.add_group("Westkant", members=[admin, west, east])
    group.set_admin(admin)
    await link(telegram, admin, group)
    choice = group.last_message
    assert choice is not None
    assert "Gaat deze groep over één buurt?" in choice.text
    await admin.press(choice, "Westkant")
    await telegram.wait_for(lambda: "Gekoppeld aan de buurt Westkant" in (choice.text or ""))

    await ask(east, "Wie helpt me met de tuin in Oostkant?")
    await ask(west, "Wie helpt me met de tuin in Westkant?")
    card = await group.next_message(timeout=10)
    assert "Westkant" in card.text  # Oscar's request from Oostkant did not come here
    assert not any("Oostkant?" in (m.text or "") for m in group.messages)
    async with sessionmaker() as session:
        details = [e.detail for e in await entries(session) if e.action == "group.link"]
    assert details[-1].endswith(f"buurt:{await _buurt_id(sessionmaker, 'N1')}")


async def _buurt_id(sessionmaker: async_sessionmaker[AsyncSession], code: str) -> int:
    async with sessionmaker() as session:
        found = await session.scalar(select(Buurt.id).where(Buurt.code == code))
    assert found is not None
    return found


async def test_the_bot_removed_switches_the_link_off_and_tells_the_admins(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    group = telegram.add_group("Buurt <Noord>", members=[admin, ann])
    group.set_admin(admin)
    group.set_admin(ann)
    await link(telegram, admin, group)
    await eventually(lambda: _active(sessionmaker, group.id, True))

    group.remove_bot(by=ann)
    told = await admin.next_message(timeout=10)
    assert "verwijderd uit de groep Buurt <Noord>" in told.text
    assert "Noord" in told.text
    await eventually(lambda: _active(sessionmaker, group.id, False))
    async with sessionmaker() as session:
        log = await entries(session)
    assert [e.action for e in log][-1] == "group.unlink"
    assert "bot removed" in log[-1].detail

    # A request asked now goes to no group.
    await ask(ann, "Wie leent me een ladder?")
    assert [m for m in group.messages if "Hulpvraag" in (m.text or "")] == []
    assert telegram.rejected() == []


async def _active(sessionmaker: async_sessionmaker[AsyncSession], chat_id: int, on: bool) -> bool:
    return [(c, a) for c, _t, a in await links(sessionmaker) if c == chat_id] == [(chat_id, on)]


async def test_a_group_that_becomes_a_supergroup_takes_its_link_and_cards_along(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    old = telegram.add_group("Buurt Noord", members=[admin, ann, bob], basic=True)
    old.set_admin(admin)
    await link(telegram, admin, old)
    await eventually(lambda: _active(sessionmaker, old.id, True))
    await ask(ann, "Wie helpt me met de boodschappen?")
    first = await old.next_message(timeout=10)
    assert "Hulpvraag" in first.text

    async def cards_in(chat_id: int) -> bool:
        async with sessionmaker() as session:
            cards = [c.chat_id for c in await session.scalars(select(RequestCard))]
        return cards == [chat_id]

    await eventually(lambda: cards_in(old.id))  # the card is saved just after it is sent
    new = old.migrate_to_supergroup(by=admin)
    await eventually(lambda: cards_in(new.id))
    await eventually(lambda: _active(sessionmaker, new.id, True))
    # The moved card still works: a press in the supergroup edits it there.
    moved_card = new.messages[-1]
    await bob.press(moved_card, "🤝 Ik help")
    await telegram.wait_for(lambda: "Een buur helpt al" in (moved_card.text or ""))
    assert "Je helpt Ann" in (await bob.next_message(timeout=10)).text
    assert "Bob helpt je" in (await ann.next_message(timeout=10)).text
    # And new cards go to the supergroup.
    await ask(ann, "Wie kan mijn plant water geven?")
    card = await new.next_message(timeout=10)
    assert "plant" in card.text
    async with sessionmaker() as session:
        log = await entries(session)
    assert "group.migrate" in [e.action for e in log]
    assert telegram.rejected() == []


async def test_a_migration_missed_while_the_bot_was_down_is_found_when_editing(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await bot_runner.start()
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    old = telegram.add_group("Buurt Noord", members=[admin, ann, bob], basic=True)
    old.set_admin(admin)
    await link(telegram, admin, old)
    await eventually(lambda: _active(sessionmaker, old.id, True))
    await ask(ann, "Wie kan mijn brief posten?")
    await old.next_message(timeout=10)
    await bot_runner.stop()
    new = old.migrate_to_supergroup(by=admin)
    telegram.world.updates.clear()  # the service messages never reached the bot
    await bot_runner.start()

    # Editing the card finds out: it is edited in the supergroup, where its history went; the
    # link moves along.
    card = new.messages[-1]
    await bob.press(card, "🤝 Ik help")
    await telegram.wait_for(lambda: "Een buur helpt al" in (card.text or ""))
    await eventually(lambda: _active(sessionmaker, new.id, True))
    assert "Je helpt Ann" in (await bob.next_message(timeout=10)).text
    migrated = [
        r for r in telegram.rejected() if "upgraded to a supergroup" in (r.description or "")
    ]
    assert len(migrated) == 1  # Telegram said so once; then the bot used the new chat


async def test_a_card_sent_to_a_group_that_migrated_goes_to_the_supergroup(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await bot_runner.start()
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    old = telegram.add_group("Buurt Noord", members=[admin, ann], basic=True)
    old.set_admin(admin)
    await link(telegram, admin, old)
    await eventually(lambda: _active(sessionmaker, old.id, True))
    await bot_runner.stop()
    new = old.migrate_to_supergroup(by=admin)
    telegram.world.updates.clear()
    await bot_runner.start()

    await ask(ann, "Wie kan mijn brief posten?")
    card = await new.next_message(timeout=10)
    assert "brief" in card.text
    await eventually(lambda: _active(sessionmaker, new.id, True))
    migrated = [
        r for r in telegram.rejected() if "upgraded to a supergroup" in (r.description or "")
    ]
    assert len(migrated) == 1
