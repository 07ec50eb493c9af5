"""The /vraag steps: what each answer does."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.context import BuurtContext
from bot.i18n import N_
from handlers.common import Caller, close_buttons, identify, send
from handlers.keyboards import rows
from handlers.onboarding import send_all
from handlers.requests.ask.prompts import (
    Step,
    category_prompt,
    contact_prompt,
    day_prompt,
    description_prompt,
    draft_of,
    limits_of,
    part_prompt,
    preview,
    stop_button,
    when_prompt,
    wijk_prompt,
)
from handlers.requests.notify import queue_outcome
from handlers.requests.render import categories
from handlers.wijk_picker import Messages
from models.areas import get_wijk
from models.errors import NotFound
from models.help_requests import Draft, TooFast, TooManyOpen, create_request
from models.people import Role, roles_of


async def caller_of(update: Update, context: BuurtContext) -> Caller:
    """Identify the person in a short transaction."""
    async with context.session() as session:
        return await identify(session, update, context)


async def answer_press(update: Update, context: BuurtContext, messages: Messages) -> None:
    """Answer the press, retire its buttons and send the next question."""
    query = update.callback_query
    assert query is not None
    # Telegram shows a spinner on the button until the query is answered.
    await query.answer()
    await close_buttons(update)
    await send_all(update, context, messages)


def next_step(context: BuurtContext, step: Step) -> Step:
    """Return the step after one answer: the next question, or the preview when changing."""
    draft = draft_of(context)
    if draft.get("changing"):
        return Step.PREVIEW
    order = [Step.CATEGORY, Step.DESCRIPTION, Step.WHEN, Step.WIJK, Step.CONTACT, Step.PREVIEW]
    following = order[order.index(step) + 1]
    if following is Step.WIJK and draft.get("wijk_id"):
        following = Step.CONTACT
    if following is Step.CONTACT and draft.get("behalf_name"):
        following = Step.PREVIEW
    return following


async def prompt_for(step: Step, caller: Caller, context: BuurtContext) -> Messages:
    """Return the question of a step."""
    t = caller.t
    match step:
        case Step.CATEGORY:
            return category_prompt(t, context)
        case Step.DESCRIPTION:
            return description_prompt(t, context)
        case Step.WHEN:
            return when_prompt(t)
        case Step.WIJK:
            return await wijk_prompt(t, context)
        case Step.CONTACT:
            return contact_prompt(t)
        case _:
            return await preview(caller, context)


async def go_to(update: Update, context: BuurtContext, caller: Caller, step: Step) -> Step:
    """Move to a step: ask its question (the preview once everything is known)."""
    if step is Step.PREVIEW:
        draft_of(context)["changing"] = True
    messages = await prompt_for(step, caller, context)
    if update.callback_query is not None:
        await answer_press(update, context, messages)
    else:
        await send_all(update, context, messages)
    return Step.PREVIEW if step is Step.PREVIEW else step


async def choose_category(update: Update, context: BuurtContext) -> Step:
    """Store the category (checked against the configured ones)."""
    caller = await caller_of(update, context)
    assert context.match is not None
    slug = context.match.group(1)
    if slug not in {c.slug for c in categories(context.config.requests)}:
        return await go_to(update, context, caller, Step.CATEGORY)
    draft_of(context)["category"] = slug
    return await go_to(update, context, caller, next_step(context, Step.CATEGORY))


async def receive_description(update: Update, context: BuurtContext) -> Step:
    """Store the one sentence, if its length is right."""
    caller = await caller_of(update, context)
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    requests = context.config.requests
    t = caller.t
    if len(text) < requests.description_min:
        await send(message.chat, context, t("ask.too_short", min=requests.description_min))
        return Step.DESCRIPTION
    if len(text) > requests.description_max:
        await send(
            message.chat, context, t("ask.too_long", max=requests.description_max, length=len(text))
        )
        return Step.DESCRIPTION
    draft_of(context)["description"] = text
    return await go_to(update, context, caller, next_step(context, Step.DESCRIPTION))


async def choose_when(update: Update, context: BuurtContext) -> Step:
    """Store when; "pick a day" asks for the day and the part of the day."""
    caller = await caller_of(update, context)
    assert context.match is not None
    kind = context.match.group(1)
    draft = draft_of(context)
    if kind == "day":
        await answer_press(update, context, day_prompt(caller.t, context))
        return Step.DAY
    draft.update(when_kind=kind, when_date=None, day_part=None)
    return await go_to(update, context, caller, next_step(context, Step.WHEN))


async def choose_day(update: Update, context: BuurtContext) -> Step:
    """Store the day (only the next seven days are accepted)."""
    caller = await caller_of(update, context)
    assert context.match is not None
    today = context.now().astimezone(context.config.bot.tz).date()
    try:
        day = date.fromisoformat(context.match.group(1))
    except ValueError:
        day = today
    if not today < day <= today + timedelta(days=7):
        await answer_press(update, context, day_prompt(caller.t, context))
        return Step.DAY
    draft_of(context).update(when_kind="day", when_date=day.isoformat())
    await answer_press(update, context, part_prompt(caller.t))
    return Step.PART


async def choose_part(update: Update, context: BuurtContext) -> Step:
    """Store the part of the day."""
    caller = await caller_of(update, context)
    assert context.match is not None
    part = context.match.group(1)
    draft_of(context)["day_part"] = None if part == "all" else part
    return await go_to(update, context, caller, next_step(context, Step.WHEN))


async def choose_wijk(update: Update, context: BuurtContext) -> Step:
    """Store the wijk (it must exist)."""
    caller = await caller_of(update, context)
    assert context.match is not None
    async with context.session() as session:
        wijk = await get_wijk(session, int(context.match.group(1)))
    if wijk is None:
        return await go_to(update, context, caller, Step.WIJK)
    draft_of(context).update(wijk_id=wijk.id, buurt_id=None)
    return await go_to(update, context, caller, next_step(context, Step.WIJK))


async def show_wijken(update: Update, context: BuurtContext) -> Step:
    """Let the person pick another wijk from the preview."""
    caller = await caller_of(update, context)
    await answer_press(update, context, await wijk_prompt(caller.t, context))
    return Step.WIJK


async def contact_by_telegram(update: Update, context: BuurtContext) -> Step:
    """The helper may reach the requester through Telegram."""
    caller = await caller_of(update, context)
    draft_of(context).update(contact="telegram", contact_phone=None)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, caller.t("ask.contact_saved"), ReplyKeyboardRemove())
    return await go_to(update, context, caller, Step.PREVIEW)


async def receive_contact(update: Update, context: BuurtContext) -> Step:
    """Store the phone number shared with the button; only the person's own number counts."""
    caller = await caller_of(update, context)
    message = update.effective_message
    assert message is not None
    assert message.contact is not None
    if message.contact.user_id != caller.person.telegram_id:
        await send(message.chat, context, caller.t("ask.contact_not_yours"))
        return Step.CONTACT
    phone = message.contact.phone_number
    if not phone.startswith("+"):
        phone = "+" + phone
    draft_of(context).update(contact="phone", contact_phone=phone[:32])
    await send(message.chat, context, caller.t("ask.contact_saved"), ReplyKeyboardRemove())
    return await go_to(update, context, caller, Step.PREVIEW)


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
    caller = await caller_of(update, context)
    assert context.match is not None
    step = {
        "category": Step.CATEGORY,
        "description": Step.DESCRIPTION,
        "when": Step.WHEN,
        "wijk": Step.WIJK,
        "contact": Step.CONTACT,
    }[context.match.group(1)]
    draft_of(context)["changing"] = True
    messages = await prompt_for(step, caller, context)
    await answer_press(update, context, messages)
    return step


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
        roles = await roles_of(session, caller.person)
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


async def nudge(update: Update, context: BuurtContext) -> None:
    """Ask for a button when someone types (or sends a photo) where a button is expected."""
    caller = await caller_of(update, context)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, caller.t("ask.use_buttons"))


async def nudge_text(update: Update, context: BuurtContext) -> None:
    """Ask for text when someone sends a photo, sticker or voice message as the description."""
    caller = await caller_of(update, context)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, caller.t("ask.text_please"))
