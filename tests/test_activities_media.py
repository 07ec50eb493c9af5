"""Activities at an information point, and activities with a photo (a photo card with counts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.i18n import translator
from bot.media import CAPTION_MAX, visible_length
from bot.sandbox.telegram import FakeTelegram
from handlers.activities.render import card_text
from models.activities import Activity, Counts, Status
from models.areas import list_wijken
from models.infopoints import InfoPoint, add_point
from models.people import Role
from tests.people import give_role, linked_group, onboarded
from tests.test_activities import create_activity, wait_text, wait_text_document

AMS = ZoneInfo("Europe/Amsterdam")


async def _point(
    sessionmaker: async_sessionmaker[AsyncSession], name: str, wijk: str, street: str = ""
) -> int:
    """Add an information point to a wijk (by the wijk's name); return its id."""
    async with sessionmaker.begin() as session:
        wijk_id = next(w.id for w in await list_wijken(session) if w.name == wijk)
        point = await add_point(session, name=name, wijk_id=wijk_id)
        point.street, point.house_number, point.city = street, "1", "Utrecht"
        return point.id


async def test_an_activity_at_an_information_point_shows_the_point_and_survives_its_removal(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [sara, ann])
    point_id = await _point(sessionmaker, "Buurthuis <De Leeuw>", "Noord", "Kerkstraat")
    other = await _point(sessionmaker, "Wijkbureau Zuid", "Zuid-Oost & <Meer>")

    # The list shows only the points of the activity's wijk; a tampered button is refused.
    await sara.send("/activiteit")
    for answer in ("Test", "-"):
        await sara.next_message()
        await sara.send(answer)
    await sara.press(await sara.next_message(), "za 28 nov")
    await sara.press(await sara.next_message(), "10:00")
    await sara.press(await sara.next_message(), "2 uur")
    await sara.press(await sara.next_message(), "📍 Kies een informatiepunt")
    points = await sara.next_message()
    assert points.button_texts == ["Buurthuis <De Leeuw>"]
    await sara.press_data(points, f"ev:point:{other}")
    await telegram.wait_for(lambda: sara.answers and sara.answers[-1]["text"])
    await sara.send("/annuleer")
    await sara.next_message()

    assert "Gepubliceerd" in (await create_activity(sara, point="Buurthuis <De Leeuw>")).text
    card = await group.next_message()
    assert "📍 Buurthuis <De Leeuw>, Kerkstraat 1, Utrecht" in card.text
    copy = await ann.next_message()
    assert "📍 Buurthuis <De Leeuw>, Kerkstraat 1, Utrecht" in copy.text
    async with sessionmaker() as session:
        activity = await session.scalar(select(Activity))
    assert activity is not None
    assert activity.infopoint_id == point_id

    # The card follows the point: a new name shows at the next change of the card.
    async with sessionmaker.begin() as session:
        point = await session.get(InfoPoint, point_id)
        assert point is not None
        point.name = "Wijkcentrum De Leeuw"
    await ann.press(copy, "👍 Ik kom")
    await telegram.wait_for(lambda: "👍 1 komen" in card.text)
    assert "📍 Wijkcentrum De Leeuw, Kerkstraat 1, Utrecht" in card.text
    await ann.press(copy, "📆 Zet in mijn agenda")
    event = icalendar.Calendar.from_ical(await wait_text_document(ann)).walk("VEVENT")[0]
    assert str(event["location"]) == "Wijkcentrum De Leeuw, Kerkstraat 1, Utrecht"

    # Hidden, and then deleted: the activity still says where it is (the words chosen).
    async with sessionmaker.begin() as session:
        point = await session.get(InfoPoint, point_id)
        assert point is not None
        point.hidden = True
    await ann.press(copy, "🤔 Misschien")
    await telegram.wait_for(lambda: "🤔 1 misschien" in card.text)
    assert "📍 Buurthuis <De Leeuw>, Kerkstraat 1, Utrecht" in card.text
    async with sessionmaker.begin() as session:
        await session.execute(delete(InfoPoint).where(InfoPoint.id == point_id))
    await ann.press(copy, "📆 Zet in mijn agenda")
    event = icalendar.Calendar.from_ical(await wait_text_document(ann)).walk("VEVENT")[0]
    assert str(event["location"]) == "Buurthuis <De Leeuw>, Kerkstraat 1, Utrecht"
    async with sessionmaker() as session:
        activity = await session.scalar(select(Activity))
    assert activity is not None
    assert activity.infopoint_id is None
    assert telegram.rejected() == []


async def test_an_activity_with_a_photo_posts_a_photo_card_whose_counts_change(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    group = await linked_group(telegram, sessionmaker, [sara, ann, bob])

    # Text where the photo was asked is explained; then the photo comes.
    await sara.send("/activiteit")
    for answer in ("Test", "-"):
        await sara.next_message()
        await sara.send(answer)
    await sara.press(await sara.next_message(), "za 28 nov")
    await sara.press(await sara.next_message(), "10:00")
    await sara.press(await sara.next_message(), "2 uur")
    await sara.next_message()
    await sara.send("Buurthuis")
    await sara.press(await sara.next_message(), "☕ Ontmoeten")
    await sara.press(await sara.next_message(), "Geen maximum")
    await sara.next_message()
    await sara.send("hier is hij")
    assert "Stuur een foto" in (await sara.next_message()).text
    await sara.send("/annuleer")
    await sara.next_message()

    assert "Gepubliceerd" in (await create_activity(sara, photo=True)).text
    card = await group.next_message()
    assert card.kind == "photo"
    assert "Koffie-ochtend <samen>" in card.caption
    assert card.button_texts == ["👍 Ik kom", "🤔 Misschien", "Ik kan niet"]
    copy_ann = await ann.next_message()
    assert copy_ann.kind == "photo"
    assert "📆 Zet in mijn agenda" in copy_ann.button_texts

    await bob.press(card, "👍 Ik kom")
    await telegram.wait_for(lambda: "👍 1 komen" in (card.caption or ""))
    await ann.press(copy_ann, "🤔 Misschien")
    await telegram.wait_for(lambda: "🤔 1 misschien" in (card.caption or ""))
    methods = [
        r.method
        for r in telegram.requests
        if r.method.startswith("editMessage") and r.params.get("chat_id") == group.id
    ]
    assert set(methods) == {"editMessageCaption"}
    assert card.kind == "photo"
    assert card.button_texts == ["👍 Ik kom", "🤔 Misschien", "Ik kan niet"]
    assert telegram.rejected() == []


async def test_a_long_description_is_shortened_to_fit_under_a_photo(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    start = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    activity = Activity(
        id=1, title="Lange middag", description="Heel veel woorden 🍰 " * 80, theme="eten",
        starts_at=start, ends_at=start + timedelta(hours=2), place="Buurthuis", wijk_ids=[],
        capacity=20, status=Status.PUBLISHED,
    )  # fmt: skip
    t = translator("nl")
    async with sessionmaker() as session:
        full = await card_text(session, t, activity, Counts(yes=3), AMS)
        short = await card_text(session, t, activity, Counts(yes=3), AMS, caption=True)
    assert visible_length(full) > CAPTION_MAX
    assert visible_length(short) <= CAPTION_MAX
    assert "…" in short
    assert "👍 3 komen" in short
    assert "Nog 17 van de 20 plekken vrij" in short


async def test_the_place_can_be_changed_to_an_information_point(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [sara, ann])
    point_id = await _point(sessionmaker, "Bibliotheek Noord", "Noord", "Plein")
    other = await _point(sessionmaker, "Wijkbureau Zuid", "Zuid-Oost & <Meer>")
    await create_activity(sara)  # typed: "Buurthuis De Boog"
    card = await group.next_message()
    copy = await ann.next_message()
    await ann.press(copy, "👍 Ik kom")
    await telegram.wait_for(lambda: "👍 1 komen" in card.text)

    await sara.send("/agenda")
    await wait_text(sara, "Agenda")
    await sara.press(await sara.next_message(), "📍 Andere plek")
    ask = await sara.next_message()
    await sara.press(ask, "📍 Kies een informatiepunt")
    points = await sara.next_message()
    await sara.press_data(points, f"evc:point:{other}")  # another wijk's point: refused
    await telegram.wait_for(lambda: sara.answers and sara.answers[-1]["text"])
    await sara.press(points, "Bibliotheek Noord")
    await wait_text(sara, "Veranderd")
    await telegram.wait_for(lambda: "📍 Bibliotheek Noord, Plein 1, Utrecht" in card.text)
    notice = await wait_text(ann, "Bibliotheek Noord")
    assert "Plein 1" in notice.text
    async with sessionmaker() as session:
        activity = await session.scalar(select(Activity))
    assert activity is not None
    assert activity.infopoint_id == point_id
    assert telegram.rejected() == []
