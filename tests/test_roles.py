"""/rol end to end: pick a person, give and take roles, they are told, the audit log keeps it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.audit import entries
from models.people import Role, get_person, roles_of
from tests.conftest import ADMIN_ID
from tests.people import give_role, onboarded


async def test_an_admin_gives_and_takes_roles_and_the_person_is_told(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    tess = await onboarded(telegram, "Tess <&>", language="en")

    await admin.send("/rol")
    people = await admin.next_message()
    assert "Van wie wil je de rol veranderen?" in people.text
    await admin.press(people, "Tess <&>")
    await telegram.wait_for(lambda: "Rollen van Tess <&>" in people.text)
    assert "Nu: bewoner" in people.text
    await admin.press(people, "➕ vrijwilliger")
    await telegram.wait_for(lambda: "Nu: vrijwilliger" in people.text)
    told = await tess.next_message(timeout=10)
    assert told.text == "You are now volunteer. Send /help to see what you can do now."

    await admin.press(people, "🏘 Buurtassistent: kies wijken")
    await telegram.wait_for(lambda: "In welke wijken" in people.text)
    await admin.press(people, "Noord")
    await telegram.wait_for(lambda: "✓ Noord" in people.button_texts)
    told = await tess.next_message(timeout=10)
    assert "buurtassistent (neighbourhood assistant) (Noord)" in told.text
    await admin.press(people, "⬅️ Terug")
    await telegram.wait_for(lambda: "Rollen van" in people.text)
    assert "buurtassistent (Noord)" in people.text
    await admin.press(people, "➖ vrijwilliger")
    await telegram.wait_for(lambda: "Nu: buurtassistent (Noord)" in people.text)
    assert "no longer" in (await tess.next_message(timeout=10)).text
    await admin.press(people, "Klaar")
    await telegram.wait_for(lambda: people.buttons == [])

    async with sessionmaker() as session:
        person = await get_person(session, tess.id)
        assert person is not None
        roles = await roles_of(session, person)
        log = await entries(session, person_id=person.id)
    assert roles.has(Role.BUURTASSISTENT, roles_wijk := next(iter(roles.by_wijk)))
    assert not roles.has(Role.VOLUNTEER)
    assert [(e.action, e.detail, e.wijk_id) for e in log] == [
        ("role.grant", "volunteer", None),
        ("role.grant", "buurtassistent", roles_wijk),
        ("role.revoke", "volunteer", None),
    ]
    assert telegram.rejected() == []


async def test_by_username_and_by_reply_in_a_group(
    bot: Application, telegram: FakeTelegram
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    tess = await onboarded(telegram, "Tess", username="Tess_N")
    await admin.send("/role @tess_n")
    assert "Rollen van Tess (@Tess_N)" in (await admin.next_message()).text
    await admin.send("/rol @niemand")
    assert "Ik ken niemand met de naam @niemand" in (await admin.next_message()).text

    group = telegram.add_group(members=[admin, tess])
    said = await tess.send("Hoi @buurtbot_test_bot", chat=group)
    await admin.send("/rol", chat=group, reply_to=said)
    assert "privébericht" in (await group.next_message()).text
    menu = await admin.next_message()
    assert "Rollen van Tess" in menu.text  # in private: the group does not see roles
    await admin.send("/rol", chat=group)
    assert "Antwoord met /rol" in (await group.next_message()).text


async def test_the_last_admin_cannot_step_down_and_config_admins_come_back(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    await admin.send("/rol")
    people = await admin.next_message()
    await admin.press(people, "Beheer")
    await telegram.wait_for(lambda: "Rollen van Beheer" in people.text)
    for button in ("➖ beheerder", "➕ geblokkeerd"):
        assert "geen beheerder meer" in (await answer_to(telegram, admin, people, button))

    # With a second admin, the configured one may step down, and hears they come back.
    bea = await onboarded(telegram, "Bea")
    await give_role(sessionmaker, bea, Role.ADMIN)
    assert "configuratiebestand" in await answer_to(telegram, admin, people, "➖ beheerder")
    async with sessionmaker() as session:
        person = await get_person(session, ADMIN_ID)
        assert person is not None
        assert not (await roles_of(session, person)).has(Role.ADMIN)
    # Now Beheer is no admin: the buttons are refused.
    assert "Dit kan alleen een beheerder" in (
        await answer_to(telegram, admin, people, "➕ vrijwilliger")
    )


async def answer_to(
    telegram: FakeTelegram, user: FakeUser, message: SentMessage, button: str
) -> str:
    """Press a button and return the text of the bot's answer to the press."""
    before = len(user.answers)
    await user.press(message, button)
    await telegram.wait_for(lambda: len(user.answers) > before)
    return user.answers[-1]["text"] or ""
