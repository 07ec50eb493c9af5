"""The global error handler: log what failed, tell the person kindly, keep running."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import BuurtContext
from bot.i18n import pick_language, translator
from models.people import get_person, mark_blocked

_LOGGER = logging.getLogger("buurtbot.errors")


def describe_update(update: object) -> str:
    """Name an update by kind and ids only: never its text."""
    if not isinstance(update, Update):
        return "no update (job or start-up)"
    kind = next(
        (
            name
            for name in (
                "message",
                "edited_message",
                "callback_query",
                "my_chat_member",
                "chat_member",
                "channel_post",
            )
            if getattr(update, name, None)
        ),
        "other",
    )
    user = update.effective_user.id if update.effective_user else None
    chat = update.effective_chat.id if update.effective_chat else None
    return f"update {update.update_id} ({kind}, user {user}, chat {chat})"


async def handle_error(update: object, context: BuurtContext) -> None:
    """Log the error; tell the person something went wrong, in their language."""
    error = context.error
    where = describe_update(update)
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        # The person blocked the bot: remember it, so nothing more is sent to them.
        async with context.session() as session:
            await mark_blocked(session, update.effective_user.id)
        _LOGGER.info("Telegram refused to message the person of %s: %s", where, error)
        return
    _LOGGER.error("Failure while handling %s", where, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    language = context.config.bot.default_language
    if user is not None:
        try:
            async with context.session() as session:
                person = await get_person(session, user.id)
                stored = person.language if person else None
        except SQLAlchemyError:
            stored = None  # the database may be what failed; the default language will do
        language = pick_language(stored, user.language_code, language)
    t = translator(language)
    try:
        if update.callback_query is not None:
            # Answer the press, or the person's button keeps spinning; it may be answered already.
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(t("error.generic_short"))
        await context.bot.send_message(update.effective_chat.id, t("error.generic"))
    except (TelegramError, OSError) as exc:
        # Telling the person failed too (e.g. Telegram is down): the log has the first error.
        _LOGGER.warning("Could not tell the person of %s about the failure: %s", where, exc)
