"""/activiteit (/event): create an activity (buurtassistent, admin) or propose one (resident)."""

from __future__ import annotations

import enum
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
from bot.i18n import N_, Html, Translator
from handlers.activities.notify import queue_activity
from handlers.activities.render import THEME_KEYS, THEMES, card_text
from handlers.common import (
    Caller,
    close_buttons,
    end_flow,
    identify,
    identify_with_roles,
    per_person_flows,
    send,
)
from handlers.keyboards import rows
from handlers.onboarding import send_all, start
from models import activities
from models.activities import Activity, Counts, Draft, TooManyProposals
from models.errors import DomainError
from models.people import Role, onboarding_step, reviewers_for, roles_of

DRAFT = "activity"
_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class Step(enum.IntEnum):
    TITLE = 1
    DESCRIPTION = 2
    DAY = 3
    TIME = 4
    LENGTH = 5
    PLACE = 6
    THEME = 7
    CAPACITY = 8
    PREVIEW = 9


async def _caller(update: Update, context: BuurtContext) -> tuple[Caller, bool]:
    """Identify the caller; tell whether they may publish (buurtassistent or admin)."""
    caller, roles = await identify_with_roles(update, context)
    return caller, roles.has(Role.BUURTASSISTENT, caller.person.home_wijk_id)


def _max_proposals(context: BuurtContext) -> int:
    return context.config.limits.activity_proposals_per_day


def _stop(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t("ask.stop"), callback_data="ev:stop")


async def open_event(update: Update, context: BuurtContext) -> Step | int:
    """Start: ask for the title (people who are not onboarded continue onboarding first)."""
    refusal = None
    async with context.session() as session:
        caller = await identify(session, update, context)
        pending = await onboarding_step(session, caller.person)
        roles = await roles_of(session, caller.person)
        if not roles.has(Role.BUURTASSISTENT, caller.person.home_wijk_id):
            try:
                await activities.check_proposals(
                    session, caller.person, limit=_max_proposals(context), now=context.now()
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
    await send_all(update, context, [(caller.t("activity.ask_title"), rows([_stop(caller.t)]))])
    return Step.TITLE


async def receive_title(update: Update, context: BuurtContext) -> Step:
    """Store the title."""
    caller, _ = await _caller(update, context)
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
    caller, _ = await _caller(update, context)
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
        rows([*buttons, _stop(caller.t)], per_row=3),
    )
    return Step.DAY


async def choose_day(update: Update, context: BuurtContext) -> Step:
    """Store the day; ask the start time."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await _caller(update, context)
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
        [(caller.t("activity.ask_time"), rows([*hours, _stop(caller.t)], per_row=4))],
    )
    return Step.TIME


async def choose_time(update: Update, context: BuurtContext) -> Step:
    """Store the start time (a button, or typed as 14:30)."""
    caller, _ = await _caller(update, context)
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
        [(caller.t("activity.ask_length"), rows([*lengths, _stop(caller.t)], per_row=4))],
    )
    return Step.LENGTH


async def choose_length(update: Update, context: BuurtContext) -> Step:
    """Store how long it lasts; ask the place."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await _caller(update, context)
    context.user_data[DRAFT]["hours"] = int(context.match.group(1))
    await query.answer()
    await close_buttons(update)
    await send_all(update, context, [(caller.t("activity.ask_place"), None)])
    return Step.PLACE


async def receive_place(update: Update, context: BuurtContext) -> Step:
    """Store the place; ask the theme."""
    caller, _ = await _caller(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    place = " ".join((message.text or "").split())
    if not 2 <= len(place) <= 200:
        await send(message.chat, context, caller.t("activity.place_length"))
        return Step.PLACE
    context.user_data[DRAFT]["place"] = place
    themes = [
        InlineKeyboardButton(caller.t(THEME_KEYS[k]), callback_data=f"ev:theme:{k}") for k in THEMES
    ]
    await send(
        message.chat, context, caller.t("activity.ask_theme"), rows([*themes, _stop(caller.t)])
    )
    return Step.THEME


async def choose_theme(update: Update, context: BuurtContext) -> Step:
    """Store the theme; ask for a maximum number of people."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await _caller(update, context)
    context.user_data[DRAFT]["theme"] = context.match.group(1)
    await query.answer()
    await close_buttons(update)
    options = [InlineKeyboardButton(caller.t("activity.no_limit"), callback_data="ev:cap:0")]
    options += [InlineKeyboardButton(str(n), callback_data=f"ev:cap:{n}") for n in (10, 20, 50)]
    await send_all(update, context, [(caller.t("activity.ask_capacity"), rows(options, per_row=4))])
    return Step.CAPACITY


async def choose_capacity(update: Update, context: BuurtContext) -> Step:
    """Store the capacity (a button or a typed number) and show the preview."""
    caller, may_publish = await _caller(update, context)
    assert context.user_data is not None
    if update.callback_query is not None:
        assert context.match is not None
        value = context.match.group(1)
        await update.callback_query.answer()
        await close_buttons(update)
    else:
        value = (update.effective_message.text or "").strip() if update.effective_message else ""
    if not value.isdigit() or int(value) > 10_000:
        await send_all(update, context, [(caller.t("activity.bad_capacity"), None)])
        return Step.CAPACITY
    context.user_data[DRAFT]["capacity"] = int(value) or None
    draft = _draft(context)
    preview = Activity(
        id=0,
        title=draft.title,
        description=draft.description,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        place=draft.place,
        wijk_ids=draft.wijk_ids,
        theme=draft.theme,
        capacity=draft.capacity,
        status=activities.Status.PUBLISHED,
    )
    async with context.session() as session:
        text = await card_text(session, caller.t, preview, Counts(), context.config.bot.tz)
    key = N_("activity.publish") if may_publish else N_("activity.propose")
    buttons = [InlineKeyboardButton(caller.t(key), callback_data="ev:post"), _stop(caller.t)]
    intro = caller.t("activity.preview")
    await send_all(update, context, [(Html(f"{intro}\n\n{text}"), rows(buttons, per_row=1))])
    return Step.PREVIEW


def _draft(context: BuurtContext) -> Draft:
    """Build the activity from the stored answers."""
    assert context.user_data is not None
    data = context.user_data[DRAFT]
    starts = datetime.fromisoformat(data["starts_at"])
    return Draft(
        title=data["title"],
        description=data.get("description", ""),
        starts_at=starts,
        ends_at=starts + timedelta(hours=data["hours"]),
        place=data["place"],
        wijk_ids=[data["wijk"]],
        theme=data["theme"],
        capacity=data.get("capacity"),
    )


async def post(update: Update, context: BuurtContext) -> int:
    """Publish (buurtassistent, admin: checked again here) or propose the activity."""
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    now = context.now()
    caller, _ = await _caller(update, context)
    try:
        draft = _draft(context)
    except (KeyError, ValueError):  # the draft was lost (a timeout): nothing to publish
        await query.answer(caller.t("button.stale"))
        return ConversationHandler.END
    try:
        async with context.session() as session:
            caller = await identify(session, update, context)
            publish = (await roles_of(session, caller.person)).has(
                Role.BUURTASSISTENT, draft.wijk_ids[0]
            )
            reviewers = await reviewers_for(session, draft.wijk_ids[0])
            outcome = await activities.create(
                session,
                organiser=caller.person,
                draft=draft,
                publish=publish,
                reviewers=reviewers,
                now=now,
                max_proposals=_max_proposals(context),
            )
            await queue_activity(session, outcome, context.config, now)
    except TooManyProposals as exc:
        context.user_data.pop(DRAFT, None)
        await query.answer()
        await close_buttons(update)
        await send_all(update, context, [(caller.t("activity.too_many", limit=exc.limit), None)])
        return ConversationHandler.END
    except DomainError:
        await query.answer()
        await send_all(update, context, [(caller.t("activity.in_the_past"), None)])
        return Step.PREVIEW
    context.user_data.pop(DRAFT, None)
    context.services.dispatcher.wake()
    await query.answer()
    await close_buttons(update)
    await send_all(
        update,
        context,
        [(caller.t(N_("activity.published") if publish else N_("activity.proposed")), None)],
    )
    return ConversationHandler.END


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
                Step.PLACE: [MessageHandler(text, receive_place)],
                Step.THEME: [
                    CallbackQueryHandler(
                        choose_theme, pattern="^ev:theme:(" + "|".join(THEMES) + ")$"
                    )
                ],
                Step.CAPACITY: [
                    CallbackQueryHandler(choose_capacity, pattern=r"^ev:cap:(\d{1,5})$"),
                    MessageHandler(text, choose_capacity),
                ],
                Step.PREVIEW: [CallbackQueryHandler(post, pattern=r"^ev:post$")],
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
