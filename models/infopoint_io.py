"""Import and export of information points (CSV and GeoJSON), with a reason for every bad row.

A re-import updates points by their ``key``; export writes files that import back unchanged.
Points with coordinates get their wijk and buurt from the area boundaries.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Buurt, Wijk, locate
from models.infopoints import SERVICES, InfoPoint, Kind, make_key
from models.opening_hours import OpeningHoursError
from models.opening_hours import parse as parse_hours

COLUMNS = (
    "key", "name", "organisation", "kind", "street", "house_number", "postcode", "city", "wijk",
    "buurt", "latitude", "longitude", "opening_hours", "hours_note", "phone", "website", "email",
    "services", "wheelchair", "note", "source", "checked_at",
)  # fmt: skip
TEXT_FIELDS = (
    "organisation", "street", "house_number", "postcode", "city", "hours_note", "phone",
    "website", "email", "note", "source",
)  # fmt: skip
_POSTCODE_RE = re.compile(r"^(\d{4})\s?([A-Za-z]{2})$")


TEXT_MAX = 1000  # longer notes would make a point's details too long for one message


def check_field(field: str, value: str) -> tuple[str, str | None]:
    """Check one text field; return the value as stored, and a reason when it cannot be."""
    column = InfoPoint.__table__.c[field]
    limit = getattr(column.type, "length", None) or TEXT_MAX
    if len(value) > limit:
        return value, f"{field} longer than {limit} characters"
    if field == "postcode" and value:
        match = _POSTCODE_RE.match(value)
        if match is None:
            return value, f"bad postcode {value!r}; expected e.g. 3521 AZ"
        return f"{match.group(1)} {match.group(2).upper()}", None
    return value, None


@dataclass(frozen=True)
class RowError:
    line: int  # CSV line number (the header is line 1), or GeoJSON feature number
    reason: str


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class PointData:
    """One validated row, ready to store."""

    key: str
    name: str
    values: dict[str, Any]
    wijk_name: str
    buurt_name: str


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Read a CSV or GeoJSON file into (line, row) pairs."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".geojson", ".json"):
        data = json.loads(text)
        rows = []
        for number, feature in enumerate(data.get("features") or [], start=1):
            props = dict(feature.get("properties") or {})
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point":
                lon, lat = geometry["coordinates"][:2]
                props["latitude"], props["longitude"] = lat, lon
            rows.append((number, props))
        return rows
    reader = csv.DictReader(io.StringIO(text))
    return [(reader.line_num, row) for row in reader]


async def validate(
    session: AsyncSession, line: int, row: dict[str, Any], tz: tzinfo
) -> PointData | RowError:
    """Check one row; return the point's values, or the reason it cannot be imported."""
    clean = {k: ("" if row.get(k) is None else str(row.get(k)).strip()) for k in COLUMNS}
    name = clean["name"]
    if not name:
        return RowError(line, "missing name")
    if len(name) > 200:
        return RowError(line, "name longer than 200 characters")
    kind = clean["kind"] or Kind.OTHER
    if kind not in {k.value for k in Kind}:
        return RowError(line, f"unknown kind {kind!r}; expected one of {', '.join(Kind)}")
    if clean["opening_hours"]:
        try:
            hours = parse_hours(clean["opening_hours"], tz)
        except OpeningHoursError as exc:
            return RowError(line, f"bad opening hours: {exc}")
        clean["opening_hours"] = hours.text
    for column in (*TEXT_FIELDS, "opening_hours", "key"):
        clean[column], problem = check_field(column, clean[column])
        if problem:
            return RowError(line, problem)
    services = [s.strip().lower() for s in re.split(r"[;,]", clean["services"]) if s.strip()]
    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        return RowError(
            line, f"unknown service {unknown[0]!r}; expected some of {', '.join(SERVICES)}"
        )
    wheelchair = {"": None, "yes": True, "ja": True, "no": False, "nee": False}.get(
        clean["wheelchair"].lower(), "?"
    )
    if wheelchair == "?":
        return RowError(
            line, f"bad wheelchair value {clean['wheelchair']!r}; expected yes, no or empty"
        )
    checked: date | None = None
    if clean["checked_at"]:
        try:
            checked = date.fromisoformat(clean["checked_at"])
        except ValueError:
            return RowError(line, f"bad checked_at {clean['checked_at']!r}; expected YYYY-MM-DD")
    place = await _place(session, line, clean)
    if isinstance(place, RowError):
        return place
    wijk, buurt, lat, lon = place
    key = clean["key"] or make_key(name, clean["city"])
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", key):
        return RowError(line, f"bad key {key!r}; use lowercase letters, digits and hyphens")
    values: dict[str, Any] = {f: clean[f] for f in TEXT_FIELDS}
    values.update(
        name=name, kind=kind, opening_hours=clean["opening_hours"], services=services,
        wheelchair=wheelchair, checked_at=checked, latitude=lat, longitude=lon,
        wijk_id=wijk.id if wijk else None, buurt_id=buurt.id if buurt else None,
    )  # fmt: skip
    return PointData(key, name, values, wijk.name if wijk else "", buurt.name if buurt else "")


async def _place(
    session: AsyncSession, line: int, clean: dict[str, str]
) -> tuple[Wijk | None, Buurt | None, float | None, float | None] | RowError:
    """Find the wijk and buurt: from the coordinates when there are any, else by name."""
    if clean["latitude"] or clean["longitude"]:
        try:
            lat, lon = float(clean["latitude"]), float(clean["longitude"])
        except ValueError:
            return RowError(line, "coordinates must be two numbers (latitude, longitude)")
        placement = await locate(session, latitude=lat, longitude=lon)
        if placement.wijk is None:
            return RowError(line, f"coordinates {lat}, {lon} are outside the city's wijken")
        return placement.wijk, placement.buurt, lat, lon
    wijk = None
    if clean["wijk"]:
        wanted = clean["wijk"].casefold()
        for candidate in await session.scalars(select(Wijk)):
            if wanted in (candidate.name.casefold(), candidate.code.casefold()):
                wijk = candidate
        if wijk is None:
            return RowError(line, f"unknown wijk {clean['wijk']!r}")
    buurt = None
    if clean["buurt"] and wijk is not None:
        wanted = clean["buurt"].casefold()
        buurten = await session.scalars(select(Buurt).where(Buurt.wijk_id == wijk.id))
        buurt = next((b for b in buurten if wanted in (b.name.casefold(), b.code.casefold())), None)
        if buurt is None:
            return RowError(line, f"unknown buurt {clean['buurt']!r} in wijk {wijk.name}")
    return wijk, buurt, None, None


async def import_points(
    session: AsyncSession,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    tz: tzinfo,
    dry_run: bool = False,
) -> ImportReport:
    """Validate every row; add or update the good ones by key (nothing is written on a dry run)."""
    report = ImportReport()
    existing = {p.key: p for p in await session.scalars(select(InfoPoint))}
    seen: set[str] = set()
    for line, row in rows:
        result = await validate(session, line, row, tz)
        if isinstance(result, RowError):
            report.errors.append(result)
            continue
        if result.key in seen:
            report.errors.append(RowError(line, f"key {result.key!r} appears twice in the file"))
            continue
        seen.add(result.key)
        point = existing.get(result.key)
        if point is None:
            report.added += 1
            if not dry_run:
                point = InfoPoint(key=result.key, **result.values)
                session.add(point)
                existing[result.key] = point
        else:
            report.updated += 1
            if not dry_run:
                for name, value in result.values.items():
                    setattr(point, name, value)
                point.hidden = False
    await session.flush()
    return report


async def export_rows(session: AsyncSession) -> list[dict[str, str]]:
    """Return every visible point as a row of the import format."""
    wijken = {w.id: w.name for w in await session.scalars(select(Wijk))}
    buurten = {b.id: b.name for b in await session.scalars(select(Buurt))}
    rows = []
    for p in await session.scalars(
        select(InfoPoint).where(InfoPoint.hidden.is_(False)).order_by(InfoPoint.key)
    ):
        row = {f: getattr(p, f) or "" for f in TEXT_FIELDS}
        row.update(
            key=p.key, name=p.name, kind=p.kind, opening_hours=p.opening_hours,
            wijk=wijken.get(p.wijk_id or 0, ""), buurt=buurten.get(p.buurt_id or 0, ""),
            latitude="" if p.latitude is None else repr(p.latitude),
            longitude="" if p.longitude is None else repr(p.longitude),
            services=";".join(p.services or []),
            wheelchair={None: "", True: "yes", False: "no"}[p.wheelchair],
            checked_at=p.checked_at.isoformat() if p.checked_at else "",
        )  # fmt: skip
        rows.append({c: row[c] for c in COLUMNS})
    return rows


def write_csv(rows: list[dict[str, str]]) -> str:
    """Render rows as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_geojson(rows: list[dict[str, str]]) -> str:
    """Render rows as a GeoJSON FeatureCollection (points without coordinates have none)."""
    features = []
    for row in rows:
        props = {k: v for k, v in row.items() if k not in ("latitude", "longitude")}
        geometry = None
        if row["latitude"] and row["longitude"]:
            geometry = {
                "type": "Point",
                "coordinates": [float(row["longitude"]), float(row["latitude"])],
            }
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1
    )
