"""/instellingen (/settings): change language and home wijk."""

from __future__ import annotations

import enum
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import CANCEL, SETTINGS
from bot.config import Config
from bot.context import BuurtContext
from bot.i18n import Html, translator
from handlers import onboarding, subscriptions
from handlers.common import Caller, close_buttons, identify, per_person_flows, send
from handlers.keyboards import language_keyboard, rows
from handlers.onboarding import send_all, start
from handlers.wijk_picker import Messages, name_reply, wijk_prompt
from models.areas import get_buurt, get_wijk, list_wijken
from models.errors import NotFound
from models.people import onboarding_step, set_home_area, set_language


class State(enum.IntEnum):
    MENU = 1
    WIJK = 2


async def menu_messages(session: AsyncSession, caller: Caller) -> Messages:
    """Show the current settings with buttons to change them."""
    t, person = caller.t, caller.person
    wijk = await get_wijk(session, person.home_wijk_id) if person.home_wijk_id else None
    buurt = await get_buurt(session, person.home_buurt_id) if person.home_buurt_id else None
    place = t("settings.none")
    if wijk is not None:
        place = wijk.name if buurt is None else f"{wijk.name} ({buurt.name})"
    buttons = [InlineKeyboardButton(t("settings.change_language"), callback_data="set:lang")]
    if await list_wijken(session):
        buttons.append(InlineKeyboardButton(t("settings.change_wijk"), callback_data="set:wijk"))
    buttons.append(InlineKeyboardButton(t("settings.notifications"), callback_data="set:notify"))
    buttons.append(InlineKeyboardButton(t("settings.close"), callback_data="set:close"))
    text = t("settings.menu", language=t("language.name"), wijk=place)
    return [(text, rows(buttons, per_row=1))]


async def open_settings(update: Update, context: BuurtContext) -> State | int:
    """Show the settings menu; people still onboarding continue onboarding first."""
    async with context.session() as session:
        caller = await identify(session, update, context)
        if await onboarding_step(session, caller.person) is not None:
            messages = None
        else:
            messages = await menu_messages(session, caller)
    if messages is None:
        await start(update, context)
        return ConversationHandler.END
    await send_all(update, context, messages)
    return State.MENU


async def press_settings_button(update: Update, context: BuurtContext) -> State | int:
    """Handle every settings button; the data is parsed and checked here."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    parts = query.data.split(":")[1:]
    async with context.session() as session:
        caller = await identify(session, update, context)
        unfinished = await onboarding_step(session, caller.person) is not None
        outcome = None if unfinished else await _apply(session, caller, parts, context.config)
    # Telegram is called once the transaction is over: a slow answer holds no connection.
    if unfinished:
        await query.answer(caller.t("button.already_done"))
        await close_buttons(update)
        return ConversationHandler.END
    if outcome is None:
        await query.answer(caller.t("button.stale"))
        return ConversationHandler.END
    next_state, messages, note = outcome
    await query.answer()
    await close_buttons(update, note)
    await send_all(update, context, messages)
    return next_state


async def _apply(
    session: AsyncSession, caller: Caller, parts: list[str], config: Config
) -> tuple[State | int, Messages, str | None] | None:
    """Apply one settings button; return the next state, what to send and a note for the old
    menu, or None for a button that is old or tampered with."""
    t = caller.t
    next_state: State | int = State.MENU
    messages: Messages = []
    note = None
    match parts:
        case ["lang"]:
            messages = [(t("language.choose"), language_keyboard("set:lang:"))]
        case ["lang", ("nl" | "en") as language]:
            set_language(caller.person, language)
            caller = replace(caller, t=translator(language))
            note = caller.t("language.saved")
            messages = await menu_messages(session, caller)
        case ["wijk"] | ["wijken"]:
            messages = await wijk_prompt(session, t, "set")
            next_state = State.WIJK
        case ["wijk", wijk_id, *rest] if wijk_id.isdigit() and _digits(rest):
            try:
                wijk, _ = await set_home_area(
                    session,
                    caller.person,
                    wijk_id=int(wijk_id),
                    buurt_id=int(rest[0]) if rest else None,
                )
            except NotFound:
                note = t("error.not_found")
                messages = await wijk_prompt(session, t, "set")
                next_state = State.WIJK
            else:
                messages = [(t("wijk.saved", wijk=wijk.name), ReplyKeyboardRemove())]
                messages += await menu_messages(session, caller)
        case ["notify"]:
            messages = await subscriptions.menu_messages(session, caller, config)
            next_state = ConversationHandler.END
        case ["close"]:
            next_state = ConversationHandler.END
            note = t("settings.closed")
        case _:
            return None
    return next_state, messages, note


def _digits(rest: list[str]) -> bool:
    """Tell whether an optional trailing id is absent or numeric."""
    return not rest or (len(rest) == 1 and rest[0].isdigit())


async def receive_location(update: Update, context: BuurtContext) -> State:
    """Place a location shared while choosing a wijk (as outside the flow), and stay."""
    await onboarding.receive_location(update, context)
    return State.WIJK


async def receive_wijk_name(update: Update, context: BuurtContext) -> State:
    """Match a typed wijk name while choosing a wijk."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        messages = await name_reply(session, caller.t, "set", message.text)
    await send_all(update, context, messages)
    return State.WIJK


async def remind_buttons(update: Update, context: BuurtContext) -> State:
    """Ask for a button press when someone types in the menu."""
    async with context.session() as session:
        caller = await identify(session, update, context)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, caller.t("hint.use_buttons"))
    return State.MENU


async def cancel_settings(update: Update, context: BuurtContext) -> int:
    """Leave the settings."""
    async with context.session() as session:
        caller = await identify(session, update, context)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, Html(caller.t("cancel.done")), ReplyKeyboardRemove())
    return ConversationHandler.END


def conversation() -> ConversationHandler:
    """Build the settings conversation (persistent: it survives a restart)."""
    private = filters.ChatType.PRIVATE
    button = CallbackQueryHandler(press_settings_button, pattern=r"^set:")
    with per_person_flows():
        return _conversation(button, private)


def _conversation(button: CallbackQueryHandler, private: filters.BaseFilter) -> ConversationHandler:
    """Lay out the states of the settings flow."""
    return ConversationHandler(
        entry_points=[CommandHandler(SETTINGS.names, open_settings, filters=private), button],
        states={
            State.MENU: [
                button,
                MessageHandler(private & filters.TEXT & ~filters.COMMAND, remind_buttons),
            ],
            State.WIJK: [
                button,
                MessageHandler(private & filters.LOCATION, receive_location),
                MessageHandler(private & filters.TEXT & ~filters.COMMAND, receive_wijk_name),
            ],
        },
        fallbacks=[
            CommandHandler(CANCEL.names, cancel_settings),
            CommandHandler(SETTINGS.names, open_settings, filters=private),
        ],
        name="settings",
        persistent=True,
        # A flow left half-way ends by itself, so later text is not taken for an answer.
        conversation_timeout=timedelta(hours=1),
        allow_reentry=True,
    )
