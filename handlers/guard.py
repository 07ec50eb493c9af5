"""The check in front of every update: blocked people are ignored, floods are slowed down."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import BuurtContext
from bot.guard import Verdict
from bot.i18n import pick_language, translator
from handlers.common import is_private
from models.people import get_person


async def check(update: Update, context: BuurtContext) -> None:
    """Let the update through, or end it here (ApplicationHandlerStop) unanswered."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    guard = context.services.guard
    if await guard.blocked.is_blocked(user.id):
        guard.forget(update)
        # Ignored: no reply and no change. A press and an inline query still get their empty
        # answer, or the person's app keeps spinning (and that says nothing about a block).
        await _close_quietly(update)
        raise ApplicationHandlerStop
    verdict = guard.verdict(update, user.id)
    if verdict is Verdict.ALLOW:
        return
    text = await _slow_down(update, context) if verdict is Verdict.WARN else None
    query = update.callback_query
    if query is not None:
        await query.answer(text)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0)
    elif text is not None and update.message is not None and is_private(update):
        # In a group the warning would bother everyone else: there the updates just stop.
        await context.bot.send_message(update.message.chat_id, text)
    raise ApplicationHandlerStop


async def _close_quietly(update: Update) -> None:
    """Answer a press or an inline query without saying anything."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0)


async def _slow_down(update: Update, context: BuurtContext) -> str:
    """Return the "slow down" text in the person's language (read once a minute at most)."""
    user = update.effective_user
    assert user is not None
    async with context.session() as session:
        person = await get_person(session, user.id)
        stored = person.language if person is not None else None
    language = pick_language(stored, user.language_code, context.config.bot.default_language)
    t = translator(language)
    return t("guard.slow_down")
