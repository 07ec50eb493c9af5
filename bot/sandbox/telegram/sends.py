"""Bot API methods that send new messages: text, documents, photos, locations, venues."""

from __future__ import annotations

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
from .models import SentMessage
from .state import World, now, parse_formatted

__all__ = ["SEND_HANDLERS", "VENUE_KEYS", "set_location", "set_venue"]

Params = dict[str, Any]
# The fields of a venue, in sendVenue, InputVenueMessageContent and InlineQueryResultVenue.
VENUE_KEYS = (
    "latitude",
    "longitude",
    "title",
    "address",
    "foursquare_id",
    "foursquare_type",
    "google_place_id",
    "google_place_type",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _send(world: World, p: Params, kind: str, text_key: str | None) -> SentMessage:
    """Run the checks every send method shares and store the new message."""
    chat = world.chat_for_sending(p["chat_id"])
    thread_id = world.check_thread(chat, p.get("message_thread_id"))
    raw = p.get(text_key) if text_key else None
    text: str | None = None
    entities: list[dict[str, Any]] = []
    if raw is not None:
        entities_key = "entities" if kind == "text" else "caption_entities"
        text, entities = parse_formatted(raw, p.get("parse_mode"), p.get(entities_key))
        if kind == "text":
            check_text(text)
        else:
            check_caption(text)
    check_reply_markup(p.get("reply_markup"), private_chat=chat.is_private)
    reply_to = world.reply_target(chat, p.get("reply_parameters"))
    world.spend_flood(chat)
    return SentMessage(
        chat_id=chat.id,
        message_id=world.new_message_id(chat.id),
        kind=kind,
        date=now(),
        chat=chat.to_chat(),
        sender=world.bot_from,
        thread_id=thread_id,
        text=text,
        html=raw,
        parse_mode=p.get("parse_mode") if raw is not None else None,
        entities=entities,
        reply_markup=p.get("reply_markup"),
        reply_to=reply_to,
    )


def send_message(world: World, p: Params) -> Any:
    """Handle sendMessage."""
    return world.add_bot_message(_send(world, p, "text", "text")).to_api()


def send_document(world: World, p: Params) -> Any:
    """Handle sendDocument (multipart upload, file_id or URL)."""
    stored = world.store_upload(p["document"], "document")
    message = _send(world, p, "document", "caption")
    upload = stored.upload
    message.document = upload.as_dict()
    message.media = {
        "document": {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": upload.filename,
            "mime_type": upload.mime,
            "file_size": len(upload.content),
        }
    }
    return world.add_bot_message(message).to_api()


def send_photo(world: World, p: Params) -> Any:
    """Handle sendPhoto."""
    stored = world.store_upload(p["photo"], "photo")
    message = _send(world, p, "photo", "caption")
    message.photo = stored.upload.as_dict()
    size = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    message.media = {"photo": [{**size, "width": stored.width, "height": stored.height}]}
    return world.add_bot_message(message).to_api()


def send_location(world: World, p: Params) -> Any:
    """Handle sendLocation."""
    check_coordinates(p["latitude"], p["longitude"])
    message = _send(world, p, "location", None)
    set_location(message, p)
    return world.add_bot_message(message).to_api()


def send_venue(world: World, p: Params) -> Any:
    """Handle sendVenue."""
    check_venue(p)
    message = _send(world, p, "venue", None)
    set_venue(message, p)
    return world.add_bot_message(message).to_api()


def set_location(message: SentMessage, source: Params) -> None:
    """Make message a location message at source's latitude and longitude."""
    message.location = {
        "latitude": float(source["latitude"]),
        "longitude": float(source["longitude"]),
    }
    message.media = {"location": dict(message.location)}


def set_venue(message: SentMessage, source: Params) -> None:
    """Make message a venue message from source's venue fields (already checked)."""
    venue = {key: source[key] for key in VENUE_KEYS if source.get(key) is not None}
    venue["latitude"], venue["longitude"] = float(venue["latitude"]), float(venue["longitude"])
    message.venue = venue
    location = {"latitude": venue["latitude"], "longitude": venue["longitude"]}
    api_venue = {k: v for k, v in venue.items() if k not in ("latitude", "longitude")}
    # Telegram sets "location" next to "venue" in a Message, for older clients.
    message.media = {"venue": {"location": location, **api_venue}, "location": dict(location)}


def send_chat_action(world: World, p: Params) -> Any:
    """Handle sendChatAction."""
    chat = world.chat_for_sending(p["chat_id"])
    world.check_thread(chat, p.get("message_thread_id"))
    if p["action"] not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


SEND_HANDLERS: dict[str, Callable[[World, Params], Any]] = {
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendLocation": send_location,
    "sendVenue": send_venue,
    "sendChatAction": send_chat_action,
}
