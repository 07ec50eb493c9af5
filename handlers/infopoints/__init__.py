"""Wijkinformatiepunten: /infopunt, search, inline mode, and keeping the list right."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import CANCEL, INFOPOINT
from handlers.common import per_person_flows
from handlers.infopoints import find, manage


def conversation() -> ConversationHandler:
    """Build the /infopunt conversation (persistent: a restart keeps the step)."""
    with per_person_flows():
        return _conversation()


def _conversation() -> ConversationHandler:
    """Lay out the states: choose how to look, search, report, change, add."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[
            CommandHandler(INFOPOINT.names, find.open_infopoints),
            CommandHandler(
                "start", find.open_infopoints, filters=private & filters.Regex(r"^/start infopunt$")
            ),
            CallbackQueryHandler(manage.start_report, pattern=r"^ip:report:(\d{1,9})$"),
            CallbackQueryHandler(manage.choose_field, pattern=r"^ip:edit:(\d{1,9})$"),
            CallbackQueryHandler(manage.start_add, pattern=r"^ip:add$"),
        ],
        states={
            find.State.CHOOSE: [
                MessageHandler(private & filters.LOCATION, find.receive_location),
                CallbackQueryHandler(find.show_wijken, pattern=r"^ip:wijken$"),
                CallbackQueryHandler(find.ask_search, pattern=r"^ip:search$"),
                CallbackQueryHandler(find.show_wijk, pattern=r"^ip:wijk:(\d{1,9})$"),
                MessageHandler(text, find.search),  # typing right away is a search too
            ],
            find.State.SEARCH: [MessageHandler(text, find.search)],
            manage.State.REPORT: [MessageHandler(text, manage.receive_report)],
            manage.State.EDIT_FIELD: [
                CallbackQueryHandler(manage.ask_value, pattern=r"^ipf:([a-z_]{1,20})$")
            ],
            manage.State.EDIT_VALUE: [MessageHandler(text, manage.receive_value)],
            manage.State.ADD_NAME: [MessageHandler(text, manage.receive_new_name)],
            manage.State.ADD_WIJK: [
                CallbackQueryHandler(manage.create_point, pattern=r"^ipn:(\d{1,9})$")
            ],
        },
        fallbacks=[
            CommandHandler(CANCEL.names, manage.cancel),
            CommandHandler(INFOPOINT.names, find.open_infopoints),
        ],
        name="infopoint",
        persistent=True,
        # A flow left half-way ends by itself, so later text is not taken for an answer.
        conversation_timeout=timedelta(minutes=30),
        allow_reentry=True,
    )
