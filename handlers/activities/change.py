"""Move an activity or change its place (organiser or buurtassistent); all who answered hear."""

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

from bot.commands import CANCEL
from bot.context import BuurtContext
from bot.i18n import N_
from handlers.activities.finish import ask_place, offer_points, point_in_wijk
from handlers.activities.notify import queue_activity
from handlers.common import Caller, close_buttons, end_flow, identify, per_person_flows, send
from handlers.keyboards import rows
from handlers.onboarding import send_all
from models import activities
from models.activities import point_place
from models.errors import DomainError, NotAllowed
from models.people import Role

DRAFT = "activity_change"
_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class Step(enum.IntEnum):
    DAY = 1
    TIME = 2
    PLACE = 3


async def _allowed(update: Update, context: BuurtContext, activity_id: int) -> tuple[Caller, bool]:
    """Check on the server that the caller may change this activity."""
    async with context.session() as session:
        caller = await identify(session, update, context)
        try:
            item = await activities.get(session, activity_id)
        except DomainError:
            return caller, False
        roles = caller.roles
        wijk = item.wijk_ids[0] if item.wijk_ids else None
        return caller, item.organiser_id == caller.person.id or roles.has(Role.BUURTASSISTENT, wijk)


async def start_move(update: Update, context: BuurtContext) -> Step | int:
    """Ask for the new day."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    activity_id = int(context.match.group(1))
    caller, allowed = await _allowed(update, context, activity_id)
    if not allowed:
        await query.answer(caller.t("activity.not_possible"))
        return ConversationHandler.END
    context.user_data[DRAFT] = {"id": activity_id}
    await query.answer()
    today = context.now().astimezone(context.config.bot.tz).date()
    days = [
        InlineKeyboardButton(
            format_date(today + timedelta(days=i), "EEE d MMM", locale=caller.t.language),
            callback_data=f"evc:day:{(today + timedelta(days=i)).isoformat()}",
        )
        for i in range(14)
    ]
    await send_all(update, context, [(caller.t("activity.ask_day"), rows(days, per_row=3))])
    return Step.DAY


async def choose_day(update: Update, context: BuurtContext) -> Step:
    """Store the day; ask the time."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await _allowed(update, context, context.user_data.get(DRAFT, {}).get("id", 0))
    context.user_data[DRAFT]["day"] = date.fromisoformat(context.match.group(1)).isoformat()
    await query.answer()
    await close_buttons(update)
    await send_all(update, context, [(caller.t("activity.ask_new_time"), None)])
    return Step.TIME


async def receive_time(update: Update, context: BuurtContext) -> Step | int:
    """Move the activity (checked again), and tell everyone who answered."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    draft = context.user_data.get(DRAFT) or {}
    caller, allowed = await _allowed(update, context, draft.get("id", 0))
    match = _TIME_RE.match((message.text or "").strip())
    if match is None or "day" not in draft:
        await send(message.chat, context, caller.t("activity.bad_time"))
        return Step.TIME
    starts = datetime.combine(
        date.fromisoformat(draft["day"]),
        time(int(match.group(1)), int(match.group(2))),
        tzinfo=context.config.bot.tz,
    )
    return await _apply(update, context, caller, allowed, starts_at=starts, place=None)


async def start_place(update: Update, context: BuurtContext) -> Step | int:
    """Ask for the new place."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    activity_id = int(context.match.group(1))
    caller, allowed = await _allowed(update, context, activity_id)
    if not allowed:
        await query.answer(caller.t("activity.not_possible"))
        return ConversationHandler.END
    async with context.session() as session:
        item = await activities.get(session, activity_id)
    context.user_data[DRAFT] = {"id": activity_id, "wijk": (item.wijk_ids or [0])[0]}
    await query.answer()
    await ask_place(update, context, caller, prefix="evc")
    return Step.PLACE


async def list_points(update: Update, context: BuurtContext) -> Step:
    """Show the information points of the activity's wijk."""
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    draft = context.user_data.get(DRAFT) or {}
    caller, _ = await _allowed(update, context, draft.get("id", 0))
    await query.answer()
    await close_buttons(update)
    await offer_points(update, context, caller, draft.get("wijk", 0), "evc")
    return Step.PLACE


async def choose_point(update: Update, context: BuurtContext) -> Step | int:
    """Move it to an information point of its wijk (checked again)."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    draft = context.user_data.get(DRAFT) or {}
    caller, allowed = await _allowed(update, context, draft.get("id", 0))
    point = await point_in_wijk(context, int(context.match.group(1)), draft.get("wijk", 0))
    if point is None:
        await query.answer(caller.t("button.stale"))
        return Step.PLACE
    await query.answer()
    await close_buttons(update)
    return await _apply(
        update, context, caller, allowed, starts_at=None, place=point_place(point),
        infopoint_id=point.id,
    )  # fmt: skip


async def receive_place(update: Update, context: BuurtContext) -> Step | int:
    """Change the place (checked again), and tell everyone who answered."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    draft = context.user_data.get(DRAFT) or {}
    caller, allowed = await _allowed(update, context, draft.get("id", 0))
    place = " ".join((message.text or "").split())
    if not 2 <= len(place) <= 200:
        await send(message.chat, context, caller.t("activity.place_length"))
        return Step.PLACE
    return await _apply(update, context, caller, allowed, starts_at=None, place=place)


async def _apply(
    update: Update,
    context: BuurtContext,
    caller: Caller,
    allowed: bool,
    *,
    starts_at: datetime | None,
    place: str | None,
    infopoint_id: int | None = None,
) -> Step | int:
    """Make the change in the domain and queue the notices and the card edits."""
    assert context.user_data is not None
    draft = context.user_data.pop(DRAFT, None) or {}
    now = context.now()
    try:
        if not allowed:
            raise NotAllowed("change")
        async with context.session() as session:
            outcome = await activities.change(
                session,
                activity_id=draft.get("id", 0),
                starts_at=starts_at,
                place=place,
                infopoint_id=infopoint_id,
                now=now,
            )
            await queue_activity(session, outcome, context.config, now)
    except DomainError:
        await send_all(update, context, [(caller.t("activity.not_possible"), None)])
        return ConversationHandler.END
    context.services.dispatcher.wake()
    await send_all(update, context, [(caller.t("activity.changed"), None)])
    return ConversationHandler.END


async def stop(update: Update, context: BuurtContext) -> int:
    """Stop without changing anything."""
    return await end_flow(update, context, N_("activity.stopped_change"), DRAFT)


def conversation() -> ConversationHandler:
    """Build the change conversation (persistent)."""
    text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    with per_person_flows():
        return ConversationHandler(
            entry_points=[
                CallbackQueryHandler(start_move, pattern=r"^act:move:(\d{1,9})$"),
                CallbackQueryHandler(start_place, pattern=r"^act:place:(\d{1,9})$"),
            ],
            states={
                Step.DAY: [
                    CallbackQueryHandler(choose_day, pattern=r"^evc:day:(\d{4}-\d{2}-\d{2})$")
                ],
                Step.TIME: [MessageHandler(text, receive_time)],
                Step.PLACE: [
                    MessageHandler(text, receive_place),
                    CallbackQueryHandler(list_points, pattern=r"^evc:points$"),
                    CallbackQueryHandler(choose_point, pattern=r"^evc:point:(\d{1,9})$"),
                ],
            },
            fallbacks=[CommandHandler(CANCEL.names, stop)],
            name="activity_change",
            persistent=True,
            conversation_timeout=timedelta(hours=1),
            allow_reentry=True,
        )
