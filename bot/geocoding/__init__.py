"""Find coordinates for Dutch addresses with the PDOK Locatieserver (free, no API key).

One lookup asks the "free" endpoint for an address ("adres") when there is a house number, and
for the street ("weg") when there is none or the address search did not find that street. The
answer says whether it can be trusted as is (``strong``) or needs a person to confirm it.

The parts: pdok.py (the client and reading its answers), matching.py (judging the hits),
addresses.py (postcodes, street and house number, folding names).
"""

from bot.geocoding.addresses import normalise_postcode, split_street
from bot.geocoding.matching import GeocodeResult, in_netherlands
from bot.geocoding.pdok import DEFAULT_PDOK_URL, GeocodingError, PdokGeocoder

__all__ = [
    "DEFAULT_PDOK_URL",
    "GeocodeResult",
    "GeocodingError",
    "PdokGeocoder",
    "in_netherlands",
    "normalise_postcode",
    "split_street",
]
