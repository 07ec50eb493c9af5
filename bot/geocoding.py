"""Find coordinates for Dutch addresses with the PDOK Locatieserver (free, no API key).

One lookup asks the "free" endpoint for an address ("adres") when there is a house number, and
for the street ("weg") when there is none or the address search did not find that street. The
answer says whether it can be trusted as is (``strong``) or needs a person to confirm it.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from types import TracebackType
from typing import Any, Self

import httpx

__all__ = [
    "DEFAULT_PDOK_URL",
    "GeocodeResult",
    "GeocodingError",
    "PdokGeocoder",
    "in_netherlands",
    "normalise_postcode",
    "split_street",
]

_LOGGER = logging.getLogger("buurtbot.geocoding")

DEFAULT_PDOK_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"

# Rough bounding box of the European Netherlands; anything outside is a wrong match.
_LAT_RANGE = (50.7, 53.7)
_LON_RANGE = (3.2, 7.3)

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
# A different place scoring within 3% of the pick means PDOK itself cannot tell them apart.
_CLOSE_SCORE_RATIO = 0.97
# How alike (difflib ratio) a street must be to the query's to count as a misspelling of it.
_SIMILAR_STREET = 0.8
# Two hits closer than this are the same spot (say 17 and 17A in one building): no ambiguity.
_SAME_SPOT_METRES = 50.0

_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_HOUSE_NUMBER = re.compile(r"\s*([0-9]{1,5})(.*)", re.DOTALL)
_POINT = re.compile(
    r"\s*POINT\s*\(\s*([-+]?[0-9]+(?:\.[0-9]+)?)\s+([-+]?[0-9]+(?:\.[0-9]+)?)\s*\)\s*",
    re.IGNORECASE,
)
# Solr query syntax; dropped from q so that "Brusselplein (De Verrijking)" stays plain text.
# Dots, apostrophes and hyphens inside words stay (F.C. Dondersstraat, 't Goylaan,
# Al-Masoedilaan); a hyphen that starts or ends a word would be Solr's NOT, so it goes.
_SOLR_SYNTAX = re.compile(r'[+&|!(){}\[\]^"~*?:\\/]|(?<!\w)-|-(?!\w)')
_STREET_AND_NUMBER = re.compile(
    r"(?P<street>.*?\S)\s+(?P<number>[0-9]{1,5}(?:\s*[-/]?\s*[A-Za-z0-9]{1,4})?)", re.DOTALL
)


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


class GeocodingError(Exception):
    """PDOK could not be asked or gave an unusable answer (not: found nothing)."""


@dataclass(frozen=True)
class _Query:
    street: str  # _street_key
    house: tuple[int, str] | None
    postcode_given: bool
    postcode: str | None  # normalised; None when absent or not a Dutch postcode
    city: str  # folded


@dataclass(frozen=True)
class _Candidate:
    doc_id: str
    kind: str
    label: str
    score: float
    latitude: float
    longitude: float
    street: str  # _street_key
    house: tuple[int, str] | None
    postcode: str | None
    places: frozenset[str]  # folded woonplaats and gemeente


def normalise_postcode(text: str) -> str | None:
    """Return a Dutch postcode as "3562JT", or None when the text is not one."""
    compact = re.sub(r"\s+", "", text).upper()
    return compact if _POSTCODE.fullmatch(compact) else None


def in_netherlands(latitude: float, longitude: float) -> bool:
    """Say whether a point lies in the rough bounding box of the Netherlands."""
    return (
        _LAT_RANGE[0] <= latitude <= _LAT_RANGE[1] and _LON_RANGE[0] <= longitude <= _LON_RANGE[1]
    )


def split_street(text: str) -> tuple[str, str | None]:
    """Split "Zamenhofdreef 17a" into street and house number; drop remarks in parentheses."""
    plain = re.sub(r"\([^)]*\)?", " ", text)
    plain = re.sub(r"\s+", " ", plain).strip()
    match = _STREET_AND_NUMBER.fullmatch(plain)
    if match is None:
        return plain, None
    return match["street"], match["number"]


def _fold(text: str) -> str:
    """Fold a name for comparison: no case, accents or punctuation ("'t Goylaan" == "T goylaan")."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


def _street_key(text: str) -> str:
    """Fold a street name and drop its spaces: "Van Houtenstraat" == "vanhoutenstraat"."""
    return _fold(text).replace(" ", "")


def _compact_suffix(text: str) -> str:
    """Reduce a house number's letter and addition to upper-case letters and digits."""
    return re.sub(r"[\W_]+", "", text).upper()


def _parse_house_number(text: str) -> tuple[int, str] | None:
    """Parse "17", "17a", "17 A", "17-2" or "17A-2" into (17, "A2"); None without a number."""
    match = _HOUSE_NUMBER.fullmatch(text)
    if match is None:
        return None
    return int(match[1]), _compact_suffix(match[2])


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
        return _parse_house_number(nlt) if nlt else None
    suffix = _compact_suffix(
        _as_text(doc.get("huisletter")) + _as_text(doc.get("huisnummertoevoeging"))
    )
    # PDOK leaves out empty letter and addition fields; huis_nlt then still carries them.
    if not suffix and nlt.startswith(str(number)):
        suffix = _compact_suffix(nlt[len(str(number)) :])
    return number, suffix


def _candidate(doc: object) -> _Candidate | None:
    """Turn one PDOK doc into a candidate; None when it cannot be placed."""
    if not isinstance(doc, dict):
        return None
    kind = doc.get("type")
    point = _parse_point(doc.get("centroide_ll"))
    if kind not in ("adres", "weg") or point is None:
        return None
    score = doc.get("score")
    postcode = _as_text(doc.get("postcode"))
    return _Candidate(
        doc_id=_as_text(doc.get("id")),
        kind=kind,
        label=_as_text(doc.get("weergavenaam")),
        score=float(score) if isinstance(score, int | float) else 0.0,
        latitude=point[0],
        longitude=point[1],
        street=_street_key(_as_text(doc.get("straatnaam"))),
        house=_doc_house(doc) if kind == "adres" else None,
        postcode=normalise_postcode(postcode) if postcode else None,
        places=frozenset(
            _fold(_as_text(doc.get(key))) for key in ("woonplaatsnaam", "gemeentenaam")
        )
        - {""},
    )


def _distance_m(a: _Candidate, b: _Candidate) -> float:
    """Approximate the distance between two nearby points (equirectangular is plenty here)."""
    mean_lat = math.radians((a.latitude + b.latitude) / 2)
    dx = math.radians(b.longitude - a.longitude) * math.cos(mean_lat)
    dy = math.radians(b.latitude - a.latitude)
    return 6_371_000.0 * math.hypot(dx, dy)


def _matches(candidate: _Candidate, query: _Query) -> bool:
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


def _on_similar_street(candidates: list[_Candidate], query: _Query) -> list[_Candidate]:
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


def _choose(candidates: list[_Candidate], query: _Query) -> tuple[_Candidate, bool]:
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


def _result(pick: _Candidate, *, strong: bool) -> GeocodeResult:
    return GeocodeResult(
        latitude=pick.latitude,
        longitude=pick.longitude,
        label=pick.label,
        kind=pick.kind,
        score=pick.score,
        strong=strong,
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
        house = _parse_house_number(house_number) if house_number else None
        query = _Query(
            street=_street_key(street),
            house=house,
            postcode_given=bool(postcode and postcode.strip()),
            postcode=normalise_postcode(postcode) if postcode else None,
            city=_fold(city),
        )
        fallback: GeocodeResult | None = None
        if house is not None and house_number is not None:
            parts = (street, _house_text(house, house_number), query.postcode or "", city)
            candidates = _on_similar_street(await self._search("adres", " ".join(parts)), query)
            if candidates:
                pick, strong = _choose(candidates, query)
                if pick.street == query.street:
                    return _result(pick, strong=strong)
                # Only a look-alike street had this number: the street itself may be better.
                fallback = _result(pick, strong=False)
        candidates = _on_similar_street(await self._search("weg", f"{street} {city}"), query)
        if candidates:
            pick, _ = _choose(candidates, query)
            if fallback is None or pick.street == query.street:
                return _result(pick, strong=False)
        return fallback

    async def _search(self, kind: str, text: str) -> list[_Candidate]:
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
