"""All handler registrations, in order: the one place that decides who sees an update."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import CANCEL, HELP, START
from bot.context import BuurtContext
from handlers import cancel, help, onboarding, settings

# Runs after every other group, so conversation states are final when they are written.
PERSIST_GROUP = 100


async def write_persistence(_update: object, context: BuurtContext) -> None:
    """Write changed conversation states and flow data now, not at the next interval."""
    await context.application.update_persistence()


def register_all(application: Application) -> None:
    """Register every handler; the order matters where the comments say so."""
    private = filters.ChatType.PRIVATE
    add = application.add_handler
    # Flows first: while a flow waits for text or a location, it gets it before the fallbacks.
    add(settings.conversation())
    add(CommandHandler(START.names, onboarding.start))
    add(CommandHandler(HELP.names, help.show_help))
    add(CommandHandler(CANCEL.names, cancel.cancel, filters=private))
    add(CallbackQueryHandler(onboarding.choose_language, pattern=r"^ob:lang:(nl|en)$"))
    add(CallbackQueryHandler(onboarding.answer_consent, pattern=r"^ob:consent:(yes|no)$"))
    add(CallbackQueryHandler(onboarding.choose_wijk, pattern=r"^ob:wijk:(\d{1,9})(?::(\d{1,9}))?$"))
    add(CallbackQueryHandler(onboarding.list_wijken_again, pattern=r"^ob:wijken$"))
    add(MessageHandler(private & filters.LOCATION, onboarding.receive_location))
    # Fallbacks last: unknown commands and free text in private chats, then stray buttons.
    # In groups, privacy mode means the bot only sees commands; unknown ones may be another
    # bot's, so they get no answer there.
    add(MessageHandler(private & filters.COMMAND, onboarding.unknown_command))
    add(MessageHandler(private & filters.TEXT, onboarding.receive_text))
    add(MessageHandler(private & filters.UpdateType.MESSAGE, onboarding.receive_other))
    add(CallbackQueryHandler(cancel.press_stale_button))
    add(TypeHandler(Update, write_persistence), group=PERSIST_GROUP)
