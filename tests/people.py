"""Helpers that bring simulated people to where a test needs them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser, SentMessage
from models.areas import Wijk
from models.groups import link_group
from models.people import Role, get_person, grant_role


async def onboarded(
    telegram: FakeTelegram, name: str, language: str = "nl", wijk: str = "Noord", **user: object
) -> FakeUser:
    """Take a new person through onboarding with the real bot; return them at rest."""
    person = telegram.add_user(first_name=name, language_code=language, **user)  # type: ignore[arg-type]
    await person.send("/start")
    await person.press(await person.next_message(), "Nederlands" if language == "nl" else "English")
    consent = await person.next_message()
    await person.press(consent, consent.buttons[0][0]["text"])
    wijken = await person.next_message()
    await person.next_message()
    await person.press(wijken, wijk)
    await person.next_message()
    return person


async def linked_group(
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    members: list[FakeUser],
    wijk_code: str = "N",
) -> FakeGroup:
    """Make a group with these members, linked to a wijk (as /koppel would)."""
    group = telegram.add_group(title=f"Buurtgroep {wijk_code}", members=members)
    async with sessionmaker.begin() as session:
        wijk = await session.scalar(select(Wijk).where(Wijk.code == wijk_code))
        assert wijk is not None
        await link_group(
            session,
            chat_id=group.id,
            thread_id=None,
            wijk_id=wijk.id,
            title=group.title,
            linked_by_id=None,
        )
    return group


async def give_role(
    sessionmaker: async_sessionmaker[AsyncSession], user: FakeUser, role: Role
) -> None:
    """Give a known person a role (as /rol would)."""
    async with sessionmaker.begin() as session:
        person = await get_person(session, user.id)
        assert person is not None
        await grant_role(session, person, role)


async def message_with(user: FakeUser, fragment: str, timeout: float = 5.0) -> SentMessage:  # noqa: ASYNC109
    """Skip the user's messages until one contains the fragment; return that one."""
    while True:
        message = await user.next_message(timeout=timeout)
        if fragment in (message.text or ""):
            return message


async def messages_with(
    user: FakeUser,
    *fragments: str,
    timeout: float = 5.0,  # noqa: ASYNC109
) -> list[SentMessage]:
    """Wait for one message per fragment, in whatever order they come; return them in order.

    For messages from two senders at once (a handler's reply and the outbox), whose order
    nothing promises.
    """
    found: dict[str, SentMessage] = {}
    while len(found) < len(fragments):
        message = await user.next_message(timeout=timeout)
        for fragment in fragments:
            if fragment not in found and fragment in (message.text or ""):
                found[fragment] = message
                break
    return [found[fragment] for fragment in fragments]


async def ask_half_way(person: FakeUser) -> None:
    """Start /vraag and give its question (it holds "brood"); the flow then waits for when."""
    await person.send("/vraag")
    await person.press(await person.next_message(), "🛒 Boodschappen")
    await person.next_message()
    await person.send("Wie kan morgen brood voor me halen?")
    assert "Wanneer" in (await person.next_message()).text
