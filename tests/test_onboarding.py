"""Onboarding end to end: simulated people talk to the real bot through the fake Telegram."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import BadRequest
from telegram.ext import Application

from bot.app import build_application
from bot.config import Config
from bot.sandbox.areas import IN_THE_SEA, IN_ZUID_LAKE, INSIDE_NOORD_EAST
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.areas import Buurt, Wijk
from models.people import Person, get_person
from tests.conftest import BotRunner, FakeClock


async def person(sessionmaker: async_sessionmaker[AsyncSession], user: FakeUser) -> Person:
    """Load the stored person behind a fake user."""
    async with sessionmaker() as session:
        found = await get_person(session, user.id)
    assert found is not None
    return found


async def onboard(user: FakeUser, language_button: str = "Nederlands") -> None:
    """Take a person through language and consent, up to the wijk question."""
    await user.send("/start")
    await user.press(await user.next_message(), language_button)
    consent = await user.next_message()
    await user.press(consent, consent.buttons[0][0]["text"])
    await user.next_message()  # the wijk buttons
    await user.next_message()  # the "share location" keyboard


async def test_onboarding_in_dutch_by_picking_a_wijk(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = telegram.add_user(first_name="Ann", language_code="nl")
    await ann.send("/start")
    choose = await ann.next_message()
    assert "Kies je taal" in choose.text
    assert choose.button_texts == ["Nederlands", "English"]

    await ann.press(choose, "Nederlands")
    consent = await ann.next_message()
    assert "Over je gegevens" in consent.text
    assert "Buurtnetwerk Test" in consent.text
    assert "hallo@example.org" in consent.text

    await ann.press(consent, "✅ Ik ga akkoord")
    wijken = await ann.next_message()
    assert "In welke wijk woon je?" in wijken.text
    assert wijken.button_texts == ["Noord", "Zuid-Oost & <Meer>"]
    location = await ann.next_message()
    assert location.reply_keyboard[0][0]["request_location"] is True

    await ann.press(wijken, "Noord")
    welcome = await ann.next_message()
    assert welcome.text.startswith("Welkom, Ann!")
    assert "/instellingen" in welcome.text
    assert welcome.remove_keyboard

    stored = await person(sessionmaker, ann)
    assert stored.language == "nl"
    assert stored.consent_at is not None
    async with sessionmaker() as session:
        wijk = await session.get(Wijk, stored.home_wijk_id)
    assert wijk is not None
    assert wijk.name == "Noord"
    assert telegram.rejected() == []


async def test_onboarding_in_english_by_sharing_a_location(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    bob = telegram.add_user(first_name="Bob", language_code="en-GB", username=None)
    await onboard(bob, "English")
    await bob.share_location(*INSIDE_NOORD_EAST)
    assert "look up" in (await bob.next_message()).text
    found = await bob.next_message()
    assert "Noord" in found.text
    assert "Oostkant" in found.text
    await bob.press(found, "✅ Yes, that's right")
    welcome = await bob.next_message()
    assert welcome.text.startswith("Welcome, Bob!")
    assert "/settings" in welcome.text

    stored = await person(sessionmaker, bob)
    async with sessionmaker() as session:
        buurt = await session.get(Buurt, stored.home_buurt_id)
    assert buurt is not None
    assert buurt.name == "Oostkant"
    assert stored.language == "en"
    assert telegram.rejected() == []


async def test_location_outside_the_city_offers_the_nearest_wijk(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    cem = telegram.add_user(first_name="Cem", language_code="nl")
    await onboard(cem)
    await cem.share_location(*IN_THE_SEA)
    await cem.next_message()
    answer = await cem.next_message()
    assert "niet in een van onze wijken" in answer.text
    assert "Noord" in answer.text
    assert answer.button_texts == ["Kies Noord", "Andere wijk kiezen"]

    await cem.share_location(*IN_ZUID_LAKE)  # in the hole of a wijk: outside it
    await cem.next_message()
    lake = await cem.next_message()
    assert "niet in een van onze wijken" in lake.text
    assert "Zuid-Oost &amp; &lt;Meer&gt;" in (lake.html or "")

    await cem.press(answer, "Andere wijk kiezen")
    listing = await cem.next_message()
    await cem.next_message()
    await cem.press(listing, "Zuid-Oost & <Meer>")
    assert (await cem.next_message()).text.startswith("Welkom, Cem!")
    assert telegram.rejected() == []


async def test_typing_where_a_button_is_expected_gets_a_friendly_nudge(
    bot: Application, telegram: FakeTelegram
) -> None:
    dina = telegram.add_user(first_name="Dina")
    await dina.send("/start")
    await dina.next_message()
    await dina.send("hallo?")
    nudge = await dina.next_message()
    assert "knoppen" in nudge.text
    again = await dina.next_message()
    assert again.button_texts == ["Nederlands", "English"]

    await dina.send("x" * 5000)
    assert "knoppen" in (await dina.next_message()).text
    await dina.next_message()
    assert telegram.rejected() == []


async def test_typed_wijk_name_is_matched_forgivingly(
    bot: Application, telegram: FakeTelegram
) -> None:
    eva = telegram.add_user(first_name="Eva")
    await onboard(eva)
    await eva.send("  NOORD ")
    question = await eva.next_message()
    assert "Bedoel je wijk Noord?" in question.text
    await eva.send("<script>" + "🏠" * 3000)
    unknown = await eva.next_message()
    assert "Ik ken geen wijk" in unknown.text
    assert len(unknown.text) < 400
    await eva.press(question, "✅ Ja, dat klopt")
    assert (await eva.next_message()).text.startswith("Welkom, Eva!")
    assert telegram.rejected() == []


async def test_html_in_a_name_is_shown_as_typed(bot: Application, telegram: FakeTelegram) -> None:
    odd = telegram.add_user(first_name='<b>Ann & "Bob"</b>', language_code="en")
    await onboard(odd, "English")
    await odd.share_location(*INSIDE_NOORD_EAST)
    await odd.next_message()
    await odd.press(await odd.next_message(), "✅ Yes, that's right")
    welcome = await odd.next_message()
    assert welcome.text.startswith('Welcome, <b>Ann & "Bob"</b>!')
    assert telegram.rejected() == []


async def test_nonsense_start_payload_and_returning_person(
    bot: Application, telegram: FakeTelegram
) -> None:
    fay = telegram.add_user(first_name="Fay")
    await fay.send("/start ../../etc/passwd")
    assert "Deze link ken ik niet" in (await fay.next_message()).text
    assert (await fay.next_message()).button_texts == ["Nederlands", "English"]
    await fay.press(fay.last_message, "Nederlands")
    consent = await fay.next_message()
    await fay.press(consent, "✅ Ik ga akkoord")
    wijken = await fay.next_message()
    await fay.next_message()
    await fay.press(wijken, "Noord")
    await fay.next_message()

    await fay.send("/start")
    assert (await fay.next_message()).text.startswith("Welkom terug, Fay!")


async def test_old_buttons_and_double_presses_change_nothing_twice(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    gus = telegram.add_user(first_name="Gus")
    await gus.send("/start")
    languages = await gus.next_message()
    # Two presses at once on two buttons of the same message: the first one wins.
    await asyncio.gather(gus.press(languages, "Nederlands"), gus.press(languages, "English"))
    consent = await gus.next_message()
    await telegram.wait_for(lambda: len(gus.answers) == 2)
    assert "Dit is al geregeld." in [a.get("text") for a in gus.answers]
    assert "Over je gegevens" in consent.text

    await asyncio.gather(
        gus.press(consent, "✅ Ik ga akkoord"), gus.press(consent, "✅ Ik ga akkoord")
    )
    await gus.next_message()
    await gus.next_message()
    await telegram.wait_for(lambda: len(gus.answers) == 4)
    await asyncio.sleep(0.3)
    # Only one wijk question was sent for the two presses.
    assert sum("In welke wijk" in m.text for m in gus.messages) == 1
    assert (await person(sessionmaker, gus)).language == "nl"
    # The second press of each pair may try to take away buttons the first already took away;
    # Telegram answers "not modified", which the bot expects. Nothing else may be refused.
    refused = [r for r in telegram.rejected() if "not modified" not in (r.description or "")]
    assert refused == []


async def test_tampered_and_unknown_buttons_are_refused_kindly(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    hal = telegram.add_user(first_name="Hal")
    await onboard(hal)
    wijken = hal.messages[-2]
    answered = len(hal.answers)
    await hal.press_data(wijken, "ob:wijk:999999")
    await telegram.wait_for(lambda: len(hal.answers) > answered)
    assert hal.answers[-1]["text"] == "Dat bestaat niet (meer)."
    assert (await hal.next_message()).button_texts == ["Noord", "Zuid-Oost & <Meer>"]
    await hal.next_message()
    await hal.press_data(wijken, "admin:make_me_admin")
    await telegram.wait_for(lambda: len(hal.answers) == answered + 2)
    assert hal.answers[-1]["text"] == "Deze knop werkt niet meer."
    assert (await person(sessionmaker, hal)).home_wijk_id is None
    assert telegram.rejected() == []


async def test_cancel_during_onboarding_and_resume(
    bot: Application, telegram: FakeTelegram
) -> None:
    ida = telegram.add_user(first_name="Ida")
    await onboard(ida)
    await ida.send("/annuleer")
    stopped = await ida.next_message()
    assert "Gestopt" in stopped.text
    assert stopped.remove_keyboard
    await ida.send("/start")
    assert "In welke wijk" in (await ida.next_message()).text


async def test_unknown_command_and_other_messages_get_a_hint(
    bot: Application, telegram: FakeTelegram
) -> None:
    jan = telegram.add_user(first_name="Jan", language_code="en")
    await jan.send("/frobnicate now")
    assert "/frobnicate" in (await jan.next_message()).text
    await jan.send("/cancel")
    assert (await jan.next_message()).text.startswith("Stopped")


async def test_group_start_and_help_point_to_the_private_chat(
    bot: Application, telegram: FakeTelegram
) -> None:
    kim = telegram.add_user(first_name="Kim", language_code="nl")
    group = telegram.add_group(title="Buurtgroep Noord", members=[kim])
    await kim.send("/start", chat=group)
    reply = await group.next_message()
    assert "privégesprek" in reply.text
    assert reply.buttons[0][0]["url"] == f"https://t.me/{telegram.bot_username}?start=group"
    await kim.send("/help@" + telegram.bot_username, chat=group)
    assert "privégesprek" in (await group.next_message()).text
    await kim.send("gewoon een bericht", chat=group)
    await kim.send("/onbekend", chat=group)
    await asyncio.sleep(0.5)
    assert len(group.messages) == 2
    assert kim.messages == []  # nothing private to someone who never started the bot


async def test_help_depends_on_roles(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from tests.conftest import ADMIN_ID

    admin = telegram.add_user(first_name="Beheer", user_id=ADMIN_ID, language_code="nl")
    await admin.send("/help")
    text = (await admin.next_message()).text
    assert "beheerder" in text
    resident = telegram.add_user(first_name="Lot", language_code="nl")
    await resident.send("/help")
    assert "beheerder" not in (await resident.next_message()).text
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 2


async def test_command_menus_are_registered_per_language_and_scope(
    bot: Application, telegram: FakeTelegram
) -> None:
    nl_private = dict(telegram.commands("all_private_chats", "nl"))
    en_private = dict(telegram.commands("all_private_chats", "en"))
    default_private = dict(telegram.commands("all_private_chats", ""))
    assert list(nl_private) == [
        "start", "help", "vraag", "helpen", "mijn", "infopunt", "agenda", "activiteit",
        "instellingen", "privacy", "mijngegevens", "vergeetmij", "annuleer",
    ]  # fmt: skip
    assert list(en_private) == [
        "start", "help", "ask", "volunteer", "mine", "infopoint", "events", "event",
        "settings", "privacy", "mydata", "forgetme", "cancel",
    ]  # fmt: skip
    assert default_private == nl_private
    # Admin commands are not in anybody's menu; groups get what works there.
    assert list(dict(telegram.commands("all_group_chats", "nl"))) == [
        "start", "help", "vraag", "infopunt", "agenda", "privacy",
    ]  # fmt: skip


async def test_a_refused_menu_stops_start_up_with_telegrams_own_error(
    config: Config, telegram: FakeTelegram, clock: FakeClock
) -> None:
    """The menus go out together; a refusal still comes out as itself, not as a group."""
    telegram.fail_next("setMyCommands", error_code=400, description="Bad Request: not today")
    app = build_application(config, clock=clock)
    await app.initialize()
    try:
        assert app.post_init is not None
        with pytest.raises(BadRequest, match=r"(?i)not today"):
            await app.post_init(app)
    finally:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)


async def test_restart_halfway_through_onboarding_loses_nothing(
    bot_runner: BotRunner, telegram: FakeTelegram
) -> None:
    await bot_runner.start()
    lia = telegram.add_user(first_name="Lia")
    await lia.send("/start")
    await lia.press(await lia.next_message(), "Nederlands")
    consent = await lia.next_message()
    await bot_runner.stop()

    await bot_runner.start()
    await lia.press(consent, "✅ Ik ga akkoord")
    wijken = await lia.next_message()
    await lia.next_message()
    await bot_runner.stop()

    await bot_runner.start()
    await lia.press(wijken, "Noord")
    assert (await lia.next_message()).text.startswith("Welkom, Lia!")
    assert telegram.rejected() == []
