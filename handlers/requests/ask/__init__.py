"""/vraag (/ask): the conversation as data. The steps live in steps.py, behalf.py and finish.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import ASK, CANCEL
from handlers.common import per_person_flows
from handlers.requests.ask.behalf import (
    choose_who,
    confirm_behalf,
    receive_behalf_name,
    receive_behalf_phone,
)
from handlers.requests.ask.finish import change, post, redo, stop
from handlers.requests.ask.prompts import Step, open_ask
from handlers.requests.ask.steps import (
    choose_category,
    choose_day,
    choose_part,
    choose_when,
    choose_wijk,
    contact_by_telegram,
    nudge,
    nudge_text,
    receive_contact,
    receive_description,
    show_wijken,
)


def conversation() -> ConversationHandler:
    """Build the /vraag conversation (persistent: a restart keeps the draft and the step)."""
    with per_person_flows():
        return _conversation()


def _conversation() -> ConversationHandler:
    """Lay out the states of the /vraag flow."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    other = private & ~filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE

    def button(callback: Callable[..., Awaitable[object]], pattern: str) -> CallbackQueryHandler:
        return CallbackQueryHandler(callback, pattern=pattern)

    stop_press = button(stop, r"^ask:stop$")
    nudges = [MessageHandler(text | other, nudge)]
    return ConversationHandler(
        entry_points=[
            CommandHandler(ASK.names, open_ask),
            CommandHandler("start", open_ask, filters=private & filters.Regex(r"^/start ask$")),
        ],
        states={
            Step.WHO: [button(choose_who, r"^ask:who:(me|other)$"), *nudges],
            Step.BEHALF_NAME: [MessageHandler(text, receive_behalf_name)],
            Step.BEHALF_PHONE: [MessageHandler(text, receive_behalf_phone)],
            Step.BEHALF_CONSENT: [button(confirm_behalf, r"^ask:agreed$"), *nudges],
            Step.CATEGORY: [button(choose_category, r"^ask:cat:([a-z0-9-]{1,30})$"), *nudges],
            Step.DESCRIPTION: [
                MessageHandler(text, receive_description),
                MessageHandler(other, nudge_text),
            ],
            Step.WHEN: [button(choose_when, r"^ask:when:(asap|today|tomorrow|week|day)$"), *nudges],
            Step.DAY: [button(choose_day, r"^ask:day:([0-9-]{10})$"), *nudges],
            Step.PART: [
                button(choose_part, r"^ask:part:(morning|afternoon|evening|all)$"),
                *nudges,
            ],
            Step.WIJK: [button(choose_wijk, r"^ask:wijk:(\d{1,9})$"), *nudges],
            Step.CONTACT: [
                button(contact_by_telegram, r"^ask:contact:tg$"),
                MessageHandler(private & filters.CONTACT, receive_contact),
                *nudges,
            ],
            Step.PREVIEW: [
                button(post, r"^ask:post$"),
                button(change, r"^ask:change$"),
                button(redo, r"^ask:redo:(category|description|when|wijk|contact)$"),
                button(show_wijken, r"^ask:wijken$"),
                *nudges,
            ],
        },
        fallbacks=[
            stop_press,
            CommandHandler(CANCEL.names, stop),
            CommandHandler(ASK.names, open_ask),
        ],
        name="ask",
        persistent=True,
        # A flow left half-way ends by itself, so later text is not taken for an answer.
        conversation_timeout=timedelta(hours=24),
        allow_reentry=True,
    )
