"""The /vraag steps: what each answer does."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ReplyKeyboardRemove, Update

from bot.context import BuurtContext
from bot.i18n import N_
from bot.telegram_bot import Markup
from handlers.common import Caller, close_buttons, identify, send
from handlers.onboarding import send_all
from handlers.requests.ask.prompts import (
    Step,
    category_prompt,
    contact_prompt,
    day_prompt,
    description_prompt,
    draft_of,
    part_prompt,
    preview,
    when_prompt,
    wijk_prompt,
)
from handlers.requests.render import categories
from handlers.wijk_picker import Messages
from models.areas import get_wijk

# A message before the next question: its key and its keyboard.
Note = tuple[str, Markup]
# "Noted", which also takes the phone-number keyboard away.
_CONTACT_SAVED: Note = (N_("ask.contact_saved"), ReplyKeyboardRemove())


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


async def prompt_for(
    session: AsyncSession, step: Step, caller: Caller, context: BuurtContext
) -> Messages:
    """Return the question of a step; from the preview on, answers return to the preview."""
    t = caller.t
    match step:
        case Step.CATEGORY:
            return category_prompt(t, context)
        case Step.DESCRIPTION:
            return description_prompt(t, context)
        case Step.WHEN:
            return when_prompt(t)
        case Step.WIJK:
            return await wijk_prompt(session, t)
        case Step.CONTACT:
            return contact_prompt(t)
        case _:
            draft_of(context)["changing"] = True
            return await preview(session, caller, context)


async def reply(update: Update, context: BuurtContext, messages: Messages) -> None:
    """Answer with the messages: after a press, its buttons go first."""
    if update.callback_query is not None:
        await answer_press(update, context, messages)
    else:
        await send_all(update, context, messages)


async def go_to(
    update: Update, context: BuurtContext, step: Step, *, first: Note | None = None
) -> Step:
    """Move to a step: ask its question (the preview once everything is known).

    The person is identified in the same transaction as the question is made (a preview reads
    the wijk): one transaction per update. ``first`` is a message key (and markup) sent before.
    """
    async with context.session() as session:
        caller = await identify(session, update, context)
        messages = await prompt_for(session, step, caller, context)
    if first is not None:
        key, markup = first
        messages = [(caller.t(key), markup), *messages]
    await reply(update, context, messages)
    return step


async def choose_category(update: Update, context: BuurtContext) -> Step:
    """Store the category (checked against the configured ones)."""
    assert context.match is not None
    slug = context.match.group(1)
    if slug not in {c.slug for c in categories(context.config.requests)}:
        return await go_to(update, context, Step.CATEGORY)
    draft_of(context)["category"] = slug
    return await go_to(update, context, next_step(context, Step.CATEGORY))


async def receive_description(update: Update, context: BuurtContext) -> Step:
    """Store the one sentence, if its length is right."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    requests = context.config.requests
    if not requests.description_min <= len(text) <= requests.description_max:
        t = (await caller_of(update, context)).t
        if len(text) < requests.description_min:
            problem = t("ask.too_short", min=requests.description_min)
        else:
            problem = t("ask.too_long", max=requests.description_max, length=len(text))
        await send(message.chat, context, problem)
        return Step.DESCRIPTION
    draft_of(context)["description"] = text
    return await go_to(update, context, next_step(context, Step.DESCRIPTION))


async def choose_when(update: Update, context: BuurtContext) -> Step:
    """Store when; "pick a day" asks for the day and the part of the day."""
    assert context.match is not None
    kind = context.match.group(1)
    if kind == "day":
        caller = await caller_of(update, context)
        await answer_press(update, context, day_prompt(caller.t, context))
        return Step.DAY
    draft_of(context).update(when_kind=kind, when_date=None, day_part=None)
    return await go_to(update, context, next_step(context, Step.WHEN))


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
    assert context.match is not None
    part = context.match.group(1)
    draft_of(context)["day_part"] = None if part == "all" else part
    return await go_to(update, context, next_step(context, Step.WHEN))


async def choose_wijk(update: Update, context: BuurtContext) -> Step:
    """Store the wijk (it must exist)."""
    assert context.match is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        wijk = await get_wijk(session, int(context.match.group(1)))
        if wijk is None:
            step = Step.WIJK
        else:
            draft_of(context).update(wijk_id=wijk.id, buurt_id=None)
            step = next_step(context, Step.WIJK)
        messages = await prompt_for(session, step, caller, context)
    await reply(update, context, messages)
    return step


async def show_wijken(update: Update, context: BuurtContext) -> Step:
    """Let the person pick another wijk from the preview."""
    return await go_to(update, context, Step.WIJK)


async def contact_by_telegram(update: Update, context: BuurtContext) -> Step:
    """The helper may reach the requester through Telegram."""
    draft_of(context).update(contact="telegram", contact_phone=None)
    return await go_to(update, context, Step.PREVIEW, first=_CONTACT_SAVED)


async def receive_contact(update: Update, context: BuurtContext) -> Step:
    """Store the phone number shared with the button; only the person's own number counts."""
    message = update.effective_message
    assert message is not None
    assert message.contact is not None
    assert update.effective_user is not None
    if message.contact.user_id != update.effective_user.id:
        caller = await caller_of(update, context)
        await send(message.chat, context, caller.t("ask.contact_not_yours"))
        return Step.CONTACT
    phone = message.contact.phone_number
    if not phone.startswith("+"):
        phone = "+" + phone
    draft_of(context).update(contact="phone", contact_phone=phone[:32])
    return await go_to(update, context, Step.PREVIEW, first=_CONTACT_SAVED)


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
