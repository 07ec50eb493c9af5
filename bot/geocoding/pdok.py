"""The PDOK Locatieserver client: ask /free for an address or a street, and read the answer."""

from __future__ import annotations

import logging
import math
import re
from types import TracebackType
from typing import Any, Self

import httpx

from bot.geocoding.addresses import (
    compact_suffix,
    fold,
    normalise_postcode,
    parse_house_number,
    street_key,
)
from bot.geocoding.matching import (
    Candidate,
    GeocodeResult,
    Query,
    choose,
    in_netherlands,
    on_similar_street,
    result_of,
)

_LOGGER = logging.getLogger("buurtbot.geocoding")

DEFAULT_PDOK_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"

_ROWS = 5
_HEADERS = {"User-Agent": "buurtbot (PDOK Locatieserver geocoding)", "Accept": "application/json"}
# Ask only for what we read: smaller answers, and no reliance on PDOK's default field list.
_FIELDS = ",".join(
    (
        "id",
        "type",
        "weergavenaam",
        "score",
        "centroide_ll",
        "straatnaam",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "huis_nlt",
        "postcode",
        "woonplaatsnaam",
        "gemeentenaam",
    )
)

_POINT = re.compile(
    r"\s*POINT\s*\(\s*([-+]?[0-9]+(?:\.[0-9]+)?)\s+([-+]?[0-9]+(?:\.[0-9]+)?)\s*\)\s*",
    re.IGNORECASE,
)
# Solr query syntax; dropped from q so that "Brusselplein (De Verrijking)" stays plain text.
# Dots, apostrophes and hyphens inside words stay (F.C. Dondersstraat, 't Goylaan,
# Al-Masoedilaan); a hyphen that starts or ends a word would be Solr's NOT, so it goes.
_SOLR_SYNTAX = re.compile(r'[+&|!(){}\[\]^"~*?:\\/]|(?<!\w)-|-(?!\w)')


class GeocodingError(Exception):
    """PDOK could not be asked or gave an unusable answer (not: found nothing)."""


def _house_text(house: tuple[int, str], raw: str) -> str:
    """Write a house number the way PDOK indexes it (huis_nlt) where that is unambiguous."""
    number, suffix = house
    if not suffix:
        return str(number)
    if len(suffix) == 1 and suffix.isalpha():
        return f"{number}{suffix}"
    # Keep "17-2" one word: a free-standing "-" would be Solr's NOT.
    return re.sub(r"\s*-\s*", "-", " ".join(raw.split()))


def _parse_point(value: object) -> tuple[float, float] | None:
    """Read WKT "POINT(lon lat)" as (lat, lon)."""
    if not isinstance(value, str):
        return None
    match = _POINT.fullmatch(value)
    if match is None:
        return None
    longitude, latitude = float(match[1]), float(match[2])
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    return latitude, longitude


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _doc_house(doc: dict[str, Any]) -> tuple[int, str] | None:
    """Read huisnummer plus letter and addition, falling back to huis_nlt."""
    nlt = _as_text(doc.get("huis_nlt"))
    number = _as_int(doc.get("huisnummer"))
    if number is None:
        return parse_house_number(nlt) if nlt else None
    suffix = compact_suffix(
        _as_text(doc.get("huisletter")) + _as_text(doc.get("huisnummertoevoeging"))
    )
    # PDOK leaves out empty letter and addition fields; huis_nlt then still carries them.
    if not suffix and nlt.startswith(str(number)):
        suffix = compact_suffix(nlt[len(str(number)) :])
    return number, suffix


def _candidate(doc: object) -> Candidate | None:
    """Turn one PDOK doc into a candidate; None when it cannot be placed."""
    if not isinstance(doc, dict):
        return None
    kind = doc.get("type")
    point = _parse_point(doc.get("centroide_ll"))
    if kind not in ("adres", "weg") or point is None:
        return None
    score = doc.get("score")
    postcode = _as_text(doc.get("postcode"))
    return Candidate(
        doc_id=_as_text(doc.get("id")),
        kind=kind,
        label=_as_text(doc.get("weergavenaam")),
        score=float(score) if isinstance(score, int | float) else 0.0,
        latitude=point[0],
        longitude=point[1],
        street=street_key(_as_text(doc.get("straatnaam"))),
        house=_doc_house(doc) if kind == "adres" else None,
        postcode=normalise_postcode(postcode) if postcode else None,
        places=frozenset(fold(_as_text(doc.get(key))) for key in ("woonplaatsnaam", "gemeentenaam"))
        - {""},
    )


class PdokGeocoder:
    """Ask the PDOK Locatieserver for coordinates; one instance reuses one connection pool.

    Pacing between lookups is the caller's job: PDOK is free and shared, so wait a little
    between addresses when filling many.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_PDOK_URL,
        *,
        timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/free"
        self._timeout = timeout
        # A client passed in belongs to the caller, who closes it; ours we close in aclose().
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()
        self._requests_made = 0

    @property
    def requests_made(self) -> int:
        """Return how many HTTP requests this geocoder has sent, failed ones included."""
        return self._requests_made

    async def lookup(
        self, *, street: str, house_number: str | None, postcode: str | None, city: str
    ) -> GeocodeResult | None:
        """Find an address (or its street); None when PDOK knows nothing that fits.

        Sends one request, or two when the address search does not find the street.
        A house number without digits is ignored; a postcode that is not a Dutch postcode
        is not sent, and the result cannot be strong.
        """
        house = parse_house_number(house_number) if house_number else None
        query = Query(
            street=street_key(street),
            house=house,
            postcode_given=bool(postcode and postcode.strip()),
            postcode=normalise_postcode(postcode) if postcode else None,
            city=fold(city),
        )
        fallback: GeocodeResult | None = None
        if house is not None and house_number is not None:
            parts = (street, _house_text(house, house_number), query.postcode or "", city)
            candidates = on_similar_street(await self._search("adres", " ".join(parts)), query)
            if candidates:
                pick, strong = choose(candidates, query)
                if pick.street == query.street:
                    return result_of(pick, strong=strong)
                # Only a look-alike street had this number: the street itself may be better.
                fallback = result_of(pick, strong=False)
        candidates = on_similar_street(await self._search("weg", f"{street} {city}"), query)
        if candidates:
            pick, _ = choose(candidates, query)
            if fallback is None or pick.street == query.street:
                return result_of(pick, strong=False)
        return fallback

    async def _search(self, kind: str, text: str) -> list[Candidate]:
        """Ask /free for one type of object; return the usable candidates inside the NL."""
        params = {
            "q": " ".join(_SOLR_SYNTAX.sub(" ", text).split()),
            "fq": f"type:{kind}",
            "rows": str(_ROWS),
            "fl": _FIELDS,
        }
        self._requests_made += 1
        try:
            response = await self._client.get(
                self._url, params=params, headers=_HEADERS, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            raise GeocodingError(
                f"PDOK did not answer the {kind} search within {self._timeout:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise GeocodingError(
                f"could not reach PDOK at {self._url}: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code != httpx.codes.OK:
            raise GeocodingError(
                f"PDOK answered HTTP {response.status_code} to the {kind} search: "
                f"{response.text[:200]!r}"
            )
        try:
            payload = response.json()
        except ValueError as exc:
            raise GeocodingError(
                f"PDOK answered the {kind} search with invalid JSON: {response.text[:200]!r}"
            ) from exc
        body = payload.get("response") if isinstance(payload, dict) else None
        docs = body.get("docs") if isinstance(body, dict) else None
        if not isinstance(docs, list):
            raise GeocodingError(f"PDOK answered the {kind} search without response.docs")
        candidates = []
        for doc in docs:
            candidate = _candidate(doc)
            if candidate is None or candidate.kind != kind:
                _LOGGER.debug("Skipping a PDOK doc without a usable %s: %r", kind, doc)
            elif not in_netherlands(candidate.latitude, candidate.longitude):
                _LOGGER.warning("Ignoring a PDOK hit outside the Netherlands: %s", candidate.label)
            else:
                candidates.append(candidate)
        return candidates

    async def aclose(self) -> None:
        """Close the HTTP client, unless the caller passed it in."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
