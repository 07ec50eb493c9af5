"""Bot API methods that edit, delete and pin messages or answer button presses.

The methods that send new messages live in sends.py; MESSAGE_HANDLERS includes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .limits import check_callback_answer, check_caption, check_reply_markup, check_text
from .models import SentMessage
from .sends import SEND_HANDLERS
from .state import World, now, parse_formatted

if TYPE_CHECKING:
    from .groups import FakeGroup
    from .users import FakeUser

__all__ = ["MESSAGE_HANDLERS"]

Params = dict[str, Any]
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _message_to_edit(world: World, p: Params) -> tuple[FakeUser | FakeGroup, SentMessage]:
    if "inline_message_id" in p:  # a chosen inline result with an inline keyboard
        inline = world.inline_messages.get(str(p["inline_message_id"]))
        if inline is None or inline.deleted:
            raise bad_request("MESSAGE_ID_INVALID")
        return world.chat(inline.chat_id), inline
    if "chat_id" not in p or "message_id" not in p:
        raise bad_request("message identifier is not specified")
    chat = world.chat_for_sending(p["chat_id"])
    message = world.live_bot_message(chat.id, p["message_id"])
    if message is None:
        if (chat.id, p["message_id"]) in world.user_messages:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return chat, message


def _apply_edit(
    world: World,
    chat: FakeUser | FakeGroup,
    message: SentMessage,
    p: Params,
    text_key: str | None,
) -> Any:
    """Apply a new text/caption (when text_key is set) and markup, or refuse a no-op edit."""
    markup = p.get("reply_markup")
    check_reply_markup(markup, private_chat=chat.is_private)
    text, entities = message.text, message.entities
    if text_key is not None:
        raw = p.get(text_key)
        entities_key = "entities" if text_key == "text" else "caption_entities"
        if raw is None:
            text, entities = None, []
        else:
            text, entities = parse_formatted(raw, p.get("parse_mode"), p.get(entities_key))
            (check_text if text_key == "text" else check_caption)(text)
    # Telegram compares the rendered result, so <b> vs <strong> is still "not modified".
    if (text, entities, markup) == (message.text, message.entities, message.inline_markup):
        raise bad_request(_NOT_MODIFIED)
    world.spend_flood(chat)
    message.edits.append(message.snapshot())
    if text_key is not None:
        message.text, message.entities = text, entities
        message.html = p.get(text_key)
        message.parse_mode = p.get("parse_mode")
    # An edit without reply_markup removes the inline keyboard, as on Telegram.
    message.reply_markup = markup
    message.edit_date = now()
    if message.via_bot is not None:  # an inline message: keep replies to it current
        world.user_messages[(message.chat_id, message.message_id)] = message.to_api()
        world.notify()
        return True  # as Telegram answers edits by inline_message_id
    world.notify()
    return message.to_api()


def edit_message_text(world: World, p: Params) -> Any:
    """Handle editMessageText."""
    chat, message = _message_to_edit(world, p)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(world, chat, message, p, "text")


def edit_message_caption(world: World, p: Params) -> Any:
    """Handle editMessageCaption."""
    chat, message = _message_to_edit(world, p)
    if message.kind not in ("document", "photo"):
        raise bad_request("there is no caption in the message to edit")
    return _apply_edit(world, chat, message, p, "caption")


def edit_message_reply_markup(world: World, p: Params) -> Any:
    """Handle editMessageReplyMarkup."""
    chat, message = _message_to_edit(world, p)
    return _apply_edit(world, chat, message, p, None)


def delete_message(world: World, p: Params) -> Any:
    """Handle deleteMessage."""
    chat = world.chat(p["chat_id"])
    key = (chat.id, p["message_id"])
    message = world.live_bot_message(*key)
    if message is not None:
        message.deleted = True
        world.notify()
        return True
    if key not in world.user_messages:
        raise bad_request("message to delete not found")
    if not chat.bot_has_right("can_delete_messages"):
        raise bad_request("message can't be deleted")
    del world.user_messages[key]
    via = _via_message(world, *key)
    if via is not None:
        via.deleted = True
    world.notify()
    return True


def _via_message(world: World, chat_id: int, message_id: int) -> SentMessage | None:
    """Return the live message a user sent via the bot (a chosen inline result) with this id."""
    for message in world.messages_in(chat_id):
        if message.via_bot is not None and message.message_id == message_id:
            return None if message.deleted else message
    return None


def _pin_rights(world: World, chat_id: Any) -> FakeUser | FakeGroup:
    chat = world.chat_for_sending(chat_id)
    if not chat.bot_has_right("can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    return chat


def pin_chat_message(world: World, p: Params) -> Any:
    """Handle pinChatMessage (bot messages; user messages are accepted but not tracked)."""
    chat = _pin_rights(world, p["chat_id"])
    message = world.live_bot_message(chat.id, p["message_id"])
    message = message or _via_message(world, chat.id, p["message_id"])
    if message is None and (chat.id, p["message_id"]) not in world.user_messages:
        raise bad_request("message to pin not found")
    if message is not None:
        message.pinned = True
        world.notify()
    return True


def unpin_chat_message(world: World, p: Params) -> Any:
    """Handle unpinChatMessage (a given message, or the most recently pinned one)."""
    chat = _pin_rights(world, p["chat_id"])
    pinned = [m for m in world.messages_in(chat.id) if m.pinned and not m.deleted]
    if "message_id" in p:
        pinned = [m for m in pinned if m.message_id == p["message_id"]]
        if not pinned:
            raise bad_request("message to unpin not found")
    if pinned:
        pinned[-1].pinned = False
        world.notify()
    return True


def answer_callback_query(world: World, p: Params) -> Any:
    """Handle answerCallbackQuery: each query can be answered once."""
    record = world.callback_queries.get(p["callback_query_id"])
    if record is None or record.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    check_callback_answer(p.get("text"))
    record.answer = {
        "callback_query_id": record.id,
        "text": p.get("text"),
        "show_alert": bool(p.get("show_alert", False)),
        "url": p.get("url"),
        "cache_time": p.get("cache_time"),
    }
    world.answers.append((record.user_id, record.answer))
    world.notify()
    return True


MESSAGE_HANDLERS: dict[str, Callable[[World, Params], Any]] = {
    **SEND_HANDLERS,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "pinChatMessage": pin_chat_message,
    "unpinChatMessage": unpin_chat_message,
    "answerCallbackQuery": answer_callback_query,
}
