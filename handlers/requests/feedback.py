"""Feedback after a request is done: three faces, then an optional comment."""

from __future__ import annotations

import contextlib
import enum
from datetime import timedelta

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
from handlers.common import close_buttons, identify, per_person_flows, send
from handlers.keyboards import rows
from models.errors import DomainError
from models.help_requests import add_feedback_comment, give_feedback

COMMENT_MAX = 1000


class State(enum.IntEnum):
    COMMENT = 1


async def rate(update: Update, context: BuurtContext) -> State | int:
    """Store the face pressed and offer to add a comment."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    request_id, score = int(context.match.group(1)), int(context.match.group(2))
    async with context.session() as session:
        caller = await identify(session, update, context)
        try:
            await give_feedback(
                session, request_id=request_id, person=caller.person, score=score, now=context.now()
            )
        except DomainError:
            refused = True
        else:
            refused = False
    t = caller.t
    if refused:
        await query.answer(t("button.stale"))
        await close_buttons(update)
        return ConversationHandler.END
    await query.answer(t("feedback.thanks_short"))
    await close_buttons(update)
    assert context.user_data is not None
    context.user_data["feedback_request"] = request_id
    done = rows([InlineKeyboardButton(t("feedback.no_comment"), callback_data="fb:skip")])
    assert update.effective_chat is not None
    await send(update.effective_chat, context, t("feedback.comment"), done)
    return State.COMMENT


async def receive_comment(update: Update, context: BuurtContext) -> int:
    """Store the comment (cut to a sensible length)."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    request_id = context.user_data.pop("feedback_request", None)
    async with context.session() as session:
        caller = await identify(session, update, context)
        if request_id is not None:
            with contextlib.suppress(DomainError):
                await add_feedback_comment(
                    session,
                    request_id=request_id,
                    person=caller.person,
                    comment=(message.text or "")[:COMMENT_MAX],
                )
    await send(message.chat, context, caller.t("feedback.thanks"))
    return ConversationHandler.END


async def skip(update: Update, context: BuurtContext) -> int:
    """End without a comment."""
    assert context.user_data is not None
    context.user_data.pop("feedback_request", None)
    async with context.session() as session:
        caller = await identify(session, update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await close_buttons(update)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, caller.t("feedback.thanks"))
    return ConversationHandler.END


def conversation() -> ConversationHandler:
    """Build the feedback conversation (persistent)."""
    with per_person_flows():
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(rate, pattern=r"^fb:(\d{1,9}):([123])$")],
            states={
                State.COMMENT: [
                    MessageHandler(
                        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, receive_comment
                    ),
                    CallbackQueryHandler(skip, pattern=r"^fb:skip$"),
                ],
            },
            fallbacks=[CommandHandler(CANCEL.names, skip)],
            name="feedback",
            persistent=True,
            # A flow left half-way ends by itself, so later text is not taken for an answer.
            conversation_timeout=timedelta(hours=1),
            allow_reentry=True,
        )
