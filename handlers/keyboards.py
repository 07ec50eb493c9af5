"""Keyboard builders shared by features."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.i18n import LANGUAGES, Translator, translator
from models.areas import Placement, Wijk


def rows(buttons: Sequence[InlineKeyboardButton], per_row: int = 2) -> InlineKeyboardMarkup:
    """Lay buttons out in rows."""
    return InlineKeyboardMarkup(
        [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]
    )


def language_keyboard(prefix: str) -> InlineKeyboardMarkup:
    """Offer every language, each named in itself."""
    return rows(
        [
            InlineKeyboardButton(translator(code)("language.name"), callback_data=f"{prefix}{code}")
            for code in LANGUAGES
        ]
    )


def wijk_keyboard(
    wijken: Sequence[Wijk],
    prefix: str,
    *,
    suffix: str = "",
    last: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """Offer every wijk as a button (callback data prefix + id + suffix), then the last row.

    Telegram allows 100 buttons on a message, so at most 98 wijken are shown.
    """
    buttons = [
        InlineKeyboardButton(w.name, callback_data=f"{prefix}{w.id}{suffix}") for w in wijken[:98]
    ]
    keyboard = rows(buttons)
    if not last:
        return keyboard
    return InlineKeyboardMarkup([*keyboard.inline_keyboard, list(last)])


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """Show a keyboard button that shares the person's location (private chats only)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t("wijk.share_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def placement_keyboard(
    t: Translator, placement: Placement, prefix: str, list_data: str
) -> InlineKeyboardMarkup:
    """Ask to confirm the wijk found for a location, or to pick another."""
    buttons = []
    target = placement.wijk or placement.nearest
    if target is not None:
        data = f"{prefix}{target.id}"
        if placement.buurt is not None:
            data += f":{placement.buurt.id}"
        label = t("wijk.yes") if placement.wijk else t("wijk.take_nearest", wijk=target.name)
        buttons.append(InlineKeyboardButton(label, callback_data=data))
    buttons.append(InlineKeyboardButton(t("wijk.other"), callback_data=list_data))
    return rows(buttons, per_row=1)


def deep_link(bot_username: str, payload: str = "") -> str:
    """Return a t.me link that opens the private chat (with a /start payload)."""
    link = f"https://t.me/{bot_username}"
    return f"{link}?start={payload}" if payload else link
