"""A small SVG map of the wijken, for sharing a location on the demo page.

The projection is plain equirectangular with the longitude scaled by cos(latitude): at city
size that is exact enough to click in the right street, and the page can invert it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from models.areas import AreaFeature

WIDTH = 560  # the map's width in SVG units; the height follows the area's shape
MIN_STEP = 1.2  # drop points closer than this to the last one kept (SVG units)


def wijk_map(features: Iterable[AreaFeature]) -> dict[str, Any]:
    """Return the wijken as SVG paths, plus what the page needs to turn a click into lat/lon."""
    wijken = [f for f in features if f.kind == "wijk"]
    points = [p for f in wijken for poly in f.polygons for ring in poly for p in ring]
    if not points:
        return {"width": WIDTH, "height": 0, "wijken": []}
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / max((east - west) * squeeze, 1e-9)
    height = round((north - south) * scale)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * squeeze * scale, (north - lat) * scale

    shapes = []
    for feature in wijken:
        path = []
        for polygon in feature.polygons:
            for ring in polygon:
                path.append(_ring_path([xy(lon, lat) for lon, lat in ring]))
        xs = [xy(lon, lat) for poly in feature.polygons for lon, lat in poly[0]]
        label = (sum(x for x, _ in xs) / len(xs), sum(y for _, y in xs) / len(xs))
        shapes.append(
            {
                "code": feature.code,
                "name": feature.name,
                "path": " ".join(path),
                "label": [round(label[0], 1), round(label[1], 1)],
            }
        )
    return {
        "width": WIDTH,
        "height": height,
        "projection": {"west": west, "north": north, "squeeze": squeeze, "scale": scale},
        "wijken": shapes,
    }


def _ring_path(ring: list[tuple[float, float]]) -> str:
    """Return one closed ring as SVG path data, without points that add nothing at this size."""
    kept = [ring[0]]
    for x, y in ring[1:]:
        last_x, last_y = kept[-1]
        if abs(x - last_x) + abs(y - last_y) >= MIN_STEP:
            kept.append((x, y))
    if len(kept) < 3:
        kept = ring
    head, *rest = kept
    return f"M{head[0]:.1f},{head[1]:.1f}" + "".join(f"L{x:.1f},{y:.1f}" for x, y in rest) + "Z"
