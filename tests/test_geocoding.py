"""PdokGeocoder against FakePdok: strong and weak matches, nothing found, and failures."""

from __future__ import annotations

import csv
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.geocoding import (
    GeocodingError,
    PdokGeocoder,
    in_netherlands,
    normalise_postcode,
    split_street,
)
from tests.fake_pdok import UTRECHT_ADDRESSES, FakePdok

INFOPOINTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "utrecht" / "infopoints.csv"


@pytest.fixture
async def pdok() -> AsyncIterator[FakePdok]:
    async with FakePdok() as fake:
        # Invented test addresses: additions on one door, and one street in two woonplaatsen.
        fake.add_address("Proefstraat", "17", "3511AA", "Utrecht", 52.09000, 5.12000)
        fake.add_address("Proefstraat", "17a", "3511AA", "Utrecht", 52.09001, 5.12001)
        fake.add_address("Proefstraat", "17-2", "3511AA", "Utrecht", 52.09002, 5.12002)
        fake.add_address("Kerkweg", "1", "3451AA", "Vleuten", 52.10800, 5.01200)
        fake.add_address("Kerkweg", "1", "3454AA", "De Meern", 52.08100, 5.03200)
        yield fake


@pytest.fixture
async def geocoder(pdok: FakePdok) -> AsyncIterator[PdokGeocoder]:
    async with PdokGeocoder(pdok.base_url, timeout=2.0) as client:
        yield client


async def test_full_address_is_a_strong_match(pdok: FakePdok, geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Zamenhofdreef", house_number="17", postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.strong
    assert result.kind == "adres"
    assert result.label == "Zamenhofdreef 17, 3562JT Utrecht"
    assert (result.latitude, result.longitude) == (52.11876, 5.11185)
    assert result.score > 0
    assert geocoder.requests_made == 1
    assert pdok.queries[0]["q"] == "Zamenhofdreef 17 Utrecht"
    assert pdok.queries[0]["fq"] == "type:adres"
    assert pdok.queries[0]["rows"] == "5"


async def test_every_seeded_infopoint_address_is_strong(geocoder: PdokGeocoder) -> None:
    """Split the reference data's street column as a caller would, and find each address."""
    if not INFOPOINTS.exists():
        pytest.skip(f"reference data not found: {INFOPOINTS}")
    with INFOPOINTS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seeded = {
        (street, number): point for (street, number, _, _), point in UTRECHT_ADDRESSES.items()
    }
    found = 0
    for row in rows:
        street, number = split_street(row["street"])
        if (street, number) not in seeded:
            continue
        result = await geocoder.lookup(
            street=street, house_number=number, postcode=row["postcode"] or None, city=row["city"]
        )
        assert result is not None, row["street"]
        assert result.strong, row["street"]
        assert (result.latitude, result.longitude) == seeded[(street, number)]
        found += 1
    assert found == len(UTRECHT_ADDRESSES)


@pytest.mark.parametrize("postcode", ["3521AZ", "3521 az", " 3521az ", "3521  AZ"])
async def test_postcode_is_normalised(
    pdok: FakePdok, geocoder: PdokGeocoder, postcode: str
) -> None:
    result = await geocoder.lookup(
        street="Stadsplateau", house_number="1", postcode=postcode, city="Utrecht"
    )

    assert result is not None
    assert result.strong
    assert pdok.queries[-1]["q"] == "Stadsplateau 1 3521AZ Utrecht"


async def test_a_different_postcode_makes_the_match_weak(geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Stadsplateau", house_number="1", postcode="3521 AB", city="Utrecht"
    )

    assert result is not None
    assert result.label == "Stadsplateau 1, 3521AZ Utrecht"
    assert not result.strong


async def test_a_postcode_that_is_not_dutch_is_not_sent_and_cannot_be_strong(
    pdok: FakePdok, geocoder: PdokGeocoder
) -> None:
    result = await geocoder.lookup(
        street="Stadsplateau", house_number="1", postcode="postbus 8395", city="Utrecht"
    )

    assert result is not None
    assert result.label == "Stadsplateau 1, 3521AZ Utrecht"
    assert not result.strong
    assert pdok.queries[-1]["q"] == "Stadsplateau 1 Utrecht"


@pytest.mark.parametrize(
    ("street", "city"),
    [("zamenhofdreef", "UTRECHT"), ("ZAMENHOFDREEF", "utrecht"), ("Zamenhofdreef ", " Utrecht")],
)
async def test_street_and_city_compare_case_insensitively(
    geocoder: PdokGeocoder, street: str, city: str
) -> None:
    result = await geocoder.lookup(street=street, house_number="17", postcode=None, city=city)

    assert result is not None
    assert result.strong


async def test_apostrophes_and_hyphens_in_street_names_match(geocoder: PdokGeocoder) -> None:
    goylaan = await geocoder.lookup(
        street="’t Goylaan", house_number="75", postcode=None, city="Utrecht"
    )
    masoedi = await geocoder.lookup(
        street="al-masoedilaan", house_number="188", postcode=None, city="Utrecht"
    )

    assert goylaan is not None
    assert goylaan.strong
    assert masoedi is not None
    assert masoedi.strong


@pytest.mark.parametrize(
    ("house_number", "label"),
    [
        ("17", "Proefstraat 17, 3511AA Utrecht"),
        ("17a", "Proefstraat 17a, 3511AA Utrecht"),
        ("17 A", "Proefstraat 17a, 3511AA Utrecht"),
        ("17-a", "Proefstraat 17a, 3511AA Utrecht"),
        ("17-2", "Proefstraat 17-2, 3511AA Utrecht"),
        ("17 - 2", "Proefstraat 17-2, 3511AA Utrecht"),
    ],
)
async def test_house_number_additions_pick_the_right_door(
    geocoder: PdokGeocoder, house_number: str, label: str
) -> None:
    result = await geocoder.lookup(
        street="Proefstraat", house_number=house_number, postcode="3511AA", city="Utrecht"
    )

    assert result is not None
    assert result.label == label
    assert result.strong


async def test_an_addition_that_does_not_exist_is_weak(geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Proefstraat", house_number="17b", postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.label.startswith("Proefstraat 17")
    assert not result.strong


async def test_a_different_house_number_is_weak(geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Zamenhofdreef", house_number="19", postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.kind == "adres"
    assert result.label == "Zamenhofdreef 17, 3562JT Utrecht"
    assert not result.strong
    assert geocoder.requests_made == 1


async def test_a_street_without_number_is_a_weak_street_match(
    pdok: FakePdok, geocoder: PdokGeocoder
) -> None:
    result = await geocoder.lookup(
        street="Gloriantdreef", house_number=None, postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.kind == "weg"
    assert result.label == "Gloriantdreef, Utrecht"
    assert not result.strong
    assert geocoder.requests_made == 1
    assert pdok.queries[0]["fq"] == "type:weg"
    assert pdok.queries[0]["q"] == "Gloriantdreef Utrecht"


async def test_an_unknown_number_on_a_known_street_falls_back_to_the_street(
    pdok: FakePdok, geocoder: PdokGeocoder
) -> None:
    result = await geocoder.lookup(
        street="Gloriantdreef", house_number="1", postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.kind == "weg"
    assert result.label == "Gloriantdreef, Utrecht"
    assert not result.strong
    assert [query["fq"] for query in pdok.queries] == ["type:adres", "type:weg"]


async def test_a_house_number_without_digits_searches_the_street(geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Brusselplein", house_number="onbekend", postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.kind == "weg"
    assert geocoder.requests_made == 1


async def test_the_same_address_in_two_places_is_weak(geocoder: PdokGeocoder) -> None:
    """Vleuten and De Meern both lie in gemeente Utrecht: "Kerkweg 1, Utrecht" is either."""
    result = await geocoder.lookup(
        street="Kerkweg", house_number="1", postcode=None, city="Utrecht"
    )
    vleuten = await geocoder.lookup(
        street="Kerkweg", house_number="1", postcode=None, city="Vleuten"
    )

    assert result is not None
    assert not result.strong
    assert vleuten is not None
    assert vleuten.label == "Kerkweg 1, 3451AA Vleuten"
    assert vleuten.strong


async def test_a_misspelt_street_is_a_weak_match(geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Zamenhofdreeef", house_number="17", postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.label == "Zamenhofdreef 17, 3562JT Utrecht"
    assert not result.strong


async def test_spaces_inside_a_street_name_do_not_matter(geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Amsterdamse Straatweg", house_number="283", postcode=None, city="Utrecht"
    )

    assert result is not None
    assert result.strong


async def test_an_unrelated_street_with_the_same_number_is_not_a_match(
    geocoder: PdokGeocoder,
) -> None:
    """PDOK returns other Utrecht addresses with number 1; none of them is an answer."""
    result = await geocoder.lookup(
        street="Onbekendelaan", house_number="1", postcode=None, city="Utrecht"
    )

    assert result is None


async def test_an_address_in_another_city_is_weak(geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Zamenhofdreef", house_number="17", postcode=None, city="Amersfoort"
    )

    assert result is not None
    assert result.label == "Zamenhofdreef 17, 3562JT Utrecht"
    assert not result.strong


async def test_nothing_found_is_none(pdok: FakePdok, geocoder: PdokGeocoder) -> None:
    result = await geocoder.lookup(
        street="Nergensstraat", house_number="999", postcode=None, city="Nergenshuizen"
    )

    assert result is None
    assert geocoder.requests_made == 2
    assert [query["fq"] for query in pdok.queries] == ["type:adres", "type:weg"]


async def test_a_result_outside_the_netherlands_is_not_found(
    pdok: FakePdok, geocoder: PdokGeocoder
) -> None:
    pdok.add_address("Buitenlandlaan", "1", "9999ZZ", "Ergens", 48.85661, 2.35222)

    result = await geocoder.lookup(
        street="Buitenlandlaan", house_number="1", postcode="9999ZZ", city="Ergens"
    )

    assert result is None
    assert geocoder.requests_made == 2


async def test_solr_syntax_is_kept_out_of_the_query(pdok: FakePdok, geocoder: PdokGeocoder) -> None:
    await geocoder.lookup(
        street='Brusselplein (De "Verrijking")', house_number=None, postcode=None, city="Utrecht"
    )

    assert pdok.queries[0]["q"] == "Brusselplein De Verrijking Utrecht"


async def test_a_house_number_addition_is_sent_as_one_word(
    pdok: FakePdok, geocoder: PdokGeocoder
) -> None:
    """A free-standing "-" would be Solr's NOT operator."""
    await geocoder.lookup(
        street="-Proefstraat", house_number="17 - 2", postcode=None, city="Utrecht"
    )

    assert pdok.queries[0]["q"] == "Proefstraat 17-2 Utrecht"


async def test_http_503_is_a_geocoding_error(pdok: FakePdok, geocoder: PdokGeocoder) -> None:
    pdok.fail_next(status=503)

    with pytest.raises(GeocodingError, match="HTTP 503"):
        await geocoder.lookup(
            street="Zamenhofdreef", house_number="17", postcode=None, city="Utrecht"
        )

    assert geocoder.requests_made == 1
    # Only the next request failed: the geocoder is still usable.
    result = await geocoder.lookup(
        street="Zamenhofdreef", house_number="17", postcode=None, city="Utrecht"
    )
    assert result is not None
    assert result.strong


async def test_invalid_json_is_a_geocoding_error(pdok: FakePdok, geocoder: PdokGeocoder) -> None:
    pdok.fail_next(status=200, body="<html>onderhoud</html>")

    with pytest.raises(GeocodingError, match="invalid JSON"):
        await geocoder.lookup(
            street="Zamenhofdreef", house_number="17", postcode=None, city="Utrecht"
        )


async def test_json_of_another_shape_is_a_geocoding_error(
    pdok: FakePdok, geocoder: PdokGeocoder
) -> None:
    pdok.fail_next(status=200, body='{"error": "nope"}')

    with pytest.raises(GeocodingError, match=r"response\.docs"):
        await geocoder.lookup(
            street="Zamenhofdreef", house_number="17", postcode=None, city="Utrecht"
        )


async def test_a_refused_connection_is_a_geocoding_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    # Nothing listens there any more: the connection is refused at once.

    async with PdokGeocoder(f"http://127.0.0.1:{closed_port}", timeout=2.0) as geocoder:
        with pytest.raises(GeocodingError, match="could not reach PDOK"):
            await geocoder.lookup(
                street="Zamenhofdreef", house_number="17", postcode=None, city="Utrecht"
            )
        assert geocoder.requests_made == 1


async def test_a_slow_answer_is_a_geocoding_error(pdok: FakePdok) -> None:
    pdok.delay = 2.0

    async with PdokGeocoder(pdok.base_url, timeout=0.2) as geocoder:
        with pytest.raises(GeocodingError, match="did not answer"):
            await geocoder.lookup(
                street="Zamenhofdreef", house_number="17", postcode=None, city="Utrecht"
            )


async def test_the_own_client_is_closed_and_a_given_one_is_left_open(pdok: FakePdok) -> None:
    async with PdokGeocoder(pdok.base_url) as geocoder:
        await geocoder.lookup(street="Neude", house_number=None, postcode=None, city="Utrecht")
        own_client = geocoder._client
    assert own_client.is_closed

    async with httpx.AsyncClient() as client:
        geocoder = PdokGeocoder(pdok.base_url, client=client)
        result = await geocoder.lookup(
            street="Neude", house_number=None, postcode=None, city="Utrecht"
        )
        await geocoder.aclose()
        assert result is not None
        assert not client.is_closed


async def test_the_fake_rejects_parameters_pdok_does_not_know(pdok: FakePdok) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{pdok.base_url}/free", params={"q": "x", "bogus": "1"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3562JT", "3562JT"),
        ("3562 jt", "3562JT"),
        (" 3562\tJt ", "3562JT"),
        ("0562JT", None),
        ("3562J", None),
        ("35622JT", None),
        ("", None),
    ],
)
def test_normalise_postcode(text: str, expected: str | None) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zamenhofdreef 17", ("Zamenhofdreef", "17")),
        ("'t Goylaan 75", ("'t Goylaan", "75")),
        ("Proefstraat 17a", ("Proefstraat", "17a")),
        ("Proefstraat 17-2", ("Proefstraat", "17-2")),
        ("2e Daalsedijk 10 bis", ("2e Daalsedijk", "10 bis")),
        ("F.C. Dondersstraat 1 (corner Biltstraat)", ("F.C. Dondersstraat", "1")),
        ("Gloriantdreef (house number not found)", ("Gloriantdreef", None)),
        ("Neude", ("Neude", None)),
    ],
)
def test_split_street(text: str, expected: tuple[str, str | None]) -> None:
    assert split_street(text) == expected


def test_in_netherlands() -> None:
    assert in_netherlands(52.09, 5.12)
    assert not in_netherlands(48.86, 2.35)
    assert not in_netherlands(5.12, 52.09)  # lat and lon swapped
