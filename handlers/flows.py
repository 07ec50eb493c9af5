"""One flow at a time: a new command, or a button that starts a flow, ends the flow before.

Without this, a flow left half-way (say /infopunt waiting for a search word) would take the text
meant for the next flow (say /omroep's announcement), because it is registered earlier.
python-telegram-bot has no public way to end a conversation from outside; the two private
helpers used here (`_get_key`, `_update_state`) are what ConversationHandler itself uses to end
a conversation, and a test covers the behaviour in case a new PTB version changes them.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
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


async def note_flows_a_button_may_start(update: Update, context: BuurtContext) -> None:
    """Note which flows a pressed button may start; end_flows_a_button_left acts on it.

    An old message's button (the settings menu, a thanks with smileys) can open a flow while
    the person is half-way through another; both would then wait for the next text, and the
    one registered first would take it, whatever the person meant. Whether the button really
    opens its flow is known only after it was handled: "Klaar" on an old menu, or a rating
    refused, ends at once and must leave the other flow alone.
    """
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return  # flows are private; a group card's button (or an inline one) starts none
    handlers = conversations(context.application)
    context.starting_flows = tuple(handler for handler in handlers if _starts(handler, update))


async def end_flows_a_button_left(update: Update, context: BuurtContext) -> None:
    """End the person's other flows if the pressed button did open a flow.

    Their drafts stay until the next command: the new flow's draft may be among them.
    """
    started = [
        handler
        for handler in context.starting_flows
        if handler._get_key(update) in handler._conversations
    ]
    if started:
        end_all_flows(update, context, keep=started, drafts=False)


def _starts(handler: ConversationHandler, update: Update) -> bool:
    """Tell whether the update opens this flow (and is not a step of it, already open)."""
    if handler._get_key(update) in handler._conversations:
        return False
    return any(entry.check_update(update) for entry in handler.entry_points)


# A person's flow data holds the drafts of their flows, and this, which outlives them: the
# request whose link brought a new person here, offered once onboarding is done.
OUTLIVES_FLOWS = frozenset({"pending_request"})


def end_all_flows(
    update: Update,
    context: BuurtContext,
    keep: list[ConversationHandler] | None = None,
    *,
    drafts: bool = True,
) -> None:
    """End every flow the person behind the update is in (but those to keep), and the drafts.

    A draft of an ended flow is never used again (a flow starts with a new one), so it goes:
    an abandoned question would otherwise stay stored for as long as the person is active.
    """
    for handler in conversations(context.application):
        if keep and handler in keep:
            continue
        key = handler._get_key(update)
        if key in handler._conversations:
            handler._update_state(ConversationHandler.END, key)
    data = context.user_data
    if drafts and data:
        for name in [name for name in data if name not in OUTLIVES_FLOWS]:
            del data[name]


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
