"""Wijken and buurten: import from GeoJSON and place a shared location in them."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship, undefer

from models import geo
from models.base import Base, TimestampMixin


class Wijk(TimestampMixin, Base):
    """A district of the city; groups, requests and people belong to one."""

    __tablename__ = "wijk"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Deferred: outlines are large, and only placing a location needs them.
    geometry: Mapped[list[Any] | None] = mapped_column(JSON, deferred=True)
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]
    center_lon: Mapped[float | None]
    center_lat: Mapped[float | None]

    buurten: Mapped[list[Buurt]] = relationship(back_populates="wijk", order_by="Buurt.name")


class Buurt(TimestampMixin, Base):
    """A neighbourhood inside a wijk."""

    __tablename__ = "buurt"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    wijk_id: Mapped[int] = mapped_column(ForeignKey("wijk.id", ondelete="CASCADE"), index=True)
    # Deferred: outlines are large, and only placing a location needs them.
    geometry: Mapped[list[Any] | None] = mapped_column(JSON, deferred=True)
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]

    wijk: Mapped[Wijk] = relationship(back_populates="buurten")


class AreaFileError(ValueError):
    """An area file cannot be read or has an unusable feature."""


@dataclass(frozen=True)
class AreaFeature:
    """One wijk or buurt read from a file, before it is stored."""

    kind: str  # "wijk" or "buurt"
    code: str
    name: str
    polygons: list[geo.Polygon]
    wijk_code: str | None = None


@dataclass(frozen=True)
class ImportResult:
    wijken_added: int = 0
    wijken_updated: int = 0
    buurten_added: int = 0
    buurten_updated: int = 0


@dataclass(frozen=True)
class Placement:
    """Where a point lies: its wijk and buurt, or the nearest wijk when outside all."""

    wijk: Wijk | None
    buurt: Buurt | None
    nearest: Wijk | None
    distance_m: float


_CODE_KEYS = ("code", "KODE", "wijkcode", "buurtcode", "WK_CODE", "BU_CODE", "id")
_NAME_KEYS = ("name", "NAAM", "naam", "WK_NAAM", "BU_NAAM", "wijknaam", "buurtnaam")
_PARENT_KEYS = ("wijk", "wijk_code", "WIJKKODE", "wijkcode_parent", "WK_CODE_PARENT")


def read_area_file(path: Path) -> list[AreaFeature]:
    """Read wijken or buurten from a GeoJSON FeatureCollection.

    A feature with a parent wijk code (e.g. ``WIJKKODE``) is a buurt; otherwise a wijk.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AreaFileError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AreaFileError(f"{path}: not valid GeoJSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise AreaFileError(f"{path}: expected a GeoJSON FeatureCollection")
    features = []
    for number, feature in enumerate(data.get("features") or [], start=1):
        props = feature.get("properties") or {}
        code = _first(props, _CODE_KEYS)
        name = _first(props, _NAME_KEYS)
        if not code or not name:
            raise AreaFileError(
                f"{path}: feature {number} needs a code and a name "
                f"(properties {', '.join(_CODE_KEYS[:2])} and {', '.join(_NAME_KEYS[:2])})"
            )
        try:
            polygons = geo.polygons_from_geojson(feature.get("geometry") or {})
        except (geo.GeometryError, TypeError, ValueError) as exc:
            raise AreaFileError(f"{path}: feature {number} ({name}): {exc}") from None
        parent = _first(props, _PARENT_KEYS)
        features.append(
            AreaFeature(
                kind="buurt" if parent else "wijk",
                code=code,
                name=_nice_name(name),
                polygons=polygons,
                wijk_code=parent,
            )
        )
    if not features:
        raise AreaFileError(f"{path}: the file has no features")
    return features


def _first(props: dict[str, Any], keys: Sequence[str]) -> str | None:
    """Return the first present property among keys, as text."""
    for key in keys:
        value = props.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return None


def _nice_name(name: str) -> str:
    """Turn an all-capitals name such as 'LEIDSCHE RIJN' into 'Leidsche Rijn'."""
    return name.title() if name.isupper() else name


async def import_areas(session: AsyncSession, features: Iterable[AreaFeature]) -> ImportResult:
    """Add or update wijken and buurten by their code; wijken first, so buurten find them."""
    features = list(features)
    counts = {"wijken_added": 0, "wijken_updated": 0, "buurten_added": 0, "buurten_updated": 0}
    existing = {w.code: w for w in (await session.scalars(select(Wijk))).all()}
    for f in (f for f in features if f.kind == "wijk"):
        wijk = existing.get(f.code)
        counts["wijken_updated" if wijk else "wijken_added"] += 1
        if wijk is None:
            wijk = existing[f.code] = Wijk(code=f.code)
            session.add(wijk)
        _set_shape(wijk, f)
        lon, lat = geo.centroid(f.polygons)
        wijk.center_lon, wijk.center_lat = lon, lat
    await session.flush()

    buurten = {b.code: b for b in (await session.scalars(select(Buurt))).all()}
    for f in (f for f in features if f.kind == "buurt"):
        parent = existing.get(f.wijk_code or "")
        if parent is None:
            raise AreaFileError(
                f"buurt {f.code} ({f.name}) belongs to wijk {f.wijk_code!r}, which is not "
                "imported; import the wijken first or in the same command"
            )
        buurt = buurten.get(f.code)
        counts["buurten_updated" if buurt else "buurten_added"] += 1
        if buurt is None:
            buurt = buurten[f.code] = Buurt(code=f.code)
            session.add(buurt)
        buurt.wijk_id = parent.id
        _set_shape(buurt, f)
    await session.flush()
    return ImportResult(**counts)


def _set_shape(area: Wijk | Buurt, feature: AreaFeature) -> None:
    """Copy name, geometry and bounding box onto a row."""
    box = geo.bbox(feature.polygons)
    area.name = feature.name
    area.geometry = [[[list(p) for p in ring] for ring in poly] for poly in feature.polygons]
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = (
        box.min_lon,
        box.min_lat,
        box.max_lon,
        box.max_lat,
    )


def _polygons(area: Wijk | Buurt) -> list[geo.Polygon]:
    """Return the stored geometry as polygons of (lon, lat) tuples."""
    return [[[(p[0], p[1]) for p in ring] for ring in poly] for poly in area.geometry or []]


async def list_wijken(session: AsyncSession) -> list[Wijk]:
    """Return all wijken, by name."""
    return list((await session.scalars(select(Wijk).order_by(Wijk.name))).all())


async def get_wijk(session: AsyncSession, wijk_id: int) -> Wijk | None:
    """Return one wijk, or None."""
    return await session.get(Wijk, wijk_id)


async def get_buurt(session: AsyncSession, buurt_id: int) -> Buurt | None:
    """Return one buurt, or None."""
    return await session.get(Buurt, buurt_id)


async def buurten_of(session: AsyncSession, wijk_id: int) -> list[Buurt]:
    """Return the buurten of a wijk, by name."""
    rows = await session.scalars(select(Buurt).where(Buurt.wijk_id == wijk_id).order_by(Buurt.name))
    return list(rows)


async def locate(session: AsyncSession, *, latitude: float, longitude: float) -> Placement:
    """Place a point in its wijk and buurt; outside all, name the nearest wijk."""
    lon, lat = longitude, latitude
    candidates = (
        await session.scalars(
            select(Wijk)
            .options(undefer(Wijk.geometry))
            .where(
                Wijk.min_lon <= lon, Wijk.max_lon >= lon, Wijk.min_lat <= lat, Wijk.max_lat >= lat
            )
        )
    ).all()
    wijk = next((w for w in candidates if geo.contains(_polygons(w), lon, lat)), None)
    if wijk is not None:
        buurten = (
            await session.scalars(
                select(Buurt)
                .options(undefer(Buurt.geometry))
                .where(
                    Buurt.wijk_id == wijk.id,
                    Buurt.min_lon <= lon,
                    Buurt.max_lon >= lon,
                    Buurt.min_lat <= lat,
                    Buurt.max_lat >= lat,
                )
            )
        ).all()
        buurt = next((b for b in buurten if geo.contains(_polygons(b), lon, lat)), None)
        return Placement(wijk=wijk, buurt=buurt, nearest=wijk, distance_m=0.0)

    nearest: Wijk | None = None
    best = float("inf")
    for w in await session.scalars(select(Wijk).options(undefer(Wijk.geometry))):
        distance = geo.distance_m(_polygons(w), lon, lat)
        if distance < best:
            nearest, best = w, distance
    return Placement(wijk=None, buurt=None, nearest=nearest, distance_m=best)


def _fold(text: str) -> str:
    """Lower-case and strip accents and punctuation, for forgiving name matching."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum())


async def find_wijk_by_name(session: AsyncSession, text: str) -> Wijk | None:
    """Match typed text to one wijk by name (accents, case and spaces ignored)."""
    wanted = _fold(text)
    if not wanted:
        return None
    wijken = await list_wijken(session)
    exact = [w for w in wijken if _fold(w.name) == wanted]
    if exact:
        return exact[0]
    partial = [w for w in wijken if wanted in _fold(w.name)]
    return partial[0] if len(partial) == 1 else None


async def wijk_names(session: AsyncSession, wijk_ids: Iterable[int]) -> list[str]:
    """Return the names of these wijken, by name."""
    ids = list(wijk_ids)
    if not ids:
        return []
    return list(
        await session.scalars(select(Wijk.name).where(Wijk.id.in_(ids)).order_by(Wijk.name))
    )
