"""Check requests against the machine-readable Bot API spec (bot-api-10.0.json)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import bad_request

__all__ = [
    "DEFAULT_SPEC_PATH",
    "PTB_DEFAULT_PARAMS",
    "FieldSpec",
    "MethodSpec",
    "Spec",
    "UploadedFile",
]

# ../shared beside the repository: /work/main/bot/sandbox/telegram/spec.py -> /work/shared. It is
# absent in an installed copy; then the fake checks Telegram's limits but not the parameters.
DEFAULT_SPEC_PATH = Path(__file__).resolve().parents[4] / "shared/telegram/bot-api-10.0.json"

# PTB's Bot._send_message adds the ext.Defaults values (parse_mode=HTML, disable_notification,
# ...) to every method it serves, also to those without such a parameter (editMessageReplyMarkup,
# sendLocation). Telegram ignores them and they are no typo, so the fake lets them pass too.
PTB_DEFAULT_PARAMS = frozenset(
    {
        "parse_mode",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "link_preview_options",
    }
)
_ARRAY_PREFIX = "Array of "
# "Scope type, must be chat" / 'Type of the reaction, always "emoji"'
_DISCRIMINATOR_RE = re.compile(r'(?:must be|always) "?([a-z0-9_]+)"?\s*$')


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    mime: str

    def as_dict(self) -> dict[str, Any]:
        """Return the shape tests read from SentMessage.document."""
        return {"filename": self.filename, "content": self.content, "mime": self.mime}

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.content)} bytes, {self.mime!r})"


@dataclass(frozen=True)
class FieldSpec:
    """One method parameter or object field."""

    name: str
    types: tuple[str, ...]
    required: bool
    textual: bool = False  # only String or InputFile: a form value is taken as it is


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method with its parameters."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...] = ()  # the names of the required parameters


@dataclass(frozen=True)
class _TypeSpec:
    name: str
    fields: dict[str, FieldSpec] | None  # None: no field list (InputFile, abstract types)
    subtypes: tuple[str, ...]
    discriminator: tuple[str, str] | None  # (field, required value), e.g. ("type", "chat")
    required: tuple[str, ...] = ()  # the names of the required fields


# What a value of each scalar type must be; other type names are objects or arrays.
_SCALARS: dict[str, Callable[[Any], bool]] = {
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "Boolean": lambda v: isinstance(v, bool),
    "String": lambda v: isinstance(v, str),
    "InputFile": lambda v: isinstance(v, UploadedFile | str),
}


def _fields(raw: list[dict[str, Any]] | None) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(
            f["name"],
            tuple(f["types"]),
            bool(f["required"]),
            textual=set(f["types"]) <= {"String", "InputFile"},
        )
        for f in raw or []
    }


def _required(fields: dict[str, FieldSpec] | None) -> tuple[str, ...]:
    return tuple(f.name for f in (fields or {}).values() if f.required)


def _discriminator(raw: dict[str, Any]) -> tuple[str, str] | None:
    for f in raw.get("fields", []):
        if f["name"] in ("type", "status", "source") and f["types"] == ["String"]:
            match = _DISCRIMINATOR_RE.search(f["description"])
            if match:
                return f["name"], match.group(1)
    return None


def _type_name(value: Any) -> str:
    names = {bool: "Boolean", int: "Integer", float: "Float", str: "String", list: "Array"}
    if isinstance(value, UploadedFile):
        return "InputFile"
    return names.get(type(value), "Object" if isinstance(value, dict) else type(value).__name__)


class Spec:
    """Methods and types of one Bot API version, with request validation."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "?")
        self.methods: dict[str, MethodSpec] = {}
        for name, m in raw["methods"].items():
            fields = _fields(m.get("fields"))
            self.methods[name.lower()] = MethodSpec(name, fields, _required(fields))
        self.types: dict[str, _TypeSpec] = {}
        for name, t in raw["types"].items():
            fields = _fields(t["fields"]) if "fields" in t else None
            subtypes = tuple(t.get("subtypes", ()))
            self.types[name] = _TypeSpec(
                name, fields, subtypes, _discriminator(t), _required(fields)
            )

    @classmethod
    def load(cls, path: Path | None) -> Spec | None:
        """Load the spec, or return None when the file is absent (limits still apply).

        A Spec is never changed after loading, so every fake shares one per file version.
        """
        if path is None or not path.is_file():
            return None
        return _load(cls, path.resolve(), path.stat().st_mtime_ns)

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as Telegram does."""
        return self.methods.get(name.lower())

    def validate(self, method: MethodSpec, params: dict[str, Any]) -> None:
        """Raise a 400 ApiError for unknown, missing or wrongly typed parameters."""
        for name in params:
            if name not in method.fields and name not in PTB_DEFAULT_PARAMS:
                # Telegram silently ignores unknown parameters; the fake rejects them so that a
                # typo such as "reply_markup " or "parse_mod" fails a test instead of being lost.
                raise bad_request(f'unknown parameter "{name}" for method {method.name}')
        for name in method.required:
            if params.get(name) in (None, ""):
                raise bad_request("message text is empty" if name == "text" else f"{name} is empty")
        for name, value in params.items():
            if name not in method.fields:
                continue  # one of PTB_DEFAULT_PARAMS, ignored like Telegram does
            error = self.check(value, method.fields[name].types, name)
            if error is not None:
                raise bad_request(error)

    def check(self, value: Any, types: tuple[str, ...], path: str) -> str | None:
        """Return why value fits none of types, or None if it fits one."""
        errors = []
        for type_name in types:
            error = self._check_one(value, type_name, path)
            if error is None:
                return None
            errors.append(error)
        if len(errors) == 1:
            return errors[0]
        # Report the error of the type the value looks most like (the first one on a tie).
        scores = [self._closeness(value, type_name) for type_name in types]
        best = scores.index(max(scores))
        if scores[best] <= 0:
            # No candidate is recognisably what the caller meant: name them all.
            return f'field "{path}" must be {" or ".join(types)}, got {_type_name(value)}'
        return errors[best]

    def _closeness(self, value: Any, type_name: str) -> int:
        """Score how much a dict looks like type_name, to report the most useful error."""
        spec = self.types.get(type_name)
        if not isinstance(value, dict) or spec is None:
            return 0
        if spec.subtypes:
            return max((self._closeness(value, s) for s in spec.subtypes), default=0)
        known = set(spec.fields or {})
        # Recognised keys count double, so one typo next to a right key still points here.
        score = 2 * len(value.keys() & known) - len(value.keys() - known)
        if spec.discriminator and value.get(spec.discriminator[0]) == spec.discriminator[1]:
            # A matching type wins; the keys decide between types sharing one (photo, cached).
            return 1000 + score
        return score

    def _check_one(self, value: Any, type_name: str, path: str) -> str | None:
        if type_name.startswith(_ARRAY_PREFIX):
            if not isinstance(value, list):
                return f'field "{path}" must be an Array, got {_type_name(value)}'
            inner = (type_name.removeprefix(_ARRAY_PREFIX),)
            for index, item in enumerate(value):
                error = self.check(item, inner, f"{path}[{index}]")
                if error is not None:
                    return error
            return None
        ok = _SCALARS.get(type_name)
        if ok is not None:
            if ok(value):
                return None
            return f'field "{path}" must be {type_name}, got {_type_name(value)}'
        return self._check_object(value, type_name, path)

    def _check_object(self, value: Any, type_name: str, path: str) -> str | None:
        spec = self.types.get(type_name)
        if spec is None:
            return f'field "{path}" has unknown type {type_name}'
        if spec.subtypes:
            if isinstance(value, dict):
                # Prefer the subtypes whose discriminator matches, for a precise error; several
                # may (InlineQueryResultPhoto and InlineQueryResultCachedPhoto are both "photo").
                matching = tuple(
                    sub
                    for sub in spec.subtypes
                    if (disc := self.types[sub].discriminator) and value.get(disc[0]) == disc[1]
                )
                if matching:
                    return self.check(value, matching, path)
                discs = {self.types[sub].discriminator for sub in spec.subtypes}
                keys = {disc[0] for disc in discs if disc}
                if None not in discs and len(keys) == 1:
                    key = keys.pop()
                    allowed = ", ".join(sorted({disc[1] for disc in discs if disc}))
                    return f'field "{path}.{key}" must be one of {allowed} in {type_name}'
            return self.check(value, spec.subtypes, path)
        if not isinstance(value, dict):
            return f'field "{path}" must be a JSON object ({type_name}), got {_type_name(value)}'
        fields = spec.fields or {}
        for key in value:
            if key not in fields:
                return f'unknown field "{path}.{key}" in {type_name}'
        for name in spec.required:
            if name not in value:
                return f'field "{path}.{name}" is required in {type_name}'
        if spec.discriminator:
            key, expected = spec.discriminator
            if value.get(key) != expected:
                return f'field "{path}.{key}" must be "{expected}" in {type_name}'
        for key, item in value.items():
            error = self.check(item, fields[key].types, f"{path}.{key}")
            if error is not None:
                return error
        return None


@functools.cache
def _load(cls: type[Spec], path: Path, mtime_ns: int) -> Spec:
    return cls(json.loads(path.read_text(encoding="utf-8")))
