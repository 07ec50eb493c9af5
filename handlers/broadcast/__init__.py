"""/omroep (/broadcast): an admin sends an announcement to an audience, now or later.

The conversation as data; the steps live in compose.py (text, audience, preview) and
planned.py (the planned list, scheduling, cancelling).
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import BROADCAST, CANCEL
from handlers.broadcast.compose import (
    AUDIENCE_PATTERN,
    TARGET_PATTERN,
    State,
    choose_audience,
    choose_target,
    receive_media,
    receive_text,
    stop,
)
from handlers.broadcast.planned import cancel_planned, confirm, open_broadcast
from handlers.common import per_person_flows

__all__ = ["cancel_planned", "conversation"]


def conversation() -> ConversationHandler:
    """Build the /omroep conversation (persistent)."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    with per_person_flows():
        return ConversationHandler(
            entry_points=[CommandHandler(BROADCAST.names, open_broadcast, filters=private)],
            states={
                State.TEXT: [
                    MessageHandler(text, receive_text),
                    MessageHandler(private & (filters.PHOTO | filters.Document.ALL), receive_media),
                ],
                State.AUDIENCE: [
                    CallbackQueryHandler(choose_audience, pattern=AUDIENCE_PATTERN),
                    CallbackQueryHandler(choose_target, pattern=TARGET_PATTERN),
                ],
                State.PREVIEW: [
                    CallbackQueryHandler(confirm, pattern=r"^om:send:(now|hour|morning)$")
                ],
            },
            fallbacks=[
                CallbackQueryHandler(stop, pattern=r"^om:stop$"),
                CommandHandler(CANCEL.names, stop),
            ],
            name="omroep",
            persistent=True,
            conversation_timeout=timedelta(hours=1),
            allow_reentry=True,
        )
