"""/vraag for a resident without Telegram: a buurtassistent gives name, phone and agreement."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.context import BuurtContext
from handlers.common import send
from handlers.keyboards import rows
from handlers.requests.ask.prompts import PHONE_RE, Step, draft_of, stop_button
from handlers.requests.ask.steps import answer_press, caller_of, go_to


async def choose_who(update: Update, context: BuurtContext) -> Step:
    """A buurtassistent files for themself, or for a resident without Telegram."""
    assert context.match is not None
    if context.match.group(1) == "me":
        return await go_to(update, context, Step.CATEGORY)
    caller = await caller_of(update, context)
    await answer_press(update, context, [(caller.t("ask.behalf_name"), None)])
    return Step.BEHALF_NAME


async def receive_behalf_name(update: Update, context: BuurtContext) -> Step:
    """Store the resident's first name."""
    caller = await caller_of(update, context)
    assert update.effective_message is not None
    name = " ".join((update.effective_message.text or "").split())
    if not 1 <= len(name) <= 64:
        await send(update.effective_message.chat, context, caller.t("ask.behalf_name_bad"))
        return Step.BEHALF_NAME
    draft_of(context)["behalf_name"] = name
    await send(update.effective_message.chat, context, caller.t("ask.behalf_phone"))
    return Step.BEHALF_PHONE


async def receive_behalf_phone(update: Update, context: BuurtContext) -> Step:
    """Store the resident's phone number and ask to confirm their agreement."""
    caller = await caller_of(update, context)
    message = update.effective_message
    assert message is not None
    phone = (message.text or "").strip()
    if not PHONE_RE.match(phone):
        await send(message.chat, context, caller.t("ask.behalf_phone_bad"))
        return Step.BEHALF_PHONE
    draft_of(context)["behalf_phone"] = phone
    keyboard = rows(
        [
            InlineKeyboardButton(caller.t("ask.behalf_agreed"), callback_data="ask:agreed"),
            stop_button(caller.t),
        ],
        per_row=1,
    )
    text = caller.t("ask.behalf_consent", name=draft_of(context)["behalf_name"])
    await send(message.chat, context, text, keyboard)
    return Step.BEHALF_CONSENT


async def confirm_behalf(update: Update, context: BuurtContext) -> Step:
    """Record that the resident agreed; the wijk must then be chosen."""
    draft = draft_of(context)
    draft["behalf_agreed"] = True
    draft["wijk_id"] = None
    return await go_to(update, context, Step.CATEGORY)
