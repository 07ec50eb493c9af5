"""Plain-Python geometry for wijk and buurt polygons.

Pure Python rather than shapely: areas are a few dozen polygons of a few hundred points, a
bounding-box filter in SQL leaves one or two candidates, and a ray-casting test on those costs
microseconds. That keeps the bot free of a compiled dependency on every machine it runs on.
Coordinates are GeoJSON order: (longitude, latitude) in WGS84.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]  # outer ring first, then holes

EARTH_RADIUS_M = 6_371_000.0


class GeometryError(ValueError):
    """A GeoJSON geometry cannot be used as an area."""


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        """Tell whether the point lies in the box."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


def polygons_from_geojson(geometry: dict) -> list[Polygon]:
    """Turn a GeoJSON Polygon or MultiPolygon into a list of polygons."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        raw_polygons = [coords]
    elif kind == "MultiPolygon":
        raw_polygons = coords
    else:
        raise GeometryError(f"expected a Polygon or MultiPolygon, got {kind!r}")
    if not isinstance(raw_polygons, list) or not raw_polygons:
        raise GeometryError("the geometry has no coordinates")
    polygons: list[Polygon] = []
    for raw in raw_polygons:
        if not isinstance(raw, list) or not raw:
            raise GeometryError("a polygon has no rings")
        polygon: Polygon = []
        for raw_ring in raw:
            ring = [_point(p) for p in raw_ring]
            if len(ring) < 4:
                raise GeometryError("a ring needs at least four points")
            polygon.append(ring)
        polygons.append(polygon)
    return polygons


def _point(raw: object) -> Point:
    """Read one [lon, lat] pair and check it is on the globe."""
    if not isinstance(raw, list | tuple) or len(raw) < 2:
        raise GeometryError(f"not a coordinate pair: {raw!r}")
    lon, lat = float(raw[0]), float(raw[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(f"coordinate out of range (are they WGS84 lon/lat?): {raw!r}")
    return (lon, lat)


def bbox(polygons: Iterable[Polygon]) -> BBox:
    """Return the bounding box of the outer rings."""
    lons: list[float] = []
    lats: list[float] = []
    for polygon in polygons:
        for lon, lat in polygon[0]:
            lons.append(lon)
            lats.append(lat)
    return BBox(min(lons), min(lats), max(lons), max(lats))


def _in_ring(lon: float, lat: float, ring: Sequence[Point]) -> bool:
    """Ray-cast: count crossings of a ray going east from the point."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def contains(polygons: Iterable[Polygon], lon: float, lat: float) -> bool:
    """Tell whether the point is inside any polygon (and not in one of its holes)."""
    for polygon in polygons:
        if _in_ring(lon, lat, polygon[0]) and not any(
            _in_ring(lon, lat, hole) for hole in polygon[1:]
        ):
            return True
    return False


def _project(lon: float, lat: float, lat0: float) -> tuple[float, float]:
    """Project to metres on a local equirectangular plane; good to ~0.1% within a city."""
    k = math.pi / 180 * EARTH_RADIUS_M
    return lon * k * math.cos(math.radians(lat0)), lat * k


def distance_m(polygons: Iterable[Polygon], lon: float, lat: float) -> float:
    """Return the distance in metres from the point to the nearest edge (0 when inside)."""
    polygons = list(polygons)
    if contains(polygons, lon, lat):
        return 0.0
    px, py = _project(lon, lat, lat)
    best = math.inf
    for polygon in polygons:
        for ring in polygon:
            pts = [_project(x, y, lat) for x, y in ring]
            for (ax, ay), (bx, by) in itertools.pairwise(pts):
                best = min(best, _segment_distance(px, py, ax, ay, bx, by))
    return best


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    """Return the distance from p to the segment ab."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def centroid(polygons: Iterable[Polygon]) -> Point:
    """Return the area-weighted centroid of the outer rings (lon, lat)."""
    polygons = list(polygons)
    total = cx = cy = 0.0
    for polygon in polygons:
        ring = polygon[0]
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            cross = x0 * y1 - x1 * y0
            total += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
    if total == 0:
        return polygons[0][0][0]
    return (cx / (3 * total), cy / (3 * total))
