"""FakePdok: a stand-in for the PDOK Locatieserver "free" endpoint, served on 127.0.0.1.

It answers ``GET /free?q=...&fq=type:adres&rows=5`` in PDOK's JSON shape. Matching is a rough
imitation of PDOK's Solr: each word of q that a document contains adds to its score (the
street weighs more than the city, a full postcode most), and any document with a score is a
hit. Good enough to tell an exact address from its neighbours; not a search engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from aiohttp import web

__all__ = [
    "UTRECHT_ADDRESSES",
    "UTRECHT_STREETS",
    "Address",
    "FakePdok",
    "Point",
]

Address = tuple[str, str, str, str]  # street, house number ("17", "17a", "17-2"), postcode, city
Point = tuple[float, float]  # latitude, longitude

# TEST FIXTURES for this fake only: they are not data the bot ships, and not checked against
# the BAG. The street names and house numbers are those of Utrecht information points in
# /work/shared/data/utrecht/infopoints.csv; the postcodes 3521AZ and 3515EA come from that file,
# 3562JT from PDOK's own example. Every other postcode and every coordinate is a plausible
# approximation (right neighbourhood, not the right door).
UTRECHT_ADDRESSES: dict[Address, Point] = {
    ("Zamenhofdreef", "17", "3562JT", "Utrecht"): (52.11876, 5.11185),
    ("Amsterdamsestraatweg", "283", "3551CE", "Utrecht"): (52.10207, 5.10262),
    ("Al-Masoedilaan", "188", "3526GJ", "Utrecht"): (52.07493, 5.09548),
    ("Everard Meijsterlaan", "3", "3533AR", "Utrecht"): (52.09050, 5.09301),
    ("'t Goylaan", "75", "3525AB", "Utrecht"): (52.07795, 5.11762),
    ("Stadsplateau", "1", "3521AZ", "Utrecht"): (52.08932, 5.10869),
    ("Samuel van Houtenstraat", "1", "3515EA", "Utrecht"): (52.10042, 5.13171),
    ("Stormdijklaan", "10", "3523BL", "Utrecht"): (52.07574, 5.12995),
    ("Teun de Jagerdreef", "1", "3561XL", "Utrecht"): (52.11598, 5.10944),
}
# Streets of information points whose house number is unknown (same caveat: approximate).
# Streets of the addresses above are added automatically, as PDOK has a "weg" for each.
UTRECHT_STREETS: dict[tuple[str, str], Point] = {
    ("Gloriantdreef", "Utrecht"): (52.11905, 5.11604),
    ("Brusselplein", "Utrecht"): (52.09561, 5.05582),
    ("Hondsrug", "Utrecht"): (52.07015, 5.14462),
    ("Neude", "Utrecht"): (52.09295, 5.11961),
}
# Woonplaatsen inside a gemeente of another name, as PDOK reports them in gemeentenaam.
_MUNICIPALITIES = {"Vleuten": "Utrecht", "De Meern": "Utrecht"}

# Query parameters the real v3_1 /free accepts (it rejects unknown ones with HTTP 400).
_KNOWN_PARAMS = frozenset({"q", "fq", "rows", "start", "fl", "sort", "df", "bq", "wt"})
_TYPES = ("adres", "weg")
_HOUSE = re.compile(r"([0-9]+)\s*([A-Za-z]?)(?:\s*-\s*([A-Za-z0-9]{1,4}))?")

_STREET, _NUMBER, _FULL_NUMBER, _POSTCODE, _POSTCODE_DIGITS = 2.0, 1.0, 2.0, 3.0, 0.5
_PLACE, _MUNICIPALITY = 1.0, 0.5


def _words(text: str) -> list[str]:
    """Split text into lower-case words, keeping "17-2" and "3562jt" whole."""
    words = []
    for raw in text.split():
        word = re.sub(r"^\W+|\W+$", "", raw.casefold())
        if word:
            words.append(word)
    return words


def _tokens(text: str) -> set[str]:
    """Return the words of a query, plus the parts of words joined by punctuation."""
    tokens = set()
    for word in _words(text):
        tokens.add(word)
        tokens.update(part for part in re.split(r"[\W_]+", word) if part)
    return tokens


def _add(weights: dict[str, float], text: str, weight: float) -> None:
    for token in _tokens(text):
        weights[token] = max(weights.get(token, 0.0), weight)


def _point(latitude: float, longitude: float) -> str:
    return f"POINT({longitude} {latitude})"


def _doc_id(prefix: str, *parts: str) -> str:
    digest = hashlib.md5("|".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{prefix}-{digest}"


class FakePdok:
    """A PDOK Locatieserver /free endpoint on 127.0.0.1 with a handful of Utrecht addresses."""

    def __init__(
        self,
        addresses: Mapping[Address, Point] | None = None,
        streets: Mapping[tuple[str, str], Point] | None = None,
    ) -> None:
        self.queries: list[dict[str, str]] = []
        self.delay = 0.0  # seconds to wait before each answer
        self._docs: list[tuple[dict[str, Any], dict[str, float]]] = []
        self._street_points: dict[tuple[str, str], list[Point]] = {}
        self._explicit_streets: set[tuple[str, str]] = set()
        self._failures: deque[tuple[int, str | None]] = deque()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        seed_addresses = UTRECHT_ADDRESSES if addresses is None else addresses
        for (street, number, postcode, city), (lat, lon) in seed_addresses.items():
            self.add_address(street, number, postcode, city, lat, lon)
        for (street, city), (lat, lon) in (UTRECHT_STREETS if streets is None else streets).items():
            self.add_street(street, city, lat, lon)

    # -- seeding ------------------------------------------------------------------------------

    def add_address(
        self,
        street: str,
        number: str,
        postcode: str,
        city: str,
        latitude: float,
        longitude: float,
    ) -> None:
        """Add an address ("17", "17a" or "17-2"); its street becomes findable too."""
        match = _HOUSE.fullmatch(number.strip())
        if match is None:
            raise ValueError(f"not a house number: {number!r}")
        huisnummer, letter, addition = int(match[1]), match[2], match[3] or ""
        shown = f"{huisnummer}{letter}" + (f"-{addition}" if addition else "")
        municipality = _MUNICIPALITIES.get(city, city)
        doc: dict[str, Any] = {
            "type": "adres",
            "weergavenaam": f"{street} {shown}, {postcode} {city}",
            "id": _doc_id("adr", street, shown, postcode, city),
            "centroide_ll": _point(latitude, longitude),
            "straatnaam": street,
            "huisnummer": huisnummer,
            "huis_nlt": f"{huisnummer}{letter}{addition}",
            "postcode": postcode,
            "woonplaatsnaam": city,
            "gemeentenaam": municipality,
        }
        # Like PDOK, leave out empty letter and addition fields.
        if letter:
            doc["huisletter"] = letter
        if addition:
            doc["huisnummertoevoeging"] = addition
        weights: dict[str, float] = {}
        _add(weights, municipality, _MUNICIPALITY)
        _add(weights, city, _PLACE)
        _add(weights, postcode[:4], _POSTCODE_DIGITS)
        _add(weights, postcode, _POSTCODE)
        _add(weights, str(huisnummer), _NUMBER)
        weights[shown.casefold()] = _FULL_NUMBER
        weights[doc["huis_nlt"].casefold()] = _FULL_NUMBER
        _add(weights, street, _STREET)
        self._docs.append((doc, weights))
        self._street_points.setdefault((street, city), []).append((latitude, longitude))
        self._refresh_street(street, city)

    def add_street(self, street: str, city: str, latitude: float, longitude: float) -> None:
        """Add a street ("weg") at a given centroid, with or without addresses."""
        self._explicit_streets.add((street, city))
        self._street_points[(street, city)] = [(latitude, longitude)]
        self._refresh_street(street, city)

    def _refresh_street(self, street: str, city: str) -> None:
        """(Re)build the "weg" doc of a street, centred on its known points."""
        points = self._street_points[(street, city)]
        if (street, city) in self._explicit_streets:
            points = points[:1]
        latitude = sum(lat for lat, _ in points) / len(points)
        longitude = sum(lon for _, lon in points) / len(points)
        municipality = _MUNICIPALITIES.get(city, city)
        doc_id = _doc_id("weg", street, city)
        doc: dict[str, Any] = {
            "type": "weg",
            "weergavenaam": f"{street}, {city}",
            "id": doc_id,
            "centroide_ll": _point(latitude, longitude),
            "straatnaam": street,
            "woonplaatsnaam": city,
            "gemeentenaam": municipality,
        }
        weights: dict[str, float] = {}
        _add(weights, municipality, _MUNICIPALITY)
        _add(weights, city, _PLACE)
        _add(weights, street, _STREET)
        self._docs = [entry for entry in self._docs if entry[0]["id"] != doc_id]
        self._docs.append((doc, weights))

    # -- behaviour switches -------------------------------------------------------------------

    def fail_next(self, status: int = 503, *, body: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` requests with this status (and body, e.g. broken JSON)."""
        self._failures.extend([(status, body)] * times)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> Self:
        """Start serving on 127.0.0.1 with an ephemeral port."""
        app = web.Application()
        app.router.add_get("/free", self._handle_free)
        self._stopping.clear()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Stop serving; slow answers still pending are cut short."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Return the value for PdokGeocoder(base_url=...)."""
        if self._port is None:
            raise RuntimeError("FakePdok is not running; use 'async with FakePdok() as pdok'")
        return f"http://127.0.0.1:{self._port}"

    # -- the endpoint -------------------------------------------------------------------------

    async def _handle_free(self, request: web.Request) -> web.Response:
        params = {key: request.query.getone(key) for key in request.query}
        self.queries.append(params)
        if self.delay:
            # Wake early on stop() so that a test's teardown never waits for a slow answer.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.delay)
        if self._failures:
            status, body = self._failures.popleft()
            return web.Response(status=status, text=body or f"fake PDOK failure ({status})")
        unknown = sorted(set(params) - _KNOWN_PARAMS)
        if unknown:
            return _error(400, f"unknown query parameter(s): {', '.join(unknown)}")
        try:
            types = _parse_fq(params.get("fq"))
            rows = int(params.get("rows", "10"))
            start = int(params.get("start", "0"))
        except ValueError as exc:
            return _error(400, str(exc))
        hits = self._search(params.get("q"), types)
        fields = [field for field in re.split(r"[,\s]+", params.get("fl", "")) if field]
        docs = [_select(doc, score, fields) for doc, score in hits[start : start + rows]]
        body = {
            "response": {
                "numFound": len(hits),
                "start": start,
                "maxScore": hits[0][1] if hits else 0.0,
                "numFoundExact": True,
                "docs": docs,
            }
        }
        return web.json_response(body)

    def _search(self, q: str | None, types: set[str]) -> list[tuple[dict[str, Any], float]]:
        """Score every doc of the wanted types against q; best first, ties in seed order."""
        tokens = _tokens(q or "")
        hits = []
        for doc, weights in self._docs:
            if doc["type"] not in types:
                continue
            # Without q, PDOK's /free lists everything (q defaults to *:*).
            score = sum(weights.get(token, 0.0) for token in tokens) if tokens else 1.0
            if score > 0:
                hits.append((doc, round(score * 2.5, 4)))
        hits.sort(key=lambda hit: -hit[1])
        return hits


def _parse_fq(fq: str | None) -> set[str]:
    """Read "type:adres" or "type:(adres OR weg)"; PDOK's default covers every type."""
    if fq is None:
        return set(_TYPES)
    match = re.fullmatch(r"\s*type:\s*\(?([^()]*)\)?\s*", fq)
    if match is None:
        raise ValueError(f"this fake only filters on type, not {fq!r}")
    return {part.strip() for part in re.split(r"\s+OR\s+", match[1]) if part.strip()}


def _select(doc: dict[str, Any], score: float, fields: list[str]) -> dict[str, Any]:
    """Return a doc with its score, cut down to the fl fields when fl was given."""
    full = {**doc, "score": score}
    if not fields:
        return full
    return {field: full[field] for field in fields if field in full}


def _error(status: int, message: str) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"error": {"code": status, "msg": message}}),
        content_type="application/json",
    )
