"""Parse Telegram's HTML formatting subset, as strictly as the fake server needs.

The grammar follows tdlib's ``parse_html`` (what the Bot API runs for ``parse_mode=HTML``), with
two deliberate tightenings so mistakes surface in tests rather than as odd text in production:
a ``&`` that does not start ``&lt; &gt; &amp; &quot; &#NN; &#xHH;`` is an error (Telegram would
print it literally), and entities must end with ``;``. ``html_to_text`` and ``HtmlError`` are
public: catalog tests use them to check that every translated string is valid Telegram HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlError", "ParsedHtml", "html_to_text", "parse_html", "utf16_len"]


class HtmlError(ValueError):
    """Raised for markup Telegram would answer with "Bad Request: can't parse entities"."""


@dataclass(frozen=True)
class ParsedHtml:
    """Plain text plus Bot API MessageEntity dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


# Tags that map directly onto one entity type.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALLOWED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = " \t\r\n\v\f"
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]*));")
_PLAIN_RUN_RE = re.compile(r"[^<&]+")
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.\-]*")


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the unit Telegram uses for lengths and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def html_to_text(source: str) -> str:
    """Return the plain text Telegram would show for ``source``; raise HtmlError if invalid."""
    return parse_html(source).text


def parse_html(source: str) -> ParsedHtml:
    """Parse ``source`` as Telegram HTML into text and entities; raise HtmlError if invalid."""
    return _Parser(source).run()


@dataclass
class _OpenTag:
    name: str
    utf16_start: int
    entity: dict[str, Any] | None


class _ByteOffset:
    """A position shown as tdlib shows it (UTF-8 bytes), computed only if an error prints it."""

    def __init__(self, source: str, pos: int) -> None:
        self.source = source
        self.pos = pos

    def __str__(self) -> str:
        return str(len(self.source[: self.pos].encode("utf-8", "surrogatepass")))


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> ParsedHtml:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "&":
                self._emit(self._entity())
            elif char == "<":
                self._tag()
            else:
                run = _PLAIN_RUN_RE.match(src, self.pos)
                assert run is not None  # the current char is neither < nor &
                self._emit(run.group())
                self.pos = run.end()
        if self.stack:
            name = self.stack[-1].name
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
        # Telegram drops entities that cover no text.
        entities = [e for e in self.entities if e["length"] > 0]
        return ParsedHtml("".join(self.out), entities)

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def _byte_offset(self, pos: int) -> _ByteOffset:
        return _ByteOffset(self.src, pos)

    def _entity(self) -> str:
        """Decode the entity at self.pos and advance past it."""
        match = _ENTITY_RE.match(self.src, self.pos)
        at = self._byte_offset(self.pos)
        if match is None:
            raise HtmlError(
                f'Character "&" at byte offset {at} must be escaped as "&amp;" '
                "(or start &lt; &gt; &amp; &quot; &#NN; &#xHH;)"
            )
        decimal, hexadecimal, name = match.groups()
        self.pos = match.end()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise HtmlError(f'Unsupported HTML entity "&{name};" at byte offset {at}')
            return _NAMED_ENTITIES[name]
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HtmlError(f"Invalid numeric character reference at byte offset {at}")
        return chr(code)

    def _tag(self) -> None:
        if self.src.startswith("</", self.pos):
            self._end_tag()
        else:
            self._start_tag()

    def _end_tag(self) -> None:
        begin = self.pos
        at = self._byte_offset(begin)
        close = self.src.find(">", begin)
        if close == -1:
            raise HtmlError(f"Unclosed end tag at byte offset {at}")
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {at}")
        name = self.src[begin + 2 : close].lower()
        open_tag = self.stack[-1]
        # tdlib accepts "</>" as "close whatever is open"; the fake insists on the name.
        if name != open_tag.name:
            raise HtmlError(
                f'Unmatched end tag at byte offset {at}, expected "</{open_tag.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self.pos = close + 1
        if open_tag.entity is not None:
            open_tag.entity["length"] = self.utf16 - open_tag.utf16_start

    def _start_tag(self) -> None:
        src = self.src
        begin = self.pos
        at = self._byte_offset(begin)
        i = begin + 1
        while i < len(src) and src[i] not in _SPACE and src[i] != ">":
            i += 1
        if i >= len(src):
            raise HtmlError(f"Unclosed start tag at byte offset {at}")
        name = src[begin + 1 : i].lower()
        if name not in _ALLOWED_TAGS:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {at}')
        attributes, i = self._attributes(name, i, at)
        self.pos = i + 1  # skip ">"
        entity = self._entity_for(name, attributes, at)
        if entity is not None:
            self.entities.append(entity)
        self.stack.append(_OpenTag(name, self.utf16, entity))

    def _attributes(self, tag: str, i: int, at: _ByteOffset) -> tuple[dict[str, str], int]:
        """Parse attributes from index i up to the closing ">"; return them and its index."""
        src = self.src
        attributes: dict[str, str] = {}
        while True:
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src):
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {at}')
            if src[i] == ">":
                return attributes, i
            name_start = i
            while i < len(src) and src[i] not in _SPACE and src[i] not in "=>":
                i += 1
            attribute = src[name_start:i].lower()
            if not attribute:
                raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src) or src[i] != "=":
                if tag == "blockquote" and attribute == "expandable":
                    attributes[attribute] = ""
                    continue
                raise HtmlError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {at}'
                )
            i += 1
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src):
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {at}')
            value, i = self._attribute_value(i, at)
            attributes[attribute] = value

    def _attribute_value(self, i: int, at: _ByteOffset) -> tuple[str, int]:
        src = self.src
        quote = src[i]
        if quote not in "'\"":
            token = _NAME_TOKEN_RE.match(src, i)
            assert token is not None  # the pattern also matches the empty string
            end = token.end()
            if end >= len(src) or (src[end] not in _SPACE and src[end] != ">"):
                raise HtmlError(f"Unexpected end of name token at byte offset {at}")
            return token.group().lower(), end
        i += 1
        parts: list[str] = []
        while i < len(src) and src[i] != quote:
            if src[i] == "&":
                self.pos = i
                parts.append(self._entity())
                i = self.pos
            else:
                parts.append(src[i])
                i += 1
        if i >= len(src):
            raise HtmlError(f"Unclosed start tag at byte offset {at}")
        return "".join(parts), i + 1

    def _entity_for(
        self, tag: str, attributes: dict[str, str], at: _ByteOffset
    ) -> dict[str, Any] | None:
        """Build the (length-less) entity for a start tag, validating its attributes."""
        entity: dict[str, Any] = {"offset": self.utf16, "length": 0}
        if tag == "a":
            href = attributes.get("href", "").strip()
            if not href:
                raise HtmlError(f'Tag "a" must have a non-empty "href" at byte offset {at}')
            return {"type": "text_link", **entity, "url": href}
        if tag == "span":
            if attributes.get("class") != "tg-spoiler":
                raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
            return {"type": "spoiler", **entity}
        if tag == "tg-emoji":
            emoji_id = attributes.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise HtmlError(f"Invalid custom emoji identifier specified at byte offset {at}")
            return {"type": "custom_emoji", **entity, "custom_emoji_id": emoji_id}
        if tag == "blockquote" and "expandable" in attributes:
            return {"type": "expandable_blockquote", **entity}
        if tag == "code" and self.stack and self.stack[-1].name == "pre":
            # <pre><code class="language-x"> is one pre entity carrying the language.
            pre = self.stack[-1].entity
            language = attributes.get("class", "")
            if pre is not None and language.startswith("language-"):
                pre["language"] = language.removeprefix("language-")
            return None
        return {"type": _SIMPLE_TAGS[tag], **entity}
