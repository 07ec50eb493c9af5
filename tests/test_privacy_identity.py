"""What identifies a person in text, and how it is scrubbed."""

from __future__ import annotations

from models.privacy.identity import identity_of


def test_scrub_replaces_name_username_phone_and_telegram_id_only() -> None:
    who = identity_of(1, 123456789, "Piet van der Berg", "pietb", ["06-12345678"])
    text = (
        "Koffie van de week bij Piet van der Berg, bel 06 1234 5678 of @pietb. "
        "Berg en Piet ook. Id 123456789; 1234567890 en Pieter blijven."
    )
    assert who.scrub(text) == (
        "Koffie van de week bij …, bel … of …. … en … ook. Id …; 1234567890 en Pieter blijven."
    )
    assert who.mentioned_in({"text": "Hoi PIET"})
    assert who.mentioned_in("tg://user?id=123456789")
    assert not who.mentioned_in({"text": "Hoi Pieter, 0612345679"})
    assert not who.mentioned_in(None)


def test_short_names_are_not_scrubbed_inside_words() -> None:
    who = identity_of(2, 42, "Al Jo", None, [])
    assert who.scrub("Algemeen overleg met Jolanda") == "Algemeen overleg met Jolanda"
    assert who.scrub("Al Jo komt") == "… komt"
