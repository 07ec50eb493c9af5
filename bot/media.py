"""Photos and files: read them from a person's message, and send them on by their file_id.

The bot never downloads what people send: Telegram keeps the file and its file_id is enough to
send it again, to anyone, as often as needed.
"""

from __future__ import annotations

import enum
import html
import re
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message

CAPTION_MAX = 1024  # Telegram's limit, in UTF-16 code units of the text after HTML parsing
_TAG_RE = re.compile(r"<[^>]*>")


class Media(enum.StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True)
class Incoming:
    """A photo or file a person sent, with its caption as typed (plain text, may be empty)."""

    kind: Media
    file_id: str
    caption: str


def incoming(message: Message) -> Incoming | None:
    """Return the photo (largest size) or file in a message, if there is one."""
    caption = (message.caption or "").strip()
    if message.photo:
        return Incoming(Media.PHOTO, message.photo[-1].file_id, caption)
    if message.document is not None:
        return Incoming(Media.DOCUMENT, message.document.file_id, caption)
    return None


def visible_length(text: str) -> int:
    """Count what Telegram counts for a caption: UTF-16 code units of the text without tags."""
    plain = html.unescape(_TAG_RE.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def fits_caption(text: str) -> bool:
    """Tell whether HTML text fits in a caption."""
    return visible_length(text) <= CAPTION_MAX


async def send_media(
    bot: Bot,
    chat_id: int,
    kind: Media | str,
    file_id: str,
    caption: str | None,
    *,
    thread_id: int | None = None,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send a photo or file by file_id, with an HTML caption (None or "" for none)."""
    if Media(kind) is Media.PHOTO:
        return await bot.send_photo(
            chat_id,
            file_id,
            caption=caption or None,
            message_thread_id=thread_id,
            reply_markup=reply_markup,
        )
    return await bot.send_document(
        chat_id,
        file_id,
        caption=caption or None,
        message_thread_id=thread_id,
        reply_markup=reply_markup,
    )
