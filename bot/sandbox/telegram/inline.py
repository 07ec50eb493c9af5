"""Inline mode on the bot's side: answerInlineQuery and the checks Telegram runs on results.

The spec check (spec.py) already matches every result against the InlineQueryResult subtypes;
this module adds what the spec cannot express: counts, ids, HTML, coordinates, keyboards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request
from .limits import (
    check_caption,
    check_coordinates,
    check_reply_markup,
    check_text,
    check_venue,
)
from .state import World, parse_formatted

__all__ = ["INLINE_HANDLERS", "QUERY_INVALID", "check_inline_results", "check_message_content"]

Params = dict[str, Any]
MAX_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_NEXT_OFFSET_BYTES = 64
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
# InlineQueryResultsButton.start_parameter: what a /start deep link may carry.
_START_PARAMETER_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def answer_inline_query(world: World, p: Params) -> Any:
    """Handle answerInlineQuery: each inline query can be answered once."""
    record = world.inline_queries.get(str(p["inline_query_id"]))
    if record is None or record.answered:
        raise bad_request(QUERY_INVALID)
    results = p["results"]
    if not isinstance(results, list):
        raise bad_request('field "results" must be an Array')
    check_inline_results(results)
    next_offset = str(p.get("next_offset") or "")
    if len(next_offset.encode("utf-8")) > MAX_NEXT_OFFSET_BYTES:
        raise bad_request("NEXT_OFFSET_INVALID")
    if p.get("button") is not None:
        _check_button(p["button"])
    record.answer = {
        "inline_query_id": record.id,
        "user_id": record.user_id,
        "query": record.query,
        "offset": record.offset,
        "chat_type": record.chat_type,
        "results": results,
        "cache_time": p.get("cache_time"),
        "is_personal": bool(p.get("is_personal", False)),
        "next_offset": next_offset,
        "button": p.get("button"),
    }
    world.inline_answers.append((record.user_id, record.answer))
    world.notify()
    return True


def check_inline_results(results: list[Any]) -> None:
    """Enforce Telegram's rules for the results of one answer."""
    if len(results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict):
            raise bad_request("RESULT_TYPE_INVALID")
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode("utf-8")) <= MAX_RESULT_ID_BYTES:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        _check_result(result)


def _check_result(result: dict[str, Any]) -> None:
    kind = result.get("type")
    if kind == "article" and not str(result.get("title") or "").strip():
        raise bad_request("ARTICLE_TITLE_EMPTY")
    if kind == "venue":
        check_venue(result)
    elif kind == "location":
        check_coordinates(result["latitude"], result["longitude"])
    if result.get("caption") is not None:
        caption, _ = parse_formatted(
            result["caption"], result.get("parse_mode"), result.get("caption_entities")
        )
        check_caption(caption)
    content = result.get("input_message_content")
    if content is not None:
        check_message_content(content)
    elif kind == "article":
        raise bad_request("MESSAGE_EMPTY")
    # Only an inline keyboard fits here (the spec check refuses reply keyboards).
    check_reply_markup(result.get("reply_markup"), private_chat=False)


def check_message_content(content: dict[str, Any]) -> None:
    """Check an InputMessageContent as the matching send method would check it."""
    if "message_text" in content:
        text, _ = parse_formatted(
            content["message_text"], content.get("parse_mode"), content.get("entities")
        )
        check_text(text)
    elif "address" in content:
        check_venue(content)
    elif "latitude" in content:
        check_coordinates(content["latitude"], content["longitude"])
    elif "phone_number" in content and not str(content["phone_number"]).strip():
        raise bad_request("phone_number is empty")


def _check_button(button: dict[str, Any]) -> None:
    if not str(button.get("text") or "").strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in ("web_app", "start_parameter") if button.get(key) is not None]
    if len(actions) != 1:
        raise bad_request(
            "InlineQueryResultsButton must have exactly one of web_app and start_parameter"
        )
    start = button.get("start_parameter")
    if start is not None and not _START_PARAMETER_RE.fullmatch(str(start)):
        raise bad_request("START_PARAM_INVALID")


INLINE_HANDLERS: dict[str, Callable[[World, Params], Any]] = {
    "answerInlineQuery": answer_inline_query,
}
