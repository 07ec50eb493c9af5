"""/activiteit (/event): create an activity (buurtassistent, admin) or propose one (resident)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from telegram import InlineKeyboardButton, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import CANCEL, EVENT
from bot.context import BuurtContext
from bot.i18n import N_
from handlers.activities import finish
from handlers.activities.finish import ask_place
from handlers.activities.render import THEMES
from handlers.activities.wizard import DRAFT, Step, stop_button, wizard_caller
from handlers.common import (
    close_buttons,
    end_flow,
    identify,
    per_person_flows,
    send,
)
from handlers.keyboards import rows
from handlers.onboarding import send_all, start
from models import activities
from models.activities import TooManyProposals
from models.people import Role, onboarding_step

_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def max_proposals(context: BuurtContext) -> int:
    """Return how many activities a resident may propose in 24 hours."""
    return context.config.limits.activity_proposals_per_day


async def open_event(update: Update, context: BuurtContext) -> Step | int:
    """Start: ask for the title (people who are not onboarded continue onboarding first)."""
    refusal = None
    async with context.session() as session:
        caller = await identify(session, update, context)
        pending = await onboarding_step(session, caller.person)
        roles = caller.roles
        if not roles.has(Role.BUURTASSISTENT, caller.person.home_wijk_id):
            try:
                await activities.check_proposals(
                    session, caller.person, limit=max_proposals(context), now=context.now()
                )
            except TooManyProposals as exc:
                refusal = caller.t("activity.too_many", limit=exc.limit)
    if pending is not None or caller.person.home_wijk_id is None:
        await start(update, context)
        return ConversationHandler.END
    if refusal is not None:
        await send_all(update, context, [(refusal, None)])
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[DRAFT] = {"wijk": caller.person.home_wijk_id}
    await send_all(
        update, context, [(caller.t("activity.ask_title"), rows([stop_button(caller.t)]))]
    )
    return Step.TITLE


async def receive_title(update: Update, context: BuurtContext) -> Step:
    """Store the title."""
    caller, _ = await wizard_caller(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    title = " ".join((message.text or "").split())
    if not 3 <= len(title) <= 120:
        await send(message.chat, context, caller.t("activity.title_length"))
        return Step.TITLE
    context.user_data[DRAFT]["title"] = title
    await send(message.chat, context, caller.t("activity.ask_description"))
    return Step.DESCRIPTION


async def receive_description(update: Update, context: BuurtContext) -> Step:
    """Store the description ("-" for none), then offer the next two weeks."""
    caller, _ = await wizard_caller(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    text = (message.text or "").strip()
    if len(text) > 1000:
        await send(message.chat, context, caller.t("activity.description_length"))
        return Step.DESCRIPTION
    context.user_data[DRAFT]["description"] = "" if text == "-" else text
    today = context.now().astimezone(context.config.bot.tz).date()
    buttons = [
        InlineKeyboardButton(
            format_date(today + timedelta(days=i), "EEE d MMM", locale=caller.t.language),
            callback_data=f"ev:day:{(today + timedelta(days=i)).isoformat()}",
        )
        for i in range(14)
    ]
    await send(
        message.chat,
        context,
        caller.t("activity.ask_day"),
        rows([*buttons, stop_button(caller.t)], per_row=3),
    )
    return Step.DAY


async def choose_day(update: Update, context: BuurtContext) -> Step:
    """Store the day; ask the start time."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await wizard_caller(update, context)
    try:
        day = date.fromisoformat(context.match.group(1))
    except ValueError:
        await query.answer(caller.t("button.stale"))
        return Step.DAY
    context.user_data[DRAFT]["day"] = day.isoformat()
    await query.answer()
    await close_buttons(update)
    hours = [
        InlineKeyboardButton(f"{h:02d}:00", callback_data=f"ev:time:{h:02d}:00")
        for h in range(9, 21)
    ]
    await send_all(
        update,
        context,
        [(caller.t("activity.ask_time"), rows([*hours, stop_button(caller.t)], per_row=4))],
    )
    return Step.TIME


async def choose_time(update: Update, context: BuurtContext) -> Step:
    """Store the start time (a button, or typed as 14:30)."""
    caller, _ = await wizard_caller(update, context)
    assert context.user_data is not None
    if update.callback_query is not None:
        assert context.match is not None
        text = context.match.group(1)
        await update.callback_query.answer()
        await close_buttons(update)
    else:
        text = (update.effective_message.text or "").strip() if update.effective_message else ""
    match = _TIME_RE.match(text)
    if match is None:
        await send_all(update, context, [(caller.t("activity.bad_time"), None)])
        return Step.TIME
    draft = context.user_data[DRAFT]
    start_local = datetime.combine(
        date.fromisoformat(draft["day"]),
        time(int(match.group(1)), int(match.group(2))),
        tzinfo=context.config.bot.tz,
    )
    if start_local <= context.now():
        await send_all(update, context, [(caller.t("activity.in_the_past"), None)])
        return Step.TIME
    draft["starts_at"] = start_local.isoformat()
    lengths = [
        InlineKeyboardButton(caller.t("activity.hours", hours=h), callback_data=f"ev:len:{h}")
        for h in (1, 2, 3, 4)
    ]
    await send_all(
        update,
        context,
        [(caller.t("activity.ask_length"), rows([*lengths, stop_button(caller.t)], per_row=4))],
    )
    return Step.LENGTH


async def choose_length(update: Update, context: BuurtContext) -> Step:
    """Store how long it lasts; ask the place."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await wizard_caller(update, context)
    context.user_data[DRAFT]["hours"] = int(context.match.group(1))
    await query.answer()
    await close_buttons(update)
    return await ask_place(update, context, caller)


async def stop(update: Update, context: BuurtContext) -> int:
    """Stop; nothing is published."""
    return await end_flow(update, context, N_("activity.stopped"), DRAFT)


def conversation() -> ConversationHandler:
    """Build the /activiteit conversation (persistent)."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    with per_person_flows():
        return ConversationHandler(
            entry_points=[CommandHandler(EVENT.names, open_event, filters=private)],
            states={
                Step.TITLE: [MessageHandler(text, receive_title)],
                Step.DESCRIPTION: [MessageHandler(text, receive_description)],
                Step.DAY: [CallbackQueryHandler(choose_day, pattern=r"^ev:day:([0-9-]{10})$")],
                Step.TIME: [
                    CallbackQueryHandler(choose_time, pattern=r"^ev:time:(\d\d:\d\d)$"),
                    MessageHandler(text, choose_time),
                ],
                Step.LENGTH: [CallbackQueryHandler(choose_length, pattern=r"^ev:len:([1-4])$")],
                Step.PLACE: [
                    MessageHandler(text, finish.receive_place),
                    CallbackQueryHandler(finish.list_points, pattern=r"^ev:points$"),
                    CallbackQueryHandler(finish.choose_point, pattern=r"^ev:point:(\d{1,9})$"),
                ],
                Step.THEME: [
                    CallbackQueryHandler(
                        finish.choose_theme, pattern="^ev:theme:(" + "|".join(THEMES) + ")$"
                    )
                ],
                Step.CAPACITY: [
                    CallbackQueryHandler(finish.choose_capacity, pattern=r"^ev:cap:(\d{1,5})$"),
                    MessageHandler(text, finish.choose_capacity),
                ],
                Step.PHOTO: [
                    MessageHandler(private & filters.PHOTO, finish.receive_photo),
                    CallbackQueryHandler(finish.skip_photo, pattern=r"^ev:nophoto$"),
                    MessageHandler(private & ~filters.COMMAND, finish.no_photo_text),
                ],
                Step.PREVIEW: [CallbackQueryHandler(finish.post, pattern=r"^ev:post$")],
            },
            fallbacks=[
                CallbackQueryHandler(stop, pattern=r"^ev:stop$"),
                CommandHandler(CANCEL.names, stop),
            ],
            name="activity",
            persistent=True,
            conversation_timeout=timedelta(hours=2),
            allow_reentry=True,
        )
