"""/annuleer (/cancel) outside a flow, and presses on buttons nothing handles any more."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update

from bot.context import BuurtContext
from bot.i18n import N_
from handlers.common import close_buttons, identify, send
from models.people import onboarding_step


async def cancel(update: Update, context: BuurtContext) -> None:
    """Stop onboarding (it can go on later), or say there is nothing to stop."""
    async with context.session() as session:
        caller = await identify(session, update, context)
        onboarding = await onboarding_step(session, caller.person) is not None
    key = N_("cancel.onboarding") if onboarding else N_("cancel.nothing")
    assert update.effective_chat is not None
    # Also take away a "share location" keyboard that may still be showing.
    await send(update.effective_chat, context, caller.t(key), ReplyKeyboardRemove())


async def press_stale_button(update: Update, context: BuurtContext) -> None:
    """Answer a press no feature recognises: an old, unknown or tampered button."""
    query = update.callback_query
    assert query is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
    # Always answer: an unanswered query leaves the person's button spinning.
    await query.answer(caller.t("button.stale"), show_alert=False)
    await close_buttons(update)
