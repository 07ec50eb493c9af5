"""/instellingen end to end, including a restart in the middle of the flow."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.areas import INSIDE_NOORD_WEST
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.people import get_person
from tests.conftest import BotRunner


async def onboarded(telegram: FakeTelegram, name: str = "Mo", language: str = "nl") -> FakeUser:
    """Return a person who finished onboarding with wijk Noord."""
    user = telegram.add_user(first_name=name, language_code=language)
    await user.send("/start")
    await user.press(await user.next_message(), "Nederlands" if language == "nl" else "English")
    consent = await user.next_message()
    await user.press(consent, consent.buttons[0][0]["text"])
    wijken = await user.next_message()
    await user.next_message()
    await user.press(wijken, "Noord")
    await user.next_message()
    return user


async def test_change_language_and_wijk(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    mo = await onboarded(telegram)
    await mo.send("/instellingen")
    menu = await mo.next_message()
    assert "Taal: Nederlands" in menu.text
    assert "Wijk: Noord" in menu.text
    await mo.press(menu, "🌐 Taal veranderen")
    languages = await mo.next_message()
    await mo.press(languages, "English")
    menu = await mo.next_message()
    assert "Language: English" in menu.text

    await mo.press(menu, "🏘️ Change wijk")
    await mo.next_message()
    await mo.next_message()
    await mo.send("zuid-oost")
    question = await mo.next_message()
    assert "Zuid-Oost & <Meer>" in question.text
    await mo.press(question, "✅ Yes, that's right")
    assert "Your wijk is now" in (await mo.next_message()).text
    menu = await mo.next_message()
    assert "Wijk: Zuid-Oost & <Meer>" in menu.text
    await mo.press(menu, "Done")
    await telegram.wait_for(lambda: "saved" in menu.text)

    # Free text after the flow ended is no longer read as a wijk name.
    await mo.send("Noord")
    assert "free messages" in (await mo.next_message()).text
    async with sessionmaker() as session:
        stored = await get_person(session, mo.id)
    assert stored is not None
    assert stored.language == "en"
    assert telegram.rejected() == []


async def test_settings_flow_survives_a_restart(
    bot_runner: BotRunner, telegram: FakeTelegram
) -> None:
    await bot_runner.start()
    ned = await onboarded(telegram, "Ned")
    await ned.send("/instellingen")
    await ned.press(await ned.next_message(), "🏘️ Wijk veranderen")
    await ned.next_message()
    await ned.next_message()
    await bot_runner.stop()

    await bot_runner.start()
    # The bot still knows that Ned is choosing a wijk, so typed text is read as a wijk name.
    await ned.send("noord")
    question = await ned.next_message()
    assert "Bedoel je wijk Noord?" in question.text
    await ned.share_location(*INSIDE_NOORD_WEST)
    await ned.next_message()
    found = await ned.next_message()
    assert "Westkant" in found.text
    await ned.press(found, "✅ Ja, dat klopt")
    assert "Noord" in (await ned.next_message()).text
    assert "Instellingen" in (await ned.next_message()).text
    await ned.send("/annuleer")
    assert "Gestopt" in (await ned.next_message()).text
    assert telegram.rejected() == []


async def test_settings_before_onboarding_continues_onboarding(
    bot: Application, telegram: FakeTelegram
) -> None:
    new = telegram.add_user(first_name="Nieuw")
    await new.send("/instellingen")
    assert (await new.next_message()).button_texts == ["Nederlands", "English"]
