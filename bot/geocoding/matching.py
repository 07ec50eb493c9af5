"""Judging PDOK's hits against the query: the best one, and whether it can be trusted as is."""

from __future__ import annotations

import math
from dataclasses import dataclass
from difflib import SequenceMatcher

# Rough bounding box of the European Netherlands; anything outside is a wrong match.
_LAT_RANGE = (50.7, 53.7)
_LON_RANGE = (3.2, 7.3)

# A different place scoring within 3% of the pick means PDOK itself cannot tell them apart.
_CLOSE_SCORE_RATIO = 0.97
# How alike (difflib ratio) a street must be to the query's to count as a misspelling of it.
_SIMILAR_STREET = 0.8
# Two hits closer than this are the same spot (say 17 and 17A in one building): no ambiguity.
_SAME_SPOT_METRES = 50.0


@dataclass(frozen=True)
class GeocodeResult:
    """A place PDOK found for an address, and whether it can be used without asking."""

    latitude: float
    longitude: float
    label: str  # PDOK's weergavenaam, e.g. "Zamenhofdreef 17, 3562JT Utrecht"
    kind: str  # "adres" or "weg"
    score: float
    # True only for an "adres" hit whose street, house number, city (woonplaats or gemeente)
    # and postcode (when given) equal the query's, with no other place at a similar score or
    # matching as well. A "weg" hit, or one on a look-alike street, is never strong.
    strong: bool


@dataclass(frozen=True)
class Query:
    """What was asked, in the form a candidate is compared in."""

    street: str  # street_key
    house: tuple[int, str] | None
    postcode_given: bool
    postcode: str | None  # normalised; None when absent or not a Dutch postcode
    city: str  # folded


@dataclass(frozen=True)
class Candidate:
    """One usable PDOK doc, in the form it is compared to the query in."""

    doc_id: str
    kind: str
    label: str
    score: float
    latitude: float
    longitude: float
    street: str  # street_key
    house: tuple[int, str] | None
    postcode: str | None
    places: frozenset[str]  # folded woonplaats and gemeente


def in_netherlands(latitude: float, longitude: float) -> bool:
    """Say whether a point lies in the rough bounding box of the Netherlands."""
    return (
        _LAT_RANGE[0] <= latitude <= _LAT_RANGE[1] and _LON_RANGE[0] <= longitude <= _LON_RANGE[1]
    )


def _distance_m(a: Candidate, b: Candidate) -> float:
    """Approximate the distance between two nearby points (equirectangular is plenty here)."""
    mean_lat = math.radians((a.latitude + b.latitude) / 2)
    dx = math.radians(b.longitude - a.longitude) * math.cos(mean_lat)
    dy = math.radians(b.latitude - a.latitude)
    return 6_371_000.0 * math.hypot(dx, dy)


def _matches(candidate: Candidate, query: Query) -> bool:
    """Say whether a candidate agrees with every part of the query it can be checked on."""
    if candidate.street != query.street:
        return False
    if query.city and query.city not in candidate.places:
        return False
    if candidate.kind == "weg":
        return True
    if query.house is None or candidate.house != query.house:
        return False
    return not query.postcode_given or (
        query.postcode is not None and candidate.postcode == query.postcode
    )


def on_similar_street(candidates: list[Candidate], query: Query) -> list[Candidate]:
    """Keep candidates on the queried street or one spelled much like it (a typo, "str.").

    PDOK ranks any document sharing a word with q, so "Onbekendelaan 1 Utrecht" would
    otherwise come back as some other Utrecht address with number 1.
    """
    return [
        candidate
        for candidate in candidates
        if candidate.street == query.street
        or SequenceMatcher(None, candidate.street, query.street).ratio() >= _SIMILAR_STREET
    ]


def choose(candidates: list[Candidate], query: Query) -> tuple[Candidate, bool]:
    """Pick the best candidate and judge whether it is strong."""
    exact = [candidate for candidate in candidates if _matches(candidate, query)]
    pick = exact[0] if exact else candidates[0]
    rivals = [
        other
        for other in candidates
        if other is not pick
        and _distance_m(other, pick) > _SAME_SPOT_METRES
        and (other in exact or other.score >= pick.score * _CLOSE_SCORE_RATIO)
    ]
    return pick, pick.kind == "adres" and bool(exact) and not rivals


def result_of(pick: Candidate, *, strong: bool) -> GeocodeResult:
    """Turn the chosen candidate into the answer a caller gets."""
    return GeocodeResult(
        latitude=pick.latitude,
        longitude=pick.longitude,
        label=pick.label,
        kind=pick.kind,
        score=pick.score,
        strong=strong,
    )
