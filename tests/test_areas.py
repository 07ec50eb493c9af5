"""Areas: reading GeoJSON, storing it, and placing points, on made-up and real Utrecht data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.areas import IN_THE_SEA, IN_ZUID_LAKE, INSIDE_NOORD_EAST, INSIDE_ZUID
from models import geo
from models.areas import (
    AreaFileError,
    Buurt,
    Wijk,
    find_wijk_by_name,
    import_areas,
    locate,
    read_area_file,
)


async def load(sessionmaker: async_sessionmaker[AsyncSession], *files: Path) -> None:
    """Import area files in one transaction."""
    async with sessionmaker.begin() as session:
        await import_areas(session, [f for path in files for f in read_area_file(path)])


async def test_import_is_idempotent_and_updates_by_code(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    await load(sessionmaker, *area_files)
    async with sessionmaker.begin() as session:
        result = await import_areas(
            session, [f for path in area_files for f in read_area_file(path)]
        )
    assert (result.wijken_added, result.wijken_updated) == (0, 2)
    assert (result.buurten_added, result.buurten_updated) == (0, 2)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Wijk)) == 2
        assert await session.scalar(select(func.count()).select_from(Buurt)) == 2
        names = set((await session.scalars(select(Wijk.name))).all())
    assert names == {"Noord", "Zuid-Oost & <Meer>"}


async def test_locate_inside_outside_and_in_a_hole(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    await load(sessionmaker, *area_files)
    async with sessionmaker() as session:
        east = await locate(session, latitude=INSIDE_NOORD_EAST[0], longitude=INSIDE_NOORD_EAST[1])
        zuid = await locate(session, latitude=INSIDE_ZUID[0], longitude=INSIDE_ZUID[1])
        lake = await locate(session, latitude=IN_ZUID_LAKE[0], longitude=IN_ZUID_LAKE[1])
        sea = await locate(session, latitude=IN_THE_SEA[0], longitude=IN_THE_SEA[1])
    assert east.wijk is not None and east.wijk.name == "Noord"  # noqa: PT018
    assert east.buurt is not None and east.buurt.name == "Oostkant"  # noqa: PT018
    assert zuid.wijk is not None and zuid.buurt is None  # noqa: PT018
    assert lake.wijk is None
    assert lake.nearest is not None and lake.nearest.code == "Z"  # noqa: PT018
    # 0.01 degree of longitude at 52°N is about 0.68 km; the nearest edge is east or west.
    assert 650 < lake.distance_m < 720
    assert sea.wijk is None
    assert sea.nearest is not None and sea.nearest.code == "N"  # noqa: PT018
    assert sea.distance_m > 30_000


async def test_find_wijk_by_typed_name(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    await load(sessionmaker, *area_files)
    async with sessionmaker() as session:
        assert (await find_wijk_by_name(session, " noord ")).code == "N"  # type: ignore[union-attr]
        assert (await find_wijk_by_name(session, "zuidoost")).code == "Z"  # type: ignore[union-attr]
        assert await find_wijk_by_name(session, "o") is None  # ambiguous: in both names
        assert await find_wijk_by_name(session, "") is None
        assert await find_wijk_by_name(session, "🏠" * 5000) is None


def test_bad_area_files_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(AreaFileError, match="not valid GeoJSON"):
        read_area_file(bad)
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"NAAM": "X"}, "geometry": None}],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(AreaFileError, match="feature 1 needs a code and a name"):
        read_area_file(bad)
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"KODE": "1", "NAAM": "X"},
                        "geometry": {"type": "Point", "coordinates": [5, 52]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(AreaFileError, match="Polygon or MultiPolygon"):
        read_area_file(bad)
    with pytest.raises(AreaFileError, match="file not found"):
        read_area_file(tmp_path / "missing.geojson")


async def test_buurt_without_its_wijk_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], area_files: tuple[Path, Path]
) -> None:
    with pytest.raises(AreaFileError, match="import the wijken first"):
        await load(sessionmaker, area_files[1])


@given(
    lon=st.floats(min_value=-10, max_value=10, allow_nan=False),
    lat=st.floats(min_value=-10, max_value=10, allow_nan=False),
)
def test_point_in_square_matches_simple_bounds(lon: float, lat: float) -> None:
    square = [[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]]
    hole = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0)]
    strictly_in = 0 < lon < 4 and 0 < lat < 4
    strictly_out = lon < 0 or lon > 4 or lat < 0 or lat > 4
    if strictly_in:
        assert geo.contains([square], lon, lat)
    if strictly_out:
        assert not geo.contains([square], lon, lat)
        assert geo.distance_m([square], lon, lat) > 0
    if 1 < lon < 2 and 1 < lat < 2:
        assert not geo.contains([[square[0], hole]], lon, lat)


async def test_real_utrecht_areas(
    sessionmaker: async_sessionmaker[AsyncSession], utrecht: Path
) -> None:
    """Import the real 2013 Utrecht wijken and buurten and place known points."""
    await load(sessionmaker, utrecht / "wijk.geojson", utrecht / "buurt.geojson")
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Wijk)) == 10
        assert await session.scalar(select(func.count()).select_from(Buurt)) == 111
        # Each wijk's residential centroid (wijken.csv) must land in that wijk.
        with (utrecht / "wijken.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                lat = float(row["residential_centroid_lat"])
                lon = float(row["residential_centroid_lon"])
                placed = await locate(session, latitude=lat, longitude=lon)
                assert placed.wijk is not None, row["wijk"]
                assert placed.wijk.code == row["wijk_code_2013"], row["wijk"]
                assert placed.buurt is not None, row["wijk"]
        dom = await locate(session, latitude=52.0907, longitude=5.1214)
        north_sea = await locate(session, latitude=52.3, longitude=4.4)
        lake_in_germany = await locate(session, latitude=51.5, longitude=7.0)
    assert dom.wijk is not None and dom.wijk.name == "Binnenstad"  # noqa: PT018
    assert dom.buurt is not None
    assert north_sea.wijk is None
    assert north_sea.nearest is not None
    assert north_sea.nearest.name in {"Leidsche Rijn", "Vleuten - De Meern", "Noordwest", "West"}
    assert lake_in_germany.distance_m > 100_000
