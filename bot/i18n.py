"""Texts people see, from gettext catalogs (Babel's .po files) in Dutch and English.

Message ids are stable keys such as ``onboarding.consent``; each catalog holds the full text.
Parameters are HTML-escaped when the text is formatted, so user text can never break the
HTML parse mode; a value that is already HTML must be wrapped in :class:`Html`.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "buurtbot"
LANGUAGES = ("nl", "en")


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def escape(text: str) -> Html:
    """Escape text for Telegram's HTML parse mode."""
    return Html(html.escape(text, quote=False))


def N_(key: str) -> str:  # noqa: N802 - the gettext convention for "mark, don't translate"
    """Mark a key for extraction where it is looked up later."""
    return key


@cache
def catalog(language: str) -> Mapping[str, str]:
    """Load one language's catalog as a key -> text mapping."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def placeholders(text: str) -> set[str]:
    """Return the {names} a catalog text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Translator:
    """Format texts of one language."""

    __slots__ = ("_texts", "language")

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else LANGUAGES[0]
        self._texts = catalog(self.language)

    def __call__(self, key: str, /, **params: object) -> Html:
        """Return the text for key with escaped parameters."""
        template = self._texts.get(key)
        if template is None:
            # A missing text is a bug the catalog test catches; never show a person a crash.
            template = catalog("en").get(key, key)
        safe = {
            name: value if isinstance(value, Html) else escape(str(value))
            for name, value in params.items()
        }
        return Html(template.format_map(safe))

    def has(self, key: str) -> bool:
        """Tell whether the catalog has key."""
        return key in self._texts


@cache
def translator(language: str) -> Translator:
    """Return the (cached) translator for a language."""
    return Translator(language)


_LANGUAGE_RE = re.compile(r"^([a-z]{2})")


def pick_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Choose a language: the person's choice, else their Telegram app's, else the default."""
    if stored in LANGUAGES:
        return stored
    match = _LANGUAGE_RE.match((telegram_code or "").lower())
    if match and match.group(1) in LANGUAGES:
        return match.group(1)
    return default
