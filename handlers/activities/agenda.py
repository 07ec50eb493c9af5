"""/agenda (/events): activities to come, with RSVP, a calendar file, reviews and cancelling."""

from __future__ import annotations

import io

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BuurtContext
from bot.i18n import N_
from handlers.activities.notify import queue_activity
from handlers.activities.render import card_text, ics_file, rsvp_keyboard
from handlers.common import close_buttons, guess_translator, identify, is_private
from handlers.onboarding import send_all
from handlers.wijk_picker import Messages
from models import activities
from models.activities import Answer
from models.errors import DomainError, NotAllowed
from models.groups import link_of_chat
from models.people import Role

PAGE = 5
ANSWER_KEYS = {
    Answer.YES: N_("activity.answered_yes"),
    Answer.MAYBE: N_("activity.answered_maybe"),
    Answer.NO: N_("activity.answered_no"),
}


async def show_agenda(update: Update, context: BuurtContext, offset: int = 0) -> None:
    """List the next activities of my wijk (in a group: the group's wijk), a page at a time."""
    message = update.effective_message
    assert message is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        t = caller.t
        if is_private(update):
            wijk_ids = [caller.person.home_wijk_id] if caller.person.home_wijk_id else None
        else:
            link = await link_of_chat(session, message.chat.id, message.message_thread_id)
            wijk_ids = [link.wijk_id] if link else []
        page, total = await activities.upcoming(
            session, wijk_ids=wijk_ids, now=context.now(), offset=offset, limit=PAGE
        )
        roles = caller.roles
        messages: Messages = []
        for item in page:
            text = await card_text(
                session, t, item, await activities.counts(session, item.id), context.config.bot.tz
            )
            keyboard = rsvp_keyboard(t, item, calendar=is_private(update))
            if is_private(update) and (
                item.organiser_id == caller.person.id
                or roles.has(Role.BUURTASSISTENT, item.wijk_ids[0] if item.wijk_ids else None)
            ):
                n = item.id
                tools = [
                    InlineKeyboardButton(t("activity.move_button"), callback_data=f"act:move:{n}"),
                    InlineKeyboardButton(
                        t("activity.place_button"), callback_data=f"act:place:{n}"
                    ),
                ]
                cancel = InlineKeyboardButton(
                    t("activity.cancel_button"), callback_data=f"act:cancel:{n}"
                )
                keyboard = InlineKeyboardMarkup(
                    [*(keyboard.inline_keyboard if keyboard else ()), tools, [cancel]]
                )
            messages.append((text, keyboard))
    if not messages:
        messages = [(t("activity.none"), None)]
    else:
        messages.insert(0, (t("activity.agenda_title", count=total), None))
        if offset + PAGE < total:
            more = InlineKeyboardButton(
                t("activity.more"), callback_data=f"act:page:{offset + PAGE}"
            )
            messages.append(
                (
                    t("activity.more_text", count=total - offset - PAGE),
                    InlineKeyboardMarkup([[more]]),
                )
            )
    await send_all(update, context, messages)


async def next_page(update: Update, context: BuurtContext) -> None:
    """Show the next page of the agenda."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    await query.answer()
    await close_buttons(update)
    await show_agenda(update, context, offset=min(int(context.match.group(1)), 10_000))


async def press(update: Update, context: BuurtContext) -> None:
    """Answer, get the calendar file, review or cancel: act:<action>:<number>."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    action, activity_id = context.match.group(1), int(context.match.group(2))
    now = context.now()
    t = guess_translator(update, context)
    note, document = None, None
    try:
        async with context.session() as session:
            caller = await identify(session, update, context)
            t = caller.t
            roles = caller.roles
            if action in ("yes", "maybe", "no"):
                outcome, rsvp = await activities.answer(
                    session,
                    activity_id=activity_id,
                    person=caller.person,
                    choice=Answer(action),
                    now=now,
                )
                note = t("activity.waiting") if rsvp.waiting else t(ANSWER_KEYS[Answer(action)])
            elif action == "ics":
                item = await activities.get(session, activity_id)
                place = await activities.place_of(session, item)
                outcome, document = None, ics_file(item, context.config.bot.tz, place=place)
            else:
                item = await activities.get(session, activity_id)
                wijk = item.wijk_ids[0] if item.wijk_ids else None
                # Reviews and cancelling: the right is checked here, whatever the button said.
                if not roles.has(Role.BUURTASSISTENT, wijk) and not (
                    action == "cancel" and item.organiser_id == caller.person.id
                ):
                    raise NotAllowed(action)
                if action == "cancel":
                    outcome = await activities.cancel(session, activity_id=activity_id, now=now)
                else:
                    outcome = await activities.review(
                        session, activity_id=activity_id, approve=action == "approve", now=now
                    )
                note = t(N_("activity.done_action"))
            if outcome is not None:
                await queue_activity(session, outcome, context.config, now)
    except DomainError:
        await query.answer(t("activity.not_possible"), show_alert=False)
        return
    context.services.dispatcher.wake()
    await query.answer(note)
    if document is not None and update.effective_chat is not None:
        await context.bot.send_document(
            update.effective_chat.id, io.BytesIO(document), filename=f"activiteit-{activity_id}.ics"
        )
    elif action in ("approve", "decline", "cancel"):
        await close_buttons(update)


async def run_reminders(context: BuurtContext) -> None:
    """Remind everyone coming, 24 hours and 1 hour before (each once, also across restarts)."""
    now = context.now()
    async with context.session() as session:
        outcomes = await activities.due_reminders(session, now=now)
        for outcome in outcomes:
            await queue_activity(session, outcome, context.config, now)
    if outcomes:
        context.services.dispatcher.wake()
