"""Keeping the list right: residents report mistakes; admins add, change and hide points."""

from __future__ import annotations

import enum

from telegram import InlineKeyboardButton, ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.context import BuurtContext
from bot.i18n import N_, translator
from handlers.common import Caller, close_buttons, end_flow, identify, identify_with_roles, send
from handlers.infopoints.render import details, details_keyboard
from handlers.keyboards import rows, wijk_keyboard
from handlers.onboarding import send_all
from models import outbox
from models.areas import get_wijk, list_wijken
from models.errors import NotFound
from models.infopoint_io import check_field
from models.infopoints import add_point, get_point, report_mistake
from models.opening_hours import OpeningHoursError
from models.opening_hours import parse as parse_hours
from models.outbox import Kind
from models.people import Role, reachable_admins

REPORT_MAX = 1000
# Fields an admin can change in the chat, with their catalog label.
FIELDS = {
    "name": N_("infopoint.field_name"),
    "street": N_("infopoint.field_street"),
    "house_number": N_("infopoint.field_house_number"),
    "postcode": N_("infopoint.field_postcode"),
    "opening_hours": N_("infopoint.field_hours"),
    "hours_note": N_("infopoint.field_hours_note"),
    "phone": N_("infopoint.field_phone"),
    "website": N_("infopoint.field_website"),
    "note": N_("infopoint.field_note"),
}


class State(enum.IntEnum):
    # Numbered on from find.State: both share one conversation's table of states.
    REPORT = 11
    EDIT_FIELD = 12
    EDIT_VALUE = 13
    ADD_NAME = 14
    ADD_WIJK = 15


async def _admin(update: Update, context: BuurtContext) -> tuple[Caller, bool]:
    """Identify the caller and check, on the server, that they are an admin."""
    caller, roles = await identify_with_roles(update, context)
    return caller, roles.has(Role.ADMIN)


async def start_report(update: Update, context: BuurtContext) -> State | int:
    """Ask what is wrong about a point."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await _admin(update, context)
    context.user_data["infopoint"] = int(context.match.group(1))
    await query.answer()
    await send_all(update, context, [(caller.t("infopoint.report_prompt"), None)])
    return State.REPORT


async def receive_report(update: Update, context: BuurtContext) -> int:
    """Store the report and tell the admins (through the outbox, in their language)."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    point_id = context.user_data.pop("infopoint", None)
    text = (message.text or "")[:REPORT_MAX]
    now = context.now()
    async with context.session() as session:
        caller = await identify(session, update, context)
        try:
            point = await get_point(session, int(point_id or 0))
            await report_mistake(
                session, point_id=point.id, person_id=caller.person.id, text=text, now=now
            )
        except NotFound:
            point = None
        if point is not None:
            admins = await reachable_admins(session)
            for admin in admins:
                t = translator(admin.language or context.config.bot.default_language)
                await outbox.enqueue(
                    session, kind=Kind.TEXT, chat_id=admin.telegram_id, person_id=admin.id, now=now,
                    payload={"text": t("infopoint.report_for_admins", name=point.name, text=text)},
                )  # fmt: skip
    context.services.dispatcher.wake()
    key = N_("infopoint.report_thanks") if point is not None else N_("error.not_found")
    await send(message.chat, context, caller.t(key))
    return ConversationHandler.END


async def hide(update: Update, context: BuurtContext) -> None:
    """Hide a point (admins only); it can come back with an import or a change."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    caller, admin = await _admin(update, context)
    if not admin:
        await query.answer(caller.t("error.not_allowed_admin"), show_alert=True)
        return
    async with context.session() as session:
        try:
            point = await get_point(session, int(context.match.group(1)))
            point.hidden = True
            name = point.name
        except NotFound:
            name = None
    await query.answer()
    await close_buttons(update)
    key = N_("infopoint.hidden") if name else N_("error.not_found")
    await send_all(update, context, [(caller.t(key, name=name or ""), None)])


async def choose_field(update: Update, context: BuurtContext) -> State | int:
    """Offer the fields an admin can change."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, admin = await _admin(update, context)
    if not admin:
        await query.answer(caller.t("error.not_allowed_admin"), show_alert=True)
        return ConversationHandler.END
    point_id = int(context.match.group(1))
    context.user_data["infopoint"] = point_id
    t = caller.t
    buttons = [
        InlineKeyboardButton(t(key), callback_data=f"ipf:{name}") for name, key in FIELDS.items()
    ]
    await query.answer()
    await send_all(update, context, [(t("infopoint.which_field"), rows(buttons))])
    return State.EDIT_FIELD


async def ask_value(update: Update, context: BuurtContext) -> State | int:
    """Ask for the new value of one field."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, admin = await _admin(update, context)
    field = context.match.group(1)
    if not admin or field not in FIELDS:
        await query.answer(caller.t("button.stale"))
        return ConversationHandler.END
    context.user_data["infopoint_field"] = field
    await query.answer()
    await close_buttons(update)
    await send_all(
        update, context, [(caller.t("infopoint.new_value", field=caller.t(FIELDS[field])), None)]
    )
    return State.EDIT_VALUE


async def receive_value(update: Update, context: BuurtContext) -> State | int:
    """Validate and store the new value, then show the point."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    caller, admin = await _admin(update, context)
    field = context.user_data.get("infopoint_field", "")
    value = " ".join((message.text or "").split())
    if value == "-":
        value = ""  # a dash empties a field
    t = caller.t
    if not admin or field not in FIELDS:
        return ConversationHandler.END
    if field == "name" and not value:
        await send(message.chat, context, t("infopoint.name_needed"))
        return State.EDIT_VALUE
    value, problem = check_field(field, value)
    if problem:
        await send(message.chat, context, t("infopoint.bad_value", reason=problem))
        return State.EDIT_VALUE
    if field == "opening_hours" and value:
        try:
            value = parse_hours(value, context.config.bot.tz).text
        except OpeningHoursError as exc:
            await send(message.chat, context, t("infopoint.bad_hours", error=str(exc)))
            return State.EDIT_VALUE
    async with context.session() as session:
        try:
            point = await get_point(
                session, int(context.user_data.get("infopoint") or 0), include_hidden=True
            )
        except NotFound:
            point = None
        else:
            setattr(point, field, value)
            point.hidden = False
            await session.flush()
            text = details(t, point, context.now(), context.config.bot.tz)
            keyboard = details_keyboard(t, point, admin=True)
    context.user_data.pop("infopoint_field", None)
    if point is None:
        await send(message.chat, context, t("error.not_found"))
        return ConversationHandler.END
    await send_all(update, context, [(t("infopoint.saved"), None), (text, keyboard)])
    return ConversationHandler.END


async def start_add(update: Update, context: BuurtContext) -> State | int:
    """Ask an admin for the new point's name."""
    query = update.callback_query
    assert query is not None
    caller, admin = await _admin(update, context)
    if not admin:
        await query.answer(caller.t("error.not_allowed_admin"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    await close_buttons(update)
    await send_all(update, context, [(caller.t("infopoint.add_name"), None)])
    return State.ADD_NAME


async def receive_new_name(update: Update, context: BuurtContext) -> State | int:
    """Store the name, then ask the wijk."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    caller, admin = await _admin(update, context)
    name = " ".join((message.text or "").split())
    if not admin:
        return ConversationHandler.END
    if not 2 <= len(name) <= 200:
        await send(message.chat, context, caller.t("infopoint.name_needed"))
        return State.ADD_NAME
    context.user_data["infopoint_name"] = name
    async with context.session() as session:
        wijken = await list_wijken(session)
    keyboard = wijk_keyboard(wijken, "ipn:")
    await send_all(update, context, [(caller.t("infopoint.add_wijk"), keyboard)])
    return State.ADD_WIJK


async def create_point(update: Update, context: BuurtContext) -> int:
    """Create the point in the chosen wijk and show it, ready to be completed."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, admin = await _admin(update, context)
    name = context.user_data.pop("infopoint_name", None)
    if not admin or not name:
        await query.answer(caller.t("button.stale"))
        return ConversationHandler.END
    t = caller.t
    async with context.session() as session:
        wijk = await get_wijk(session, int(context.match.group(1)))
        if wijk is not None:
            point = await add_point(session, name=name, wijk_id=wijk.id)
            text = details(t, point, context.now(), context.config.bot.tz)
            keyboard = details_keyboard(t, point, admin=True)
    if wijk is None:
        await query.answer(t("error.not_found"))
        return ConversationHandler.END
    await query.answer()
    await close_buttons(update)
    await send_all(update, context, [(t("infopoint.added"), None), (text, keyboard)])
    return ConversationHandler.END


async def cancel(update: Update, context: BuurtContext) -> int:
    """Stop looking or changing."""
    drafts = ("infopoint", "infopoint_field", "infopoint_name")
    return await end_flow(update, context, N_("cancel.done"), *drafts, markup=ReplyKeyboardRemove())
