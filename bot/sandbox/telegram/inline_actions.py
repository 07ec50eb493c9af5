"""Inline mode on the user's side: type "@bot query", then send one of the bot's results."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .models import InlineQueryRecord, SentMessage
from .sends import set_location, set_venue
from .state import now, parse_formatted

if TYPE_CHECKING:
    from .groups import FakeGroup
    from .state import World
    from .users import FakeUser

__all__ = ["post_inline_result", "send_inline_query"]

MAX_QUERY = 256  # Telegram clients send at most 256 characters of inline query
_CHAT_TYPES = frozenset({"sender", "private", "group", "supergroup", "channel"})


def send_inline_query(world: World, user: FakeUser, query: str, chat_type: str, offset: str) -> str:
    """Queue an inline_query update from user; return the query id."""
    username = world.bot_user["username"]
    if not world.bot_user.get("supports_inline_queries"):
        raise ValueError(
            f"@{username} has inline mode off (FakeTelegram(inline_mode=False)); Telegram "
            "sends it no inline queries"
        )
    if chat_type not in _CHAT_TYPES:
        raise ValueError(f"chat_type must be one of {sorted(_CHAT_TYPES)}, not {chat_type!r}")
    if len(query) > MAX_QUERY:
        raise ValueError(f"an inline query has at most {MAX_QUERY} characters")
    query_id = world.new_query_id()
    payload = {
        "id": query_id,
        "from": user.to_api(),
        "query": query,
        "offset": offset,
        "chat_type": chat_type,
    }
    if world.enqueue_update("inline_query", payload):
        record = InlineQueryRecord(query_id, user.id, query, offset, chat_type, time.monotonic())
        world.inline_queries[query_id] = record
    return query_id


def post_inline_result(
    world: World,
    user: FakeUser,
    answer: dict[str, Any],
    result_id: str,
    group: FakeGroup | None,
) -> SentMessage:
    """Post the chosen result into group (or user's chat with the bot) as a message via the bot."""
    record = world.inline_queries.get(str(answer.get("inline_query_id")))
    if record is None or record.user_id != user.id or record.answer is None:
        raise ValueError(f"{answer!r} is no answer to an inline query of {user!r}")
    results = {str(r["id"]): r for r in record.answer["results"]}
    result = results.get(str(result_id))
    if result is None:
        available = [f"{rid!r} ({r.get('title', r['type'])!r})" for rid, r in results.items()]
        raise LookupError(
            f"no result {result_id!r} in the answer to {record.query!r}; available: "
            f"{', '.join(available) or 'none'}"
        )
    expected = ("group", "supergroup") if group is not None else ("private",)
    if record.chat_type not in expected:
        where = "a group" if group is not None else "the private chat with the bot"
        raise ValueError(
            f"the query was typed in a {record.chat_type!r} chat, not in {where}; pass "
            f"chat_type={expected[-1]!r} to inline_query"
        )
    chat: FakeUser | FakeGroup = user if group is None else group
    if group is not None and user not in group.members:
        raise ValueError(f"{user!r} is not a member of {group!r}; use add_member")
    message = SentMessage(
        chat_id=chat.id,
        message_id=world.new_message_id(chat.id),
        kind="text",
        date=now(),
        chat=chat.to_chat(),
        sender=user.to_api(),
        via_bot=world.bot_from,
        reply_markup=result.get("reply_markup"),
    )
    _fill_content(message, result)
    if message.inline_markup is not None:
        # Telegram identifies such a message to the bot by inline_message_id only.
        message.inline_message_id = f"AgAAA{world.new_query_id()}"
    world.add_bot_message(message)
    payload = message.to_api()
    if group is None or group.bot_sees(payload):
        world.enqueue_update("message", payload)
    return message


def _fill_content(message: SentMessage, result: dict[str, Any]) -> None:
    """Give message the content of result: its input_message_content, or the result itself."""
    content = result.get("input_message_content")
    source = content if content is not None else result
    if content is not None and "message_text" in content:
        raw = content["message_text"]
        parse_mode = content.get("parse_mode")
        message.text, message.entities = parse_formatted(raw, parse_mode, content.get("entities"))
        message.html, message.parse_mode = raw, parse_mode
    elif "address" in source and "title" in source:
        message.kind = "venue"
        set_venue(message, source)
    elif "latitude" in source:
        message.kind = "location"
        set_location(message, source)
    elif "phone_number" in source:
        message.kind = "contact"
        keys = ("phone_number", "first_name", "last_name", "vcard")
        message.media = {"contact": {k: source[k] for k in keys if source.get(k) is not None}}
    else:
        raise ValueError(
            f"the fake cannot post a {result.get('type')!r} result without text, venue, "
            "location or contact input_message_content"
        )
