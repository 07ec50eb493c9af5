"""The /vraag preview's buttons: change an answer, post the request, or stop."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.context import BuurtContext
from bot.i18n import N_
from handlers.common import identify
from handlers.keyboards import rows
from handlers.onboarding import send_all
from handlers.requests.ask.prompts import Step, draft_of, limits_of, stop_button
from handlers.requests.ask.steps import answer_press, caller_of, go_to
from handlers.requests.notify import queue_outcome
from handlers.wijk_picker import Messages
from models.errors import NotFound
from models.help_requests import Draft, TooFast, TooManyOpen, create_request
from models.people import Role


async def change(update: Update, context: BuurtContext) -> Step:
    """Offer what can be changed."""
    caller = await caller_of(update, context)
    t = caller.t
    options = [
        ("category", N_("ask.change_category")),
        ("description", N_("ask.change_description")),
        ("when", N_("ask.change_when")),
        ("wijk", N_("ask.change_wijk")),
    ]
    if not draft_of(context).get("behalf_name"):
        options.append(("contact", N_("ask.change_contact")))
    buttons = [
        InlineKeyboardButton(t(key), callback_data=f"ask:redo:{code}") for code, key in options
    ]
    await answer_press(update, context, [(t("ask.change_what"), rows([*buttons, stop_button(t)]))])
    return Step.PREVIEW


async def redo(update: Update, context: BuurtContext) -> Step:
    """Ask one question again, then return to the preview."""
    assert context.match is not None
    step = {
        "category": Step.CATEGORY,
        "description": Step.DESCRIPTION,
        "when": Step.WHEN,
        "wijk": Step.WIJK,
        "contact": Step.CONTACT,
    }[context.match.group(1)]
    draft_of(context)["changing"] = True
    return await go_to(update, context, step)


async def post(update: Update, context: BuurtContext) -> int:
    """Create the request, queue its cards and notices, and confirm."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    config = context.config
    now = context.now()
    error_key = None
    async with context.session() as session:
        caller = await identify(session, update, context)
        roles = caller.roles
        behalf = bool(draft.get("behalf_name")) and roles.has(Role.BUURTASSISTENT)
        try:
            outcome = await create_request(
                session,
                person=caller.person,
                draft=Draft.from_dict(draft),
                now=now,
                tz=config.bot.tz,
                limits=limits_of(context),
                still_needed_after=timedelta(hours=config.requests.still_needed_after_hours),
                on_behalf=behalf,
            )
            await queue_outcome(session, outcome, config, now)
            number = outcome.request.id
        except TooManyOpen as exc:
            error_key, number = (N_("ask.too_many_open"), exc.limit), 0
        except TooFast as exc:
            error_key, number = (N_("ask.too_fast"), exc.limit), 0
        except (NotFound, KeyError, ValueError):
            error_key, number = (N_("ask.draft_lost"), 0), 0
    assert context.user_data is not None
    context.user_data.pop("ask", None)
    t = caller.t
    if error_key is not None:
        key, limit = error_key
        await answer_press(update, context, [(t(key, limit=limit), ReplyKeyboardRemove())])
        return ConversationHandler.END
    context.services.dispatcher.wake()
    await answer_press(update, context, [(t("ask.posted", number=number), ReplyKeyboardRemove())])
    return ConversationHandler.END


async def stop(update: Update, context: BuurtContext) -> int:
    """Stop asking; nothing is posted."""
    caller = await caller_of(update, context)
    assert context.user_data is not None
    context.user_data.pop("ask", None)
    messages: Messages = [(caller.t("ask.stopped"), ReplyKeyboardRemove())]
    if update.callback_query is not None:
        await answer_press(update, context, messages)
    else:
        await send_all(update, context, messages)
    return ConversationHandler.END
