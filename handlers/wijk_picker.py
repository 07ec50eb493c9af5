"""Choosing a home wijk: from buttons, a shared location or a typed name.

Onboarding (callback prefix ``ob:``) and settings (``set:``) share these steps; the prefix
decides which feature handles the button that the person presses next.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, ReplyKeyboardRemove

from bot.i18n import Html, Translator
from handlers.common import Markup, shorten
from handlers.keyboards import location_keyboard, placement_keyboard, rows, wijk_keyboard
from models.areas import Placement, find_wijk_by_name, list_wijken, locate

Messages = list[tuple[Html, Markup]]


def pick_data(mode: str) -> tuple[str, str]:
    """Return the callback prefix of a wijk button, and the data of "show the list"."""
    return f"{mode}:wijk:", f"{mode}:wijken"


async def wijk_prompt(session: AsyncSession, t: Translator, mode: str) -> Messages:
    """Ask for the home wijk: a list of buttons, and a button to share the location."""
    prefix, _ = pick_data(mode)
    wijken = await list_wijken(session)
    return [
        (t("wijk.choose"), wijk_keyboard(wijken, prefix)),
        (t("wijk.or_location"), location_keyboard(t)),
    ]


def placement_text(t: Translator, placement: Placement) -> Html:
    """Say where a shared location lies."""
    if placement.wijk is not None and placement.buurt is not None:
        return t("wijk.located_buurt", wijk=placement.wijk.name, buurt=placement.buurt.name)
    if placement.wijk is not None:
        return t("wijk.located", wijk=placement.wijk.name)
    if placement.nearest is None:
        return t("wijk.none_configured")
    km = placement.distance_m / 1000
    distance = f"{km:.1f}" if km < 10 else f"{km:.0f}"
    if t.language == "nl":
        distance = distance.replace(".", ",")
    return t("wijk.outside", wijk=placement.nearest.name, km=distance)


async def location_reply(
    session: AsyncSession, t: Translator, mode: str, *, latitude: float, longitude: float
) -> Messages:
    """Place a shared location and ask to confirm its wijk."""
    placement = await locate(session, latitude=latitude, longitude=longitude)
    prefix, list_data = pick_data(mode)
    # The thanks also takes away the "share location" keyboard, which has done its job.
    messages: Messages = [(t("wijk.location_thanks"), ReplyKeyboardRemove())]
    if placement.nearest is None:
        return [*messages, (placement_text(t, placement), None)]
    keyboard = placement_keyboard(t, placement, prefix, list_data)
    return [*messages, (placement_text(t, placement), keyboard)]


async def name_reply(session: AsyncSession, t: Translator, mode: str, text: str) -> Messages:
    """Match a typed wijk name; ask to confirm it, or show the list."""
    prefix, list_data = pick_data(mode)
    wijk = await find_wijk_by_name(session, text)
    if wijk is None:
        wijken = await list_wijken(session)
        return [(t("wijk.unknown_name", text=shorten(text)), wijk_keyboard(wijken, prefix))]
    keyboard = rows(
        [
            InlineKeyboardButton(t("wijk.yes"), callback_data=f"{prefix}{wijk.id}"),
            InlineKeyboardButton(t("wijk.other"), callback_data=list_data),
        ],
        per_row=1,
    )
    return [(t("wijk.did_you_mean", wijk=wijk.name), keyboard)]
