"""/infopunt (/infopoint): the nearest information point by location, by wijk, or by search."""

from __future__ import annotations

import enum

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.context import BuurtContext
from bot.i18n import N_, Html
from handlers.common import Caller, close_buttons, identify, is_private, shorten
from handlers.infopoints.render import details, details_keyboard, result_keyboard, summary
from handlers.keyboards import deep_link, location_keyboard, rows, wijk_keyboard
from handlers.onboarding import send_all
from handlers.wijk_picker import Messages
from models.areas import get_wijk, list_wijken, locate
from models.errors import NotFound
from models.groups import link_of_chat
from models.infopoint_search import PointSearch
from models.infopoints import get_point, nearest, points_in_wijk
from models.people import Role

MAX_RESULTS = 10
MAX_FOUND = 200  # counted for "and N more"
SEARCH = PointSearch()


class State(enum.IntEnum):
    CHOOSE = 1
    SEARCH = 2


async def open_infopoints(update: Update, context: BuurtContext) -> State | int:
    """Offer: share a location, pick a wijk, or search; in a group, list the group's wijk."""
    if not is_private(update):
        await list_for_group(update, context)
        return ConversationHandler.END
    async with context.session() as session:
        caller = await identify(session, update, context)
        admin = caller.roles.has(Role.ADMIN)
    t = caller.t
    buttons = [
        InlineKeyboardButton(t("infopoint.by_wijk"), callback_data="ip:wijken"),
        InlineKeyboardButton(t("infopoint.by_search"), callback_data="ip:search"),
    ]
    if admin:
        buttons.append(InlineKeyboardButton(t("infopoint.add_button"), callback_data="ip:add"))
    messages: Messages = [
        (t("infopoint.ask"), rows(buttons, per_row=2)),
        (t("infopoint.or_location"), location_keyboard(t)),
    ]
    await send_all(update, context, messages)
    return State.CHOOSE


async def results(
    session: AsyncSession, caller: Caller, context: BuurtContext, found: list, *, empty_key: str
) -> Messages:
    """Render points (or (point, distance) pairs) as one message each, with buttons."""
    now, tz = context.now(), context.config.bot.tz
    messages: Messages = []
    for item in found[:MAX_RESULTS]:
        point, metres = (item.point, item.distance_m) if hasattr(item, "point") else (item, None)
        messages.append(
            (summary(caller.t, point, now, tz, metres), result_keyboard(caller.t, point))
        )
    if not messages:
        messages.append((caller.t(empty_key), None))
    elif len(found) > MAX_RESULTS:
        messages.append((caller.t("infopoint.more", count=len(found) - MAX_RESULTS), None))
    return messages


async def receive_location(update: Update, context: BuurtContext) -> int:
    """Show the three nearest points, and the ones in this wijk that have no map location."""
    message = update.effective_message
    assert message is not None
    assert message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    async with context.session() as session:
        caller = await identify(session, update, context)
        t = caller.t
        found = await nearest(session, latitude=lat, longitude=lon, count=3)
        messages: Messages = [(t("infopoint.nearest_title"), ReplyKeyboardRemove())]
        messages += await results(
            session, caller, context, found, empty_key=N_("infopoint.none_near")
        )
        placement = await locate(session, latitude=lat, longitude=lon)
        if placement.wijk is not None:
            without = await points_in_wijk(session, placement.wijk.id, without_location_only=True)
            if without:
                messages.append((t("infopoint.without_location", wijk=placement.wijk.name), None))
                messages += await results(
                    session, caller, context, without, empty_key=N_("infopoint.none")
                )
    await send_all(update, context, messages)
    return ConversationHandler.END


async def show_wijken(update: Update, context: BuurtContext) -> State:
    """Offer the wijken as buttons."""
    query = update.callback_query
    assert query is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        wijken = await list_wijken(session)
    await query.answer()
    await close_buttons(update)
    keyboard = wijk_keyboard(wijken, "ip:wijk:")
    await send_all(update, context, [(caller.t("infopoint.choose_wijk"), keyboard)])
    return State.CHOOSE


async def show_wijk(update: Update, context: BuurtContext) -> int:
    """List every point of a wijk."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        wijk = await get_wijk(session, int(context.match.group(1)))
        if wijk is None:
            messages: Messages = [(caller.t("error.not_found"), None)]
        else:
            points = await points_in_wijk(session, wijk.id)
            messages = [
                (
                    caller.t("infopoint.wijk_title", wijk=wijk.name, count=len(points)),
                    ReplyKeyboardRemove(),
                )
            ]
            messages += await results(
                session, caller, context, points, empty_key=N_("infopoint.none_in_wijk")
            )
    await query.answer()
    await close_buttons(update)
    await send_all(update, context, messages)
    return ConversationHandler.END


async def ask_search(update: Update, context: BuurtContext) -> State:
    """Ask what to search for."""
    query = update.callback_query
    assert query is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
    await query.answer()
    await close_buttons(update)
    await send_all(update, context, [(caller.t("infopoint.search_prompt"), ReplyKeyboardRemove())])
    return State.SEARCH


async def search(update: Update, context: BuurtContext) -> int:
    """Search by name, organisation, kind or service; typos are forgiven."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "")[:200]
    async with context.session() as session:
        caller = await identify(session, update, context)
        found = await SEARCH.search(session, text, limit=MAX_FOUND)
        if found:
            messages = await results(
                session, caller, context, found, empty_key=N_("infopoint.none")
            )
        else:
            messages = [(caller.t("infopoint.none_found", text=shorten(text)), None)]
    await send_all(update, context, messages)
    return ConversationHandler.END


async def show_details(update: Update, context: BuurtContext) -> None:
    """Show everything about a point, with a mistake report (and admin) buttons."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        admin = caller.roles.has(Role.ADMIN)
        try:
            point = await get_point(session, int(context.match.group(1)))
        except NotFound:
            point = None
        text = details(caller.t, point, context.now(), context.config.bot.tz) if point else None
    if point is None or text is None:
        await query.answer(caller.t("error.not_found"))
        return
    await query.answer()
    # Admin buttons only in the private chat: a group sees the same facts, not the tools.
    keyboard = details_keyboard(caller.t, point, admin=admin and is_private(update))
    await send_all(update, context, [(text, keyboard)])


async def open_from_link(update: Update, context: BuurtContext) -> None:
    """/start ip_<n>: show a point's details (from a shared card's button)."""
    assert context.args is not None
    point_id = int(context.args[0].split("_", 1)[1])
    async with context.session() as session:
        caller = await identify(session, update, context)
        admin = caller.roles.has(Role.ADMIN)
        try:
            point = await get_point(session, point_id)
        except NotFound:
            point = None
        if point is None:
            messages: Messages = [(caller.t("error.not_found"), None)]
        else:
            text = details(caller.t, point, context.now(), context.config.bot.tz)
            messages = [(text, details_keyboard(caller.t, point, admin=admin))]
    await send_all(update, context, messages)


async def send_venue(update: Update, context: BuurtContext) -> None:
    """Send the point as a venue, which opens in a map app."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert update.effective_chat is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        try:
            point = await get_point(session, int(context.match.group(1)))
        except NotFound:
            point = None
    if point is None or not point.has_location:
        await query.answer(caller.t("error.not_found"))
        return
    await query.answer()
    await context.bot.send_venue(
        update.effective_chat.id,
        latitude=point.latitude,
        longitude=point.longitude,
        title=point.name[:200],
        address=(point.address or point.name)[:200],
        message_thread_id=update.effective_message.message_thread_id
        if update.effective_message
        else None,
    )


async def list_for_group(update: Update, context: BuurtContext) -> None:
    """In a group: the points of the group's wijk, in one message."""
    message = update.effective_message
    assert message is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        link = await link_of_chat(session, message.chat.id, message.message_thread_id)
        points = await points_in_wijk(session, link.wijk_id) if link else []
        wijk = await get_wijk(session, link.wijk_id) if link else None
        now, tz = context.now(), context.config.bot.tz
        t = caller.t
        parts = [summary(t, p, now, tz) for p in points[:MAX_RESULTS]]
    button = InlineKeyboardButton(
        t("infopoint.open_private"), url=deep_link(context.bot.username, "infopunt")
    )
    if wijk is None:
        text = t("infopoint.group_not_linked")
    elif not parts:
        text = t("infopoint.none_in_wijk")
    else:
        text = Html(
            "\n\n".join([t("infopoint.wijk_title", wijk=wijk.name, count=len(points)), *parts])
        )
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup([[button]]))
