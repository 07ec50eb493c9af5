"""What the demo page shows: the fake Telegram's chats as plain JSON.

A chat is the bot's messages and the people's messages merged by message id (Telegram numbers
the messages of a chat in order). Texts go out as plain text plus Telegram's entities, so the
page builds its nodes from text and never parses HTML from the bot.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.telegram import FakeGroup, FakeUser, SentMessage
from bot.sandbox.telegram.chats import text_entities
from bot.sandbox.telegram.state import World

Json = dict[str, Any]

# The entity types the page can style; others stay plain text.
SHOWN_ENTITIES = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "url",
        "blockquote",
        "expandable_blockquote",
        "bot_command",
        "mention",
    }
)


def chat_view(world: World, chat: FakeUser | FakeGroup, owner: FakeUser | None) -> Json:
    """Describe one chat: its messages in order, the pinned one and the reply keyboard."""
    messages: list[tuple[int, Json]] = []
    keyboard: list[list[Json]] | None = None
    pinned: Json | None = None
    for sent in world.messages_in(chat.id):
        if sent.via_bot is not None:
            continue  # the person's own message, listed from user_messages below
        if sent.reply_markup is not None:
            if "keyboard" in sent.reply_markup:
                keyboard = _reply_keyboard(sent.reply_markup)
            elif sent.reply_markup.get("remove_keyboard"):
                keyboard = None
        if sent.deleted:
            continue
        shown = bot_message(chat.id, sent)
        messages.append((sent.message_id, shown))
        if sent.pinned:
            pinned = {"id": sent.message_id, "text": " ".join((sent.text or "").split())[:120]}
    for (chat_id, message_id), message in world.user_messages.items():
        if chat_id == chat.id:
            messages.append((message_id, user_message(message)))
    messages.sort(key=lambda pair: pair[0])
    view: Json = {
        "id": chat.id,
        "kind": "private" if owner is not None else "group",
        "title": owner.first_name if owner is not None else getattr(chat, "title", ""),
        "messages": [m for _, m in messages],
        "keyboard": keyboard,
        "pinned": pinned,
    }
    if isinstance(chat, FakeGroup):
        view["members"] = [{"id": u.id, "name": u.first_name} for u in chat.members]
    return view


def bot_message(chat_id: int, sent: SentMessage) -> Json:
    """Describe a message the bot sent (its current version)."""
    shown: Json = {
        "id": sent.message_id,
        "from": "bot",
        "name": sent.sender.get("first_name", "Bot"),
        "kind": sent.kind,
        "text": sent.text or "",
        "entities": _entities(with_commands(sent.text or "", sent.entities)),
        "buttons": _inline_buttons(sent.buttons),
        "edited": bool(sent.edits),
        "pinned": sent.pinned,
    }
    if sent.document is not None:
        shown["file"] = {
            "name": sent.document["filename"],
            "url": f"/api/file/{chat_id}/{sent.message_id}",
            "size": len(sent.document["content"]),
        }
    if sent.photo is not None:
        shown["photo"] = sent.photo["filename"]
    if sent.location is not None:
        shown["location"] = sent.location
    if sent.venue is not None:
        shown["venue"] = {k: sent.venue.get(k) for k in ("title", "address")}
    return shown


def user_message(message: Json) -> Json:
    """Describe a message a person sent."""
    sender = message.get("from", {})
    shown: Json = {
        "id": message["message_id"],
        "from": "user",
        "user_id": sender.get("id"),
        "name": sender.get("first_name", ""),
        "kind": "text",
        "text": message.get("text") or message.get("caption") or "",
        "entities": _entities(message.get("entities") or message.get("caption_entities") or []),
        "buttons": [],
        "edited": False,
        "pinned": False,
    }
    if "location" in message:
        shown["kind"] = "location"
        shown["location"] = message["location"]
    elif "contact" in message:
        shown["kind"] = "contact"
        shown["contact"] = message["contact"].get("phone_number", "")
    elif "photo" in message:
        shown["kind"] = "photo"
        shown["photo"] = "photo.jpg"
    elif "document" in message:
        shown["kind"] = "document"
        shown["upload"] = message["document"].get("file_name", "file")
    return shown


def with_commands(text: str, entities: list[Json]) -> list[Json]:
    """Add the /commands a Telegram app makes tappable in the bot's text (not in code or links)."""
    plain = ("code", "pre", "url", "text_link")
    added = []
    for found in text_entities(text):
        if found["type"] != "bot_command":
            continue
        start, end = found["offset"], found["offset"] + found["length"]
        clashes = False
        for e in entities:
            e_start, e_end = e["offset"], e["offset"] + e["length"]
            inside = e_start <= start and end <= e_end
            apart = end <= e_start or e_end <= start
            around = start <= e_start and e_end <= end
            if (inside and e["type"] in plain) or not (inside or apart or around):
                clashes = True
        if not clashes:
            added.append(found)
    return [*entities, *added]


def _entities(entities: list[Json]) -> list[Json]:
    """Keep what the page styles: offsets and lengths in UTF-16 units, as JavaScript counts."""
    return [
        {k: e[k] for k in ("type", "offset", "length", "url") if k in e}
        for e in entities
        if e.get("type") in SHOWN_ENTITIES
    ]


def _inline_buttons(rows: list[list[Json]]) -> list[list[Json]]:
    """Describe inline buttons: a callback (pressed through the bot) or a link."""
    shown = []
    for row in rows:
        line = []
        for button in row:
            if "callback_data" in button:
                line.append({"text": button["text"], "data": button["callback_data"]})
            elif "url" in button:
                line.append({"text": button["text"], "url": button["url"]})
            else:  # inline-mode switches, copy_text and the like: shown, not pressable here
                line.append({"text": button["text"]})
        shown.append(line)
    return shown


def _reply_keyboard(markup: Json) -> list[list[Json]]:
    """Describe a reply keyboard: text buttons, and the location and contact requests."""
    rows = []
    for row in markup["keyboard"]:
        line = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            kind = "text"
            if button.get("request_location"):
                kind = "location"
            elif button.get("request_contact"):
                kind = "contact"
            line.append({"text": button["text"], "kind": kind})
        rows.append(line)
    return rows
