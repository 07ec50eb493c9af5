"""Information points against the real database: nearest, search, import and export."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import geo
from models.areas import import_areas, read_area_file
from models.infopoint_io import (
    COLUMNS,
    export_rows,
    import_points,
    read_rows,
    write_csv,
    write_geojson,
)
from models.infopoint_search import PointSearch, within_distance
from models.infopoints import InfoPoint, distance_m, nearest

AMS = ZoneInfo("Europe/Amsterdam")
REPO = Path(__file__).resolve().parents[1]


async def load_areas(sessionmaker: async_sessionmaker[AsyncSession], *files: Path) -> None:
    async with sessionmaker.begin() as session:
        await import_areas(session, [f for p in files for f in read_area_file(p)])


def row(**values: object) -> dict[str, object]:
    """Return an import row with every column, empty unless given."""
    base: dict[str, object] = dict.fromkeys(COLUMNS, "")
    base.update(values)
    return base


async def test_nearest_matches_brute_force_on_random_points(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    rng = random.Random(7)
    points = [(52.0 + rng.random() * 0.2, 4.95 + rng.random() * 0.25) for _ in range(10_000)]
    async with sessionmaker.begin() as session:
        session.add_all(
            InfoPoint(key=f"p{i}", name=f"Punt {i}", latitude=lat, longitude=lon, services=[])
            for i, (lat, lon) in enumerate(points)
        )
    async with sessionmaker() as session:
        for _ in range(25):
            lat, lon = 51.95 + rng.random() * 0.3, 4.9 + rng.random() * 0.35
            got = [n.point.key for n in await nearest(session, latitude=lat, longitude=lon)]
            expected = sorted(
                range(len(points)), key=lambda i: (distance_m(lat, lon, *points[i]), i)
            )[:3]
            assert got == [f"p{i}" for i in expected]
        # Far away (another country): still the right three.
        far = [n.point.key for n in await nearest(session, latitude=48.85, longitude=2.35)]
        expected = sorted(
            range(len(points)), key=lambda i: (distance_m(48.85, 2.35, *points[i]), i)
        )[:3]
        assert far == [f"p{i}" for i in expected]


async def test_nearest_on_an_empty_table(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        assert await nearest(session, latitude=52.1, longitude=5.1) == []


async def test_search_forgives_typos_and_knows_synonyms(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    await load_areas(sessionmaker, *area_files)
    async with sessionmaker.begin() as session:
        report = await import_points(
            session,
            [
                (
                    2,
                    row(
                        name="Bibliotheek Overvecht",
                        kind="bibliotheek",
                        wijk="Noord",
                        services="bibliotheek",
                    ),
                ),
                (
                    3,
                    row(
                        name="Wijkbureau Noord",
                        kind="wijkbureau",
                        wijk="Noord",
                        services="formulieren;geldzaken",
                    ),
                ),
                (
                    4,
                    row(
                        name="Buurthuis De Boog",
                        kind="buurthuis",
                        wijk="N",
                        services="ontmoeting;maaltijd",
                    ),
                ),
            ],
            tz=AMS,
        )
    assert report.errors == []
    search = PointSearch()
    async with sessionmaker() as session:
        assert [p.name for p in await search.search(session, "bieb")] == ["Bibliotheek Overvecht"]
        assert [p.name for p in await search.search(session, "formulier")] == ["Wijkbureau Noord"]
        assert [p.name for p in await search.search(session, "overvegt")] == [
            "Bibliotheek Overvecht"
        ]
        assert [p.name for p in await search.search(session, "BOOG")] == ["Buurthuis De Boog"]
        assert len(await search.search(session, "noord")) == 3  # the wijk counts too
        assert await search.search(session, "zwembad") == []
        assert await search.search(session, "") == []
        assert await search.search(session, "🏠" * 300) == []
    async with sessionmaker.begin() as session:  # a change rebuilds the index
        point = await session.scalar(select(InfoPoint).where(InfoPoint.name == "Buurthuis De Boog"))
        assert point is not None
        point.name = "Buurthuis Het Anker"
    async with sessionmaker() as session:
        assert [p.name for p in await search.search(session, "anker")] == ["Buurthuis Het Anker"]


def test_edit_distance() -> None:
    assert within_distance("overvegt", "overvecht", 2)
    assert not within_distance("overvegt", "overvecht", 1)
    assert within_distance("bieb", "beib", 1)  # a swap counts once
    assert not within_distance("abc", "abcdef", 2)


async def test_import_reports_bad_rows_and_imports_the_rest(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    await load_areas(sessionmaker, *area_files)
    rows = [
        (i + 2, row(name=f"Punt {i}", wijk="Noord", opening_hours="Mo-Fr 09:00-17:00"))
        for i in range(100)
    ]
    rows[10] = (12, row(name="Kapot", opening_hours="Mo-Fr 09:00-25:00"))
    rows[50] = (52, row(name="Ver weg", latitude="48.85", longitude="2.35"))
    rows[70] = (72, row(name="", wijk="Noord"))
    async with sessionmaker.begin() as session:
        report = await import_points(session, rows, tz=AMS)
    assert (report.added, report.updated) == (97, 0)
    assert [(e.line, e.reason.split(":")[0]) for e in report.errors] == [
        (12, "bad opening hours"),
        (52, "coordinates 48.85, 2.35 are outside the city's wijken"),
        (72, "missing name"),
    ]
    async with sessionmaker.begin() as session:
        again = await import_points(session, rows, tz=AMS)
    assert (again.added, again.updated) == (0, 97)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(InfoPoint)) == 97


async def test_unknown_wijk_and_coordinates_place_points(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    await load_areas(sessionmaker, *area_files)
    async with sessionmaker.begin() as session:
        report = await import_points(
            session,
            [
                (2, row(name="Nergens", wijk="Atlantis")),
                (
                    3,
                    row(
                        name="Op de kaart",
                        wijk="Zuid-Oost & <Meer>",
                        latitude="52.15",
                        longitude="5.08",
                    ),
                ),
            ],
            tz=AMS,
        )
        assert [e.reason for e in report.errors] == ["unknown wijk 'Atlantis'"]
        exported = await export_rows(session)
    placed = exported[0]
    assert (placed["wijk"], placed["buurt"]) == ("Noord", "Oostkant")  # from the boundaries


async def test_export_then_import_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path], tmp_path: Path
) -> None:
    await load_areas(sessionmaker, *area_files)
    full = row(
        key="a",
        name='Buurthuis <A> & "co"',
        kind="buurthuis",
        street="Lange Straat",
        house_number="12a",
        postcode="3511ab",
        city="Utrecht",
        wijk="Noord",
        opening_hours="Mo-Fr 09:00-17:00; PH off",
        phone="030 123 45 67",
        services="ontmoeting;taal",
        wheelchair="ja",
        note="Ingang achterom",
        checked_at="2026-11-01",
    )
    located = row(
        key="b", name="Kaartpunt", latitude="52.02", longitude="5.02", hours_note="Op afspraak"
    )
    source = [(2, full), (3, located)]
    async with sessionmaker.begin() as session:
        assert (await import_points(session, source, tz=AMS)).errors == []
        first = await export_rows(session)
    assert first[0]["postcode"] == "3511 AB"
    for name, text in (("points.csv", write_csv(first)), ("points.geojson", write_geojson(first))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        async with sessionmaker.begin() as session:
            report = await import_points(session, read_rows(path), tz=AMS)
            assert report.errors == []
            assert report.updated == 2
            assert await export_rows(session) == first


async def test_the_utrecht_seed_file_imports_cleanly(
    sessionmaker: async_sessionmaker[AsyncSession], utrecht: Path
) -> None:
    """The seed in data/infopoints/ must import into the real Utrecht wijken without errors."""
    await load_areas(sessionmaker, utrecht / "wijk.geojson", utrecht / "buurt.geojson")
    rows = read_rows(REPO / "data" / "infopoints" / "utrecht.csv")
    async with sessionmaker.begin() as session:
        report = await import_points(session, rows, tz=AMS)
    assert report.errors == []
    assert report.added == len(rows) == 34
    async with sessionmaker() as session:
        unplaced = await session.scalar(
            select(func.count()).select_from(InfoPoint).where(InfoPoint.wijk_id.is_(None))
        )
        with_coordinates = await session.scalar(
            select(func.count()).select_from(InfoPoint).where(InfoPoint.latitude.is_not(None))
        )
    assert unplaced == 0
    assert with_coordinates == 0  # nothing invented: coordinates come only from geocoding


async def test_nearest_matches_brute_force_on_the_utrecht_buurten(
    sessionmaker: async_sessionmaker[AsyncSession], utrecht: Path
) -> None:
    """Put a point at the centre of each of Utrecht's 111 buurten; query from each wijk centre."""
    features = json.loads((utrecht / "buurt.geojson").read_text(encoding="utf-8"))["features"]
    centres = [geo.centroid(geo.polygons_from_geojson(f["geometry"])) for f in features]
    async with sessionmaker.begin() as session:
        session.add_all(
            InfoPoint(key=f"b{i}", name=f"Buurt {i}", latitude=lat, longitude=lon, services=[])
            for i, (lon, lat) in enumerate(centres)
        )
    with (utrecht / "wijken.csv").open(encoding="utf-8") as handle:
        origins = [
            (float(r["centroid_lat"]), float(r["centroid_lon"])) for r in csv.DictReader(handle)
        ]
    async with sessionmaker() as session:
        for lat, lon in origins:
            got = [n.point.key for n in await nearest(session, latitude=lat, longitude=lon)]
            expected = sorted(
                range(len(centres)),
                key=lambda i: (distance_m(lat, lon, centres[i][1], centres[i][0]), i),
            )[:3]
            assert got == [f"b{i}" for i in expected]


async def test_an_over_long_field_is_a_bad_row_not_a_crash(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    await load_areas(sessionmaker, *area_files)
    rows = [
        (2, row(name="Goed", wijk="Noord")),
        (3, row(name="Lang", phone="0" * 45, wijk="Noord")),
    ]
    async with sessionmaker.begin() as session:
        report = await import_points(session, rows, tz=AMS)
    assert report.added == 1
    assert [(e.line, e.reason) for e in report.errors] == [(3, "phone longer than 40 characters")]
