"""Post request cards in the wijk's groups, and keep every posted card up to date."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.config import Config
from bot.delivery import CardSender
from bot.i18n import translator
from handlers.group_cards import edit_cards, remember
from handlers.requests.render import card_markup, card_text, facts_of
from models.help_requests import HelpRequest, RequestCard, Status, cards_of
from models.outbox import Kind, OutboxMessage

_LOGGER = logging.getLogger("buurtbot.cards")


def make_card_sender(config: Config) -> CardSender:
    """Return the outbox's card sender for this configuration."""

    async def send_card(
        bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], message: OutboxMessage
    ) -> None:
        """Post a card, or edit every posted card of a request to its current state."""
        # Groups read the card in the deployment's language.
        t = translator(config.bot.default_language)
        async with sessionmaker() as session:
            request = await session.get(HelpRequest, message.request_id)
            if request is None:
                return
            facts = await facts_of(session, request, t, config.requests, config.bot.tz)
            cards = await cards_of(session, request.id)
        text, markup = card_text(t, facts), card_markup(t, request, bot.username)
        if message.kind == Kind.CARD:
            if request.status != Status.OPEN:
                return  # closed before its card went out: nothing to announce
            sent = await bot.send_message(
                message.chat_id,
                text,
                message_thread_id=message.thread_id or None,
                reply_markup=markup,
            )
            remember(message.chat_id, sent.message_id, text, markup)
            async with sessionmaker.begin() as session:
                session.add(
                    RequestCard(
                        request_id=request.id,
                        chat_id=message.chat_id,
                        thread_id=message.thread_id,
                        message_id=sent.message_id,
                    )
                )
            return
        await edit_cards(bot, sessionmaker, cards, text, markup)

    return send_card
