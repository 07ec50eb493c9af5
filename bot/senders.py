"""What the dispatcher calls per outbox message: card senders by kind, and stored markups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from models.outbox import OutboxMessage

# Sends a card (or brings posted cards up to date) for one outbox message; it opens its own
# short transactions, never one across a call to Telegram.
CardSender = Callable[[Bot, async_sessionmaker[AsyncSession], OutboxMessage], Awaitable[None]]
# Tells whether a queued message still makes sense (its request may have moved on).
Relevance = Callable[[AsyncSession, OutboxMessage], Awaitable[bool]]


def by_kind(senders: dict[str, CardSender]) -> CardSender:
    """Route each outbox message to the card sender of its kind."""

    async def send(
        bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], message: OutboxMessage
    ) -> None:
        await senders[message.kind](bot, sessionmaker, message)

    return send


async def always_relevant(_session: AsyncSession, _message: OutboxMessage) -> bool:
    """Send every message."""
    return True


def markup_from_dict(data: dict[str, Any] | None) -> Any:
    """Rebuild a stored reply markup."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return ReplyKeyboardMarkup.de_json(data, None)
