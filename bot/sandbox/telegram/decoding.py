"""Turn an HTTP request into Bot API parameters, the way Telegram reads what PTB sends."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .errors import bad_request
from .spec import MethodSpec, UploadedFile

__all__ = ["decode_form", "decode_request"]

# Without the spec, these parameters must stay strings even if they look like JSON ("123").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "language_code",
        "url",
        "name",
        "title",
        "action",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "icon_custom_emoji_id",
        "file_id",
        "document",
        "photo",
        "description",
        "short_description",
        "inline_query_id",
        "next_offset",
        "address",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
    }
)


async def decode_request(request: web.Request, method: MethodSpec | None) -> dict[str, Any]:
    """Collect parameters from the query string and a form, multipart or JSON body."""
    params: dict[str, Any] = {k: decode_form(method, k, v) for k, v in request.query.items()}
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON encoded request parameters") from exc
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        params.update(body)
        return params
    form = await request.post()
    files: dict[str, UploadedFile] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            content = value.file.read()
            files[key] = UploadedFile(value.filename, content, value.content_type)
        else:
            params[key] = decode_form(method, key, str(value))
    for key, upload in files.items():
        if method is None or key in method.fields:
            params[key] = upload
        elif f"attach://{key}" not in json.dumps(params, default=repr):
            raise bad_request(f'unknown file part "{key}" (not referenced as attach://{key})')
    # Top-level "attach://name" values stand for the uploaded part of that name.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part not in files:
                raise bad_request(f"file part {part!r} of {key} is missing")
            params[key] = files[part]
    return params


def decode_form(method: MethodSpec | None, name: str, raw: str) -> Any:
    """Decode one form value the way PTB encoded it: JSON unless the parameter is a string."""
    field = method.fields.get(name) if method is not None else None
    if field is not None:
        if field.textual:
            return raw
    elif name in _STRING_PARAMS:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    # PTB never JSON-encodes strings, so a JSON string result means the raw text was meant.
    return raw if isinstance(value, str) else value
