"""What every feature's callbacks share: who is this, in which language, and how to reply."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Chat, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.context import BuurtContext
from bot.i18n import Translator, pick_language, translator
from bot.telegram_bot import BuurtBot, Markup
from models.people import Person, Roles, clean_display_name, touch_person_with_roles

# Longest piece of typed text we ever echo back, so a reply always fits Telegram's limit.
ECHO_MAX = 60


@dataclass(frozen=True)
class Caller:
    """The person behind an update, with their translator and their roles.

    The roles are read with the person at the start of the update's transaction; code that
    changes roles reads them again (roles_of).
    """

    person: Person
    t: Translator
    roles: Roles

    @property
    def language(self) -> str:
        """Return the person's language."""
        return self.t.language


def is_private(update: Update) -> bool:
    """Tell whether the update comes from a private chat with the bot."""
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def identify(session: AsyncSession, update: Update, context: BuurtContext) -> Caller:
    """Create or refresh the person behind the update and pick their language."""
    user = update.effective_user
    assert user is not None
    person, roles = await touch_person_with_roles(
        session,
        telegram_id=user.id,
        display_name=clean_display_name(user.first_name, user.last_name),
        username=user.username,
        private_chat=is_private(update),
    )
    language = pick_language(
        person.language, user.language_code, context.config.bot.default_language
    )
    return Caller(person=person, t=translator(language), roles=roles)


def guess_translator(update: Update, context: BuurtContext) -> Translator:
    """Pick a language without the database, from the person's Telegram app."""
    user = update.effective_user
    code = user.language_code if user else None
    return translator(pick_language(None, code, context.config.bot.default_language))


def shorten(text: str, limit: int = ECHO_MAX) -> str:
    """Cut typed text for echoing it back."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def send(chat: Chat | int, context: BuurtContext, text: str, markup: Markup = None) -> None:
    """Send an HTML message to a chat (without parsing Telegram's answer: see telegram_bot.py)."""
    chat_id = chat if isinstance(chat, int) else chat.id
    await context.bot.send_text(chat_id, text, markup)


async def close_buttons(update: Update, text: str | None = None) -> None:
    """Take the buttons off the pressed message (optionally replacing its text)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    markup = getattr(query.message, "reply_markup", None)
    if text is None and (markup is None or not markup.inline_keyboard):
        return  # nothing to take away; an edit would only be refused as "not modified"
    bot = cast(BuurtBot, query.get_bot())
    try:
        await bot.retire_buttons(query.message.chat.id, query.message.message_id, text)
    except BadRequest as exc:
        # A double press edits the same message twice; Telegram calls the second "not modified".
        if "not modified" not in str(exc).lower():
            raise


@contextmanager
def per_person_flows() -> Iterator[None]:
    """Build ConversationHandlers without PTB's per_message warning.

    PTB warns that callback queries are tracked per chat, not per message. That is intended: a
    flow belongs to a person, whichever of its messages they press.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        yield


async def identify_with_roles(update: Update, context: BuurtContext) -> tuple[Caller, Roles]:
    """Identify the person and load their roles, in one short transaction."""
    async with context.session() as session:
        caller = await identify(session, update, context)
    return caller, caller.roles


async def end_flow(
    update: Update, context: BuurtContext, text_key: str, *drafts: str, markup: Markup = None
) -> int:
    """Stop a flow: forget its drafts, retire the pressed buttons, say so; return END."""
    assert context.user_data is not None
    for draft in drafts:
        context.user_data.pop(draft, None)
    caller, _ = await identify_with_roles(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await close_buttons(update)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, caller.t(text_key), markup)
    return ConversationHandler.END
