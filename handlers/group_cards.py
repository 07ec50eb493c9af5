"""Cards in groups (requests, activities): bring every posted copy up to date."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden

from models.groups import forget_card, migrate_chat

_LOGGER = logging.getLogger("buurtbot.cards")
# What each posted card shows now, per (chat, message): an edit to the same content is skipped
# (Telegram would refuse it as "not modified" and it would cost a message of the rate limit).
# Kept in memory: after a restart, at most one edit per card is refused that way.
_shown: dict[tuple[int, int], str] = {}


async def edit_cards(
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    cards: Sequence[Any],
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    caption: bool = False,
) -> None:
    """Edit every posted card; one group's trouble does not keep the others stale.

    caption: the cards are photos, whose text is a caption (Telegram refuses editMessageText).

    A card that is gone is forgotten; a group that removed the bot is unlinked. Any other
    failure is raised after the loop, so the outbox tries again (cards already right answer
    "not modified").
    """
    failure: Exception | None = None
    content = text + repr(markup.to_dict() if markup else None)
    for card in cards:
        where = (card.chat_id, card.message_id)
        if _shown.get(where) == content:
            continue
        try:
            try:
                await _edit(bot, card.chat_id, card.message_id, text, markup, caption=caption)
            except ChatMigrated as exc:
                # The group became a supergroup and took its history along: edit it there.
                async with sessionmaker.begin() as session:
                    await migrate_chat(session, card.chat_id, exc.new_chat_id)
                where = (exc.new_chat_id, card.message_id)
                await _edit(bot, exc.new_chat_id, card.message_id, text, markup, caption=caption)
            _shown[where] = content
        except BadRequest as exc:
            reason = str(exc).lower()
            if "not modified" in reason:
                _shown[where] = content
                continue
            if "not found" in reason:
                # Deleted by a group admin, or the group is gone: forget the card.
                await _forget(sessionmaker, card, unlink="chat not found" in reason)
                continue
            failure = exc
        except Forbidden:
            # The bot was removed from the group: its cards there can no longer change.
            await _forget(sessionmaker, card, unlink=True)
        except Exception as exc:
            failure = exc
    if failure is not None:
        raise failure


async def _forget(
    sessionmaker: async_sessionmaker[AsyncSession], card: Any, *, unlink: bool
) -> None:
    """Stop editing a card; when the group itself is gone, stop posting there too."""
    if unlink:
        _LOGGER.warning("The bot can no longer post in chat %s; unlinking it", card.chat_id)
    async with sessionmaker.begin() as session:
        await forget_card(session, card, unlink=unlink)


def remember(chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Note what a newly posted card shows."""
    _shown[(chat_id, message_id)] = text + repr(markup.to_dict() if markup else None)


async def _edit(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    caption: bool,
) -> None:
    """Edit a card's text, or its caption when the card is a photo."""
    if caption:
        await bot.edit_message_caption(
            chat_id=chat_id, message_id=message_id, caption=text, reply_markup=markup
        )
    else:
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
