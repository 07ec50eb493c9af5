"""Dutch address text: postcodes, street and house number, and names folded for comparing."""

from __future__ import annotations

import re
import unicodedata

_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_HOUSE_NUMBER = re.compile(r"\s*([0-9]{1,5})(.*)", re.DOTALL)
_STREET_AND_NUMBER = re.compile(
    r"(?P<street>.*?\S)\s+(?P<number>[0-9]{1,5}(?:\s*[-/]?\s*[A-Za-z0-9]{1,4})?)", re.DOTALL
)


def normalise_postcode(text: str) -> str | None:
    """Return a Dutch postcode as "3562JT", or None when the text is not one."""
    compact = re.sub(r"\s+", "", text).upper()
    return compact if _POSTCODE.fullmatch(compact) else None


def split_street(text: str) -> tuple[str, str | None]:
    """Split "Zamenhofdreef 17a" into street and house number; drop remarks in parentheses."""
    plain = re.sub(r"\([^)]*\)?", " ", text)
    plain = re.sub(r"\s+", " ", plain).strip()
    match = _STREET_AND_NUMBER.fullmatch(plain)
    if match is None:
        return plain, None
    return match["street"], match["number"]


def fold(text: str) -> str:
    """Fold a name for comparison: no case, accents or punctuation ("'t Goylaan" == "T goylaan")."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


def street_key(text: str) -> str:
    """Fold a street name and drop its spaces: "Van Houtenstraat" == "vanhoutenstraat"."""
    return fold(text).replace(" ", "")


def compact_suffix(text: str) -> str:
    """Reduce a house number's letter and addition to upper-case letters and digits."""
    return re.sub(r"[\W_]+", "", text).upper()


def parse_house_number(text: str) -> tuple[int, str] | None:
    """Parse "17", "17a", "17 A", "17-2" or "17A-2" into (17, "A2"); None without a number."""
    match = _HOUSE_NUMBER.fullmatch(text)
    if match is None:
        return None
    return int(match[1]), compact_suffix(match[2])
