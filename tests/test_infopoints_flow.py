"""/infopunt end to end: location, wijk, search, details, venue, reports, admin, group, inline."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.areas import INSIDE_NOORD_EAST
from bot.sandbox.telegram import FakeTelegram
from models.infopoint_io import COLUMNS, import_points
from models.infopoints import InfoPoint, InfoPointReport
from tests.conftest import ADMIN_ID
from tests.people import linked_group, onboarded

AMS = ZoneInfo("Europe/Amsterdam")


def row(**values: object) -> dict[str, object]:
    base: dict[str, object] = dict.fromkeys(COLUMNS, "")
    base.update(values)
    return base


@pytest.fixture
async def points(bot: Application, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Four points in Noord (three on the map) and one in Zuid."""
    rows = [
        row(
            key="bieb",
            name="Bibliotheek Noord",
            kind="bibliotheek",
            latitude="52.151",
            longitude="5.081",
            opening_hours="Mo-Fr 09:00-17:00; PH off",
            services="bibliotheek;digitale hulp",
        ),
        row(
            key="wb",
            name="Wijkbureau Noord",
            kind="wijkbureau",
            latitude="52.16",
            longitude="5.09",
            street="Dorpsstraat",
            house_number="1",
            city="Utrecht",
            opening_hours="Sa 10:00-12:00",
            services="formulieren",
        ),
        row(
            key="bh",
            name="Buurthuis De Boog",
            kind="buurthuis",
            latitude="52.19",
            longitude="5.01",
            services="ontmoeting",
        ),
        row(
            key="bk",
            name="Buurtkamer <Oost> & Co",
            kind="buurtkamer",
            wijk="Noord",
            hours_note="Op afspraak",
            services="taal",
        ),
        row(key="zuid", name="Buurthuis Zuid", kind="buurthuis", wijk="Z"),
    ]
    async with sessionmaker.begin() as session:
        report = await import_points(session, list(enumerate(rows, start=2)), tz=AMS)
    assert report.errors == []


@pytest.mark.usefixtures("points")
async def test_nearest_by_location_with_the_wijks_unmapped_points(telegram: FakeTelegram) -> None:
    ann = await onboarded(telegram, "Ann")
    await ann.send("/infopunt")
    ask = await ann.next_message()
    assert ask.button_texts == ["🏘️ Kies een wijk", "🔎 Zoek"]
    assert (await ann.next_message()).reply_keyboard[0][0]["request_location"] is True
    await ann.share_location(*INSIDE_NOORD_EAST)  # 52.15, 5.08
    assert "dichtst bij jou" in (await ann.next_message()).text
    first, second, third = [await ann.next_message() for _ in range(3)]
    assert first.text.startswith("Bibliotheek Noord · Bibliotheek · 130 m")
    assert "Nu open, tot 17:00" in first.text  # Wednesday 10:00 on the fake clock
    assert second.text.startswith("Wijkbureau Noord")
    assert "Nu dicht. Open zaterdag om 10:00" in second.text
    assert "Dorpsstraat 1, Utrecht" in second.text
    assert third.text.startswith("Buurthuis De Boog")
    assert "(nog zonder plek op de kaart)" in (await ann.next_message()).text
    unmapped = await ann.next_message()
    assert unmapped.text.startswith("Buurtkamer <Oost> & Co")
    assert "Op afspraak" in unmapped.text
    assert unmapped.button_texts == ["ℹ️ Alles over dit punt"]

    await ann.press(first, "🗺️ Op de kaart")
    venue = await ann.next_message()
    assert venue.venue is not None
    assert venue.venue["title"] == "Bibliotheek Noord"
    assert telegram.rejected() == []


@pytest.mark.usefixtures("points")
async def test_by_wijk_and_by_search(telegram: FakeTelegram) -> None:
    bob = await onboarded(telegram, "Bob", language="en")
    await bob.send("/infopoint")
    choice = await bob.next_message()
    await bob.next_message()
    await bob.press(choice, "🏘️ Choose a wijk")
    wijken = await bob.next_message()
    await bob.press(wijken, "Zuid-Oost & <Meer>")
    assert "Information points in Zuid-Oost & <Meer> (1)" in (await bob.next_message()).text
    assert (await bob.next_message()).text.startswith("Buurthuis Zuid")

    await bob.send("/infopoint")
    await bob.next_message()
    await bob.next_message()
    await bob.send("bieb")  # typing right away searches
    assert (await bob.next_message()).text.startswith("Bibliotheek Noord · Library")

    await bob.send("/infopoint")
    choice = await bob.next_message()
    await bob.next_message()
    await bob.press(choice, "🔎 Search")
    await bob.next_message()
    await bob.send("formulier")
    assert (await bob.next_message()).text.startswith("Wijkbureau Noord")
    await bob.send("/infopoint")
    await bob.next_message()
    await bob.next_message()
    await bob.send("zwembad <b>")
    assert "I found nothing for “zwembad <b>”" in (await bob.next_message()).text
    assert telegram.rejected() == []


@pytest.mark.usefixtures("points")
async def test_a_resident_reports_a_mistake_and_admins_hear_of_it(
    telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    cem = await onboarded(telegram, "Cem")
    await cem.send("/infopunt")
    await cem.next_message()
    await cem.next_message()
    await cem.send("boog")
    result = await cem.next_message()
    await cem.press(result, "ℹ️ Alles over dit punt")
    details = await cem.next_message()
    assert details.button_texts == ["🗺️ Op de kaart", "Klopt dit niet?"]  # no admin tools
    await cem.press(details, "Klopt dit niet?")
    await cem.next_message()
    await cem.send("Het buurthuis is verhuisd naar de Kerkstraat <3")
    assert "De beheerders kijken ernaar" in (await cem.next_message()).text
    to_admin = await admin.next_message()
    assert "Melding over Buurthuis De Boog" in to_admin.text
    assert "Kerkstraat <3" in to_admin.text
    async with sessionmaker() as session:
        report = await session.scalar(select(InfoPointReport))
    assert report is not None
    assert report.text.startswith("Het buurthuis is verhuisd")
    assert telegram.rejected() == []


@pytest.mark.usefixtures("points")
async def test_an_admin_changes_and_hides_a_point(
    telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    await admin.send("/infopunt")
    await admin.next_message()
    await admin.next_message()
    await admin.send("wijkbureau")
    result = await admin.next_message()
    await admin.press(result, "ℹ️ Alles over dit punt")
    details = await admin.next_message()
    await admin.press(details, "✏️ Wijzigen")
    fields = await admin.next_message()
    await admin.press(fields, "Openingstijden")
    await admin.next_message()
    await admin.send("Mo-Fr 09:00-25:00")
    assert "Die openingstijden begrijp ik niet" in (await admin.next_message()).text
    await admin.send("Mo-Fr 08:30-16:30")
    assert (await admin.next_message()).text == "Opgeslagen."
    assert "Nu open, tot 16:30" in (await admin.next_message()).text
    await admin.press(details, "🙈 Verbergen")
    assert "is verborgen" in (await admin.next_message()).text
    async with sessionmaker() as session:
        point = await session.scalar(select(InfoPoint).where(InfoPoint.key == "wb"))
    assert point is not None
    assert (point.opening_hours, point.hidden) == ("Mo-Fr 08:30-16:30", True)

    # A resident pressing an admin button of an old message is refused.
    eve = await onboarded(telegram, "Eve")
    before = len(eve.answers)
    await eve.press_data(eve.messages[-1], f"ip:hide:{point.id}")  # tampered data
    await telegram.wait_for(lambda: len(eve.answers) > before)
    assert "Dit kan alleen een beheerder" in (eve.answers[-1].get("text") or "")
    assert telegram.rejected() == []


@pytest.mark.usefixtures("points")
async def test_in_a_group_the_points_of_its_wijk(
    telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [ann])
    await ann.send("/infopunt", chat=group)
    listing = await group.next_message()
    assert "Informatiepunten in Noord (4)" in listing.text
    assert "Buurtkamer <Oost> & Co" in listing.text
    assert listing.buttons[0][0]["url"].endswith("?start=infopunt")
    assert telegram.rejected() == []


@pytest.mark.usefixtures("points")
async def test_inline_mode_shares_a_point(
    telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [ann])
    await ann.inline_query("bieb", chat_type="supergroup")
    answer = await ann.next_inline_answer()
    assert [r["type"] for r in answer["results"]] == ["venue"]
    shared = await ann.choose_inline_result(answer, answer["results"][0]["id"], chat=group)
    assert shared.venue is not None
    assert shared.venue["title"] == "Bibliotheek Noord"

    await ann.inline_query("buurtkamer", chat_type="supergroup")
    answer = await ann.next_inline_answer()
    assert [r["type"] for r in answer["results"]] == ["article"]
    card = await ann.choose_inline_result(answer, answer["results"][0]["id"], chat=group)
    assert card.text.startswith("Buurtkamer <Oost> & Co")
    await ann.inline_query("")
    assert (await ann.next_inline_answer())["results"] == []
    assert telegram.rejected() == []


async def test_an_admin_adds_a_point_in_the_chat(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    await admin.send("/infopunt")
    menu = await admin.next_message()
    await admin.next_message()
    await admin.press(menu, "➕ Nieuw punt")
    await admin.next_message()
    await admin.send("Taalcafé <De Brug>")
    await admin.press(await admin.next_message(), "Noord")
    assert "Toegevoegd" in (await admin.next_message()).text
    details = await admin.next_message()
    assert details.text.startswith("Taalcafé <De Brug> · Informatiepunt")
    async with sessionmaker() as session:
        point = await session.scalar(
            select(InfoPoint).where(InfoPoint.name == "Taalcafé <De Brug>")
        )
    assert point is not None
    assert point.key == "taalcafe-de-brug"
    assert telegram.rejected() == []
