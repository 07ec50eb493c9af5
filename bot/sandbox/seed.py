"""The demo's world: areas, information points, four people with roles and a wijk group."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.areas import write_area_files
from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser
from models.areas import Wijk, import_areas, read_area_file
from models.groups import link_group
from models.infopoint_io import import_points, read_rows
from models.infopoints import InfoPoint
from models.people import (
    Person,
    Role,
    give_consent,
    grant_role,
    notice_version,
    set_home_area,
    set_language,
    touch_person,
)
from models.volunteers import save_volunteer

_LOGGER = logging.getLogger("buurtbot.demo")

REPO = Path(__file__).resolve().parents[2]
SHARED_UTRECHT = REPO.parent / "shared" / "data" / "utrecht"
REPO_INFOPOINTS = REPO / "data" / "infopoints" / "utrecht.csv"

# Made-up points for the made-up areas (Noord: lon 5.00-5.10, lat 52.10-52.20).
MADE_UP_POINTS: list[dict[str, Any]] = [
    {
        "key": "buurthuis-noord",
        "name": "Buurthuis De Linde",
        "kind": "buurthuis",
        "street": "Lindelaan",
        "house_number": "4",
        "city": "Voorbeeldstad",
        "latitude": "52.16",
        "longitude": "5.03",
        "opening_hours": "Mo-Fr 09:00-17:00",
        "services": "digitale hulp; formulieren",
    },
    {
        "key": "bibliotheek-noord",
        "name": "Bibliotheek Noord",
        "kind": "bibliotheek",
        "street": "Boekstraat",
        "house_number": "12",
        "city": "Voorbeeldstad",
        "latitude": "52.14",
        "longitude": "5.08",
        "opening_hours": "Tu-Sa 10:00-18:00",
        "services": "digitale hulp",
    },
]


@dataclass(frozen=True)
class DemoData:
    """Where the demo's areas and information points come from."""

    wijken: Path
    buurten: Path | None
    infopoints: Path | None  # None: the made-up points
    name: str  # what the log and the page call this data set


def find_data(folder: Path | None, scratch: Path, shared: Path = SHARED_UTRECHT) -> DemoData:
    """Pick the data: --data, else the Utrecht example data in shared, else made-up areas.

    Made-up area files are written to scratch.
    """
    if folder is not None:
        wijken = _first(folder, "wijk.geojson", "wijken.geojson")
        if wijken is None:
            raise FileNotFoundError(f"{folder} has no wijk.geojson (or wijken.geojson)")
        points = _first(folder, "infopoints.csv", "infopoints.geojson")
        if points is None:
            _LOGGER.info("No infopoints.csv in %s: using two made-up information points", folder)
        buurten = _first(folder, "buurt.geojson", "buurten.geojson")
        return DemoData(wijken, buurten, points, folder.name)
    if (shared / "wijk.geojson").is_file():
        points = REPO_INFOPOINTS if REPO_INFOPOINTS.is_file() else None
        points = points or _first(shared, "infopoints.csv")
        return DemoData(shared / "wijk.geojson", _first(shared, "buurt.geojson"), points, "Utrecht")
    _LOGGER.info("No Utrecht example data in %s: using two made-up wijken", shared)
    wijken, buurten = write_area_files(scratch)
    return DemoData(wijken, buurten, None, "made-up")


def _first(folder: Path, *names: str) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


@dataclass
class Persona:
    """One of the demo's people: a simulated Telegram user with a part to play."""

    key: str
    role_label: str
    user: FakeUser


@dataclass
class DemoWorld:
    """What the seeding made: the people, the wijk group and its wijk."""

    personas: list[Persona]
    group: FakeGroup
    wijk_name: str
    data: DemoData


PEOPLE = (
    # key, first name, last name, what the page shows
    ("resident", "Ria", "de Vries", "bewoner"),
    ("volunteer", "Victor", "Bakker", "vrijwilliger"),
    ("assistant", "Bea", "Jansen", "buurtassistent"),
    ("admin", "Ahmed", "El Amrani", "beheerder"),
)
ADMIN_TELEGRAM_ID = 900_000_001


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    telegram: FakeTelegram,
    data: DemoData,
    tz: tzinfo,
) -> DemoWorld:
    """Fill an empty database and the fake Telegram with the demo's world."""
    async with sessionmaker.begin() as session:
        features = read_area_file(data.wijken)
        if data.buurten is not None:
            features += read_area_file(data.buurten)
        areas = await import_areas(session, features)
        rows = read_rows(data.infopoints) if data.infopoints else list(enumerate(MADE_UP_POINTS, 2))
        report = await import_points(session, rows, tz=tz)
        _LOGGER.info("Demo data (%s): %s; information points: %d", data.name, areas, report.added)
        wijk = await _busiest_wijk(session)
        personas = []
        for key, first, last, label in PEOPLE:
            user_id = ADMIN_TELEGRAM_ID if key == "admin" else None
            user = telegram.add_user(first, last, language_code="nl", user_id=user_id)
            user.started = True  # they pressed START long ago
            person = await _onboarded(session, user, wijk)
            await _give_part(session, person, key, wijk)
            personas.append(Persona(key, label, user))
        group = telegram.add_group(f"Buurtgroep {wijk.name}", members=[p.user for p in personas])
        # As the README asks: the bot is an administrator that may pin (activity cards).
        group.bot_rights(can_pin_messages=True)
        group.set_admin(personas[-1].user, status="creator")
        await link_group(
            session,
            chat_id=group.id,
            thread_id=None,
            wijk_id=wijk.id,
            title=group.title,
            linked_by_id=None,
        )
    return DemoWorld(personas, group, wijk.name, data)


async def _busiest_wijk(session: AsyncSession) -> Wijk:
    """Return the wijk with the most information points (the first wijk if none has any)."""
    busiest = await session.scalar(
        select(InfoPoint.wijk_id)
        .where(InfoPoint.wijk_id.is_not(None))
        .group_by(InfoPoint.wijk_id)
        .order_by(func.count().desc(), InfoPoint.wijk_id)
        .limit(1)
    )
    wijk = await session.get(Wijk, busiest) if busiest is not None else None
    wijk = wijk or await session.scalar(select(Wijk).order_by(Wijk.id).limit(1))
    if wijk is None:
        raise ValueError("the demo's area file has no wijken")
    return wijk


async def _onboarded(session: AsyncSession, user: FakeUser, wijk: Wijk) -> Person:
    """Make the person who finished onboarding: Dutch, consent given, living in the wijk."""
    person = await touch_person(
        session,
        telegram_id=user.id,
        display_name=f"{user.first_name} {user.last_name}",
        username=user.username,
        private_chat=True,
    )
    set_language(person, "nl")
    give_consent(person, notice_version(session))
    await set_home_area(session, person, wijk_id=wijk.id)
    return person


async def _give_part(session: AsyncSession, person: Person, key: str, wijk: Wijk) -> None:
    """Give each persona the role they play."""
    match key:
        case "volunteer":
            await grant_role(session, person, Role.VOLUNTEER)
            await save_volunteer(session, person, categories=[])
        case "assistant":
            await grant_role(session, person, Role.BUURTASSISTENT, wijk_id=wijk.id)
        case "admin":
            await grant_role(session, person, Role.ADMIN)
