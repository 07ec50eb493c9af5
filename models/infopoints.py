"""Wijkinformatiepunten: walk-in places where residents go with a question.

The table, the rules for a valid point, finding the nearest ones, and hiding or changing them.
Text search lives in infopoint_search.py; import and export in infopoint_io.py.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, utcnow
from models.errors import NotFound


class Kind(enum.StrEnum):
    WIJKINFORMATIEPUNT = "wijkinformatiepunt"
    WIJKBUREAU = "wijkbureau"
    BIBLIOTHEEK = "bibliotheek"
    BUURTHUIS = "buurthuis"
    BUURTKAMER = "buurtkamer"
    BUURTTEAM = "buurtteam"
    OTHER = "other"


SERVICES = (
    "digitale hulp",
    "formulieren",
    "geldzaken",
    "zorg",
    "ontmoeting",
    "taal",
    "burgerzaken",
    "bibliotheek",
    "maaltijd",
    "spreekuur",
)


class InfoPoint(TimestampMixin, Base):
    """One information point. Unknown facts stay empty: nothing is ever guessed."""

    __tablename__ = "infopoint"
    __table_args__ = (Index("ix_infopoint_lat_lon", "latitude", "longitude"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(30), default=Kind.OTHER)
    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    wijk_id: Mapped[int | None] = mapped_column(
        ForeignKey("wijk.id", ondelete="SET NULL"), index=True
    )
    buurt_id: Mapped[int | None] = mapped_column(ForeignKey("buurt.id", ondelete="SET NULL"))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    hours_note: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    wheelchair: Mapped[bool | None]
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    checked_at: Mapped[date | None] = mapped_column(Date)
    hidden: Mapped[bool] = mapped_column(default=False)

    @property
    def address(self) -> str:
        """Return "Street 1, 1234 AB City" with whatever parts are known."""
        line = " ".join(p for p in (self.street, self.house_number) if p)
        place = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (line, place) if p)

    @property
    def has_location(self) -> bool:
        """Tell whether the point has coordinates."""
        return self.latitude is not None and self.longitude is not None


class InfoPointReport(Base):
    """A resident's "this is not right" about a point, for the admins."""

    __tablename__ = "infopoint_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    infopoint_id: Mapped[int] = mapped_column(
        ForeignKey("infopoint.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]


EARTH_RADIUS_M = 6_371_000.0
_KEY_RE = re.compile(r"[^a-z0-9]+")


def make_key(name: str, city: str = "") -> str:
    """Derive a stable key from a name (and city): lowercase ascii words joined by hyphens."""
    text = unicodedata.normalize("NFKD", f"{name} {city}".casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _KEY_RE.sub("-", text).strip("-")[:80] or "punt"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Nearby:
    point: InfoPoint
    distance_m: float


async def nearest(
    session: AsyncSession, *, latitude: float, longitude: float, count: int = 3
) -> list[Nearby]:
    """Return the count nearest visible points with coordinates.

    A box around the point grows until the count-th nearest lies inside the circle the box
    encloses, so the answer is exact while the database reads only nearby rows (index on
    latitude, longitude).
    """
    half = 0.01  # degrees of latitude, about 1.1 km
    cos_lat = max(0.05, math.cos(math.radians(latitude)))
    while True:
        rows = await session.scalars(
            select(InfoPoint).where(
                InfoPoint.hidden.is_(False),
                InfoPoint.latitude.between(latitude - half, latitude + half),
                InfoPoint.longitude.between(longitude - half / cos_lat, longitude + half / cos_lat),
            )
        )
        found = sorted(
            (
                Nearby(p, distance_m(latitude, longitude, p.latitude, p.longitude))  # type: ignore[arg-type]
                for p in rows
            ),
            key=lambda n: (n.distance_m, n.point.id),
        )[:count]
        inscribed = half * math.pi / 180 * EARTH_RADIUS_M * 0.999
        if (len(found) == count and found[-1].distance_m <= inscribed) or half >= 180:
            return found
        half *= 2


async def points_in_wijk(
    session: AsyncSession, wijk_id: int, *, without_location_only: bool = False
) -> list[InfoPoint]:
    """Return the visible points of a wijk, by name."""
    query = select(InfoPoint).where(InfoPoint.wijk_id == wijk_id, InfoPoint.hidden.is_(False))
    if without_location_only:
        query = query.where(InfoPoint.latitude.is_(None))
    return list(await session.scalars(query.order_by(InfoPoint.name)))


async def get_point(
    session: AsyncSession, point_id: int, *, include_hidden: bool = False
) -> InfoPoint:
    """Return a point, or raise NotFound (also for a hidden one, unless asked)."""
    point = await session.get(InfoPoint, point_id)
    if point is None or (point.hidden and not include_hidden):
        raise NotFound("infopoint")
    return point


async def report_mistake(
    session: AsyncSession, *, point_id: int, person_id: int, text: str, now: datetime
) -> InfoPointReport:
    """Store a resident's report that something about a point is wrong."""
    point = await get_point(session, point_id)
    report = InfoPointReport(
        infopoint_id=point.id, person_id=person_id, text=text[:1000], created_at=now
    )
    session.add(report)
    await session.flush()
    return report


async def add_point(session: AsyncSession, *, name: str, wijk_id: int) -> InfoPoint:
    """Add a point with just a name and a wijk; its key is made unique."""
    base = make_key(name)
    key, n = base, 1
    while await session.scalar(select(InfoPoint.id).where(InfoPoint.key == key)):
        n += 1
        key = f"{base[:75]}-{n}"
    point = InfoPoint(key=key, name=name, wijk_id=wijk_id, services=[])
    session.add(point)
    await session.flush()
    return point
