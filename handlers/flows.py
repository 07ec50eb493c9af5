"""One flow at a time: a new command ends whatever flow the person was in.

Without this, a flow left half-way (say /infopunt waiting for a search word) would take the text
meant for the next flow (say /omroep's announcement), because it is registered earlier.
python-telegram-bot has no public way to end a conversation from outside; the two private
helpers used here (`_get_key`, `_update_state`) are what ConversationHandler itself uses to end
a conversation, and a test covers the behaviour in case a new PTB version changes them.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ConversationHandler

from bot.commands import CANCEL
from bot.context import BuurtContext


def conversations(application: Application) -> list[ConversationHandler]:
    """Return every ConversationHandler of the application."""
    return [
        handler
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler)
    ]


async def end_other_flows(update: Update, context: BuurtContext) -> None:
    """End the person's flows when they send a new command (not /annuleer: the flow does that)."""
    message = update.effective_message
    if message is None or not message.text or not message.text.startswith("/"):
        return
    command = message.text.split()[0][1:].split("@")[0].lower()
    if command in CANCEL.names:
        return
    end_all_flows(update, context)


def end_all_flows(update: Update, context: BuurtContext) -> None:
    """End every flow the person behind the update is in."""
    for handler in conversations(context.application):
        key = handler._get_key(update)
        if key in handler._conversations:
            handler._update_state(ConversationHandler.END, key)


def timeouts(application: Application) -> dict[str, float]:
    """Return each persistent conversation's timeout in seconds, by name."""
    found = {}
    for handler in conversations(application):
        timeout = handler.conversation_timeout
        if handler.name and timeout is not None:
            seconds = (
                timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)
            )
            found[handler.name] = seconds
    return found
