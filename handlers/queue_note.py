"""An internal note on a request, from /wachtrij: press 📝, type, done."""

from __future__ import annotations

import enum
from datetime import timedelta

from telegram import Update
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
from handlers.common import end_flow, identify, per_person_flows, send
from handlers.requests.errors import error_text
from models.errors import DomainError
from models.help_requests import get_request
from models.help_requests.dispatch import NOTE_MAX, add_note, require_assistant

DRAFT = "queue_note"


class State(enum.IntEnum):
    TEXT = 1


async def ask_note(update: Update, context: BuurtContext) -> State | int:
    """Check the caller may write on this request, then ask for the note."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    request_id = int(context.match.group(1))
    async with context.session() as session:
        caller = await identify(session, update, context)
        try:
            require_assistant(caller.roles, await get_request(session, request_id))
        except DomainError as exc:
            refusal = error_text(caller.t, exc)
        else:
            refusal = None
    if refusal is not None:
        await query.answer(refusal, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    assert context.user_data is not None
    context.user_data[DRAFT] = request_id
    assert update.effective_chat is not None
    await send(
        update.effective_chat, context, caller.t("queue.note_ask", number=request_id, max=NOTE_MAX)
    )
    return State.TEXT


async def receive_note(update: Update, context: BuurtContext) -> State | int:
    """Store the note (roles checked again: they may have changed since the press)."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    request_id = context.user_data.get(DRAFT)
    text = (message.text or "").strip()
    async with context.session() as session:
        caller = await identify(session, update, context)
        t = caller.t
        if request_id is None:
            return ConversationHandler.END
        if not text:
            again = t("queue.note_empty")
        elif len(text) > NOTE_MAX:
            again = t("queue.note_too_long", max=NOTE_MAX, length=len(text))
        else:
            again = None
            try:
                await add_note(
                    session,
                    request_id=request_id,
                    by=caller.person,
                    roles=caller.roles,
                    text=text,
                    now=context.now(),
                )
            except DomainError as exc:
                reply = error_text(t, exc)
            else:
                reply = t("queue.note_saved", number=request_id)
    # Telegram is called once the transaction is over: a slow send holds no connection.
    if again is not None:
        await send(message.chat, context, again)
        return State.TEXT
    context.user_data.pop(DRAFT, None)
    await send(message.chat, context, reply)
    return ConversationHandler.END


async def cancel(update: Update, context: BuurtContext) -> int:
    """Stop without a note."""
    return await end_flow(update, context, N_("queue.note_cancelled"), DRAFT)


def conversation() -> ConversationHandler:
    """Build the note flow (persistent)."""
    with per_person_flows():
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_note, pattern=r"^q:note:(\d{1,9})$")],
            states={
                State.TEXT: [
                    MessageHandler(
                        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, receive_note
                    ),
                ],
            },
            fallbacks=[CommandHandler(CANCEL.names, cancel)],
            name="queue_note",
            persistent=True,
            conversation_timeout=timedelta(minutes=30),
            allow_reentry=True,
        )
