"""Small made-up areas: two square wijken side by side, with buurten (tests and the demo)."""

from __future__ import annotations

import json
from pathlib import Path

# Noord: lon 5.00-5.10, lat 52.10-52.20; Zuid: lon 5.00-5.10, lat 52.00-52.10.
# Noord has two buurten (west and east halves); Zuid has a hole (a lake) in the middle.
INSIDE_NOORD_WEST = (52.15, 5.02)  # (lat, lon)
INSIDE_NOORD_EAST = (52.15, 5.08)
INSIDE_ZUID = (52.02, 5.02)
IN_ZUID_LAKE = (52.05, 5.05)
IN_THE_SEA = (52.30, 4.40)


def _square(lon0: float, lat0: float, lon1: float, lat1: float) -> list[list[float]]:
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]


def _feature(props: dict, rings: list) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def wijken_geojson() -> dict:
    """Return a FeatureCollection of the two wijken."""
    return {
        "type": "FeatureCollection",
        "features": [
            _feature({"KODE": "N", "NAAM": "NOORD"}, [_square(5.0, 52.1, 5.1, 52.2)]),
            _feature(
                {"KODE": "Z", "NAAM": "Zuid-Oost & <Meer>"},
                [_square(5.0, 52.0, 5.1, 52.1), _square(5.04, 52.04, 5.06, 52.06)],
            ),
        ],
    }


def buurten_geojson() -> dict:
    """Return a FeatureCollection of Noord's two buurten."""
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(
                {"KODE": "N1", "WIJKKODE": "N", "NAAM": "Westkant"},
                [_square(5.0, 52.1, 5.05, 52.2)],
            ),
            _feature(
                {"KODE": "N2", "WIJKKODE": "N", "NAAM": "Oostkant"},
                [_square(5.05, 52.1, 5.1, 52.2)],
            ),
        ],
    }


def write_area_files(folder: Path) -> tuple[Path, Path]:
    """Write both files and return their paths."""
    wijken, buurten = folder / "wijken.geojson", folder / "buurten.geojson"
    wijken.write_text(json.dumps(wijken_geojson()), encoding="utf-8")
    buurten.write_text(json.dumps(buurten_geojson()), encoding="utf-8")
    return wijken, buurten
