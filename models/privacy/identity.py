"""What identifies a person in free text: Telegram id, name, username, phone numbers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# Shorter names would match inside ordinary words ("Al" in "Algemeen").
NAME_MIN = 3
PHONE_DIGITS_MIN = 6
SCRUBBED = "…"
# Parts of a name that are ordinary words too ("Piet van der Berg"): scrubbing "van" from a text
# would only mangle it; the full name still matches.
NAME_PARTICLES = frozenset({"van", "der", "den", "ten", "ter", "het", "von", "del", "les", "los"})


@dataclass(frozen=True)
class Identity:
    """A person's id in our tables and what identifies them in text."""

    person_id: int
    telegram_id: int
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        parts = [rf"(?<!\d){self.telegram_id}(?!\d)"]
        parts += [
            rf"(?<!\w)@?{re.escape(n)}(?!\w)" for n in self.names if len(n.strip()) >= NAME_MIN
        ]
        for phone in self.phones:
            digits = re.sub(r"\D", "", phone)
            if len(digits) >= PHONE_DIGITS_MIN:
                # "06-1234 5678" and "0612345678" are the same number.
                parts.append(r"(?<!\d)" + r"[\s.()-]*".join(digits) + r"(?!\d)")
        object.__setattr__(self, "pattern", re.compile("|".join(parts), re.IGNORECASE))

    def mentioned_in(self, value: Any) -> bool:
        """Tell whether a text (or any text inside a JSON value) identifies the person."""
        if value is None:
            return False
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return bool(self.pattern.search(text))

    def scrub(self, text: str) -> str:
        """Replace everything that identifies the person in a text."""
        return self.pattern.sub(SCRUBBED, text)


def identity_of(
    person_id: int,
    telegram_id: int,
    display_name: str,
    username: str | None,
    phones: list[str],
) -> Identity:
    """Collect the identifying strings of a person (full name, each part of it, username)."""
    parts = [p for p in display_name.split() if p.lower() not in NAME_PARTICLES]
    names = {display_name.strip(), *parts}
    if username:
        names.add(username)
    return Identity(
        person_id=person_id,
        telegram_id=telegram_id,
        # Longest first, so a full name is replaced as a whole rather than word by word.
        names=tuple(sorted((n for n in names if n), key=lambda n: (-len(n), n))),
        phones=tuple(sorted({p for p in phones if p})),
    )
