"""Inline mode: "@bot bieb" in any chat offers matching points to share."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultVenue,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode

from bot.context import BuurtContext
from handlers.common import guess_translator
from handlers.infopoints.find import SEARCH
from handlers.infopoints.render import summary
from handlers.keyboards import deep_link

MAX_INLINE = 20


async def answer_inline(update: Update, context: BuurtContext) -> None:
    """Offer the best matching points: a venue when the point is on the map, else a card."""
    query = update.inline_query
    assert query is not None
    # No person row for inline use: anyone can type @bot anywhere, without consent.
    t = guess_translator(update, context)
    text = query.query[:200]
    async with context.services.sessionmaker() as session:
        found = await SEARCH.search(session, text, limit=MAX_INLINE) if text.strip() else []
    now, tz = context.now(), context.config.bot.tz
    results = []
    for point in found:
        card = summary(t, point, now, tz)
        # A message sent through inline mode has no chat the bot can answer in, so its button
        # opens the private chat with this point instead of calling back.
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t("infopoint.details_button"),
                        url=deep_link(context.bot.username, f"ip_{point.id}"),
                    )
                ]
            ]
        )
        if point.has_location:
            results.append(
                InlineQueryResultVenue(
                    id=f"ip{point.id}",
                    latitude=point.latitude,
                    longitude=point.longitude,
                    title=point.name[:200],
                    address=(point.address or point.name)[:200],
                    reply_markup=keyboard,
                )
            )
        else:
            results.append(
                InlineQueryResultArticle(
                    id=f"ip{point.id}",
                    title=point.name[:200],
                    description=point.address or t("infopoint.no_address"),
                    input_message_content=InputTextMessageContent(card, parse_mode=ParseMode.HTML),
                    reply_markup=keyboard,
                )
            )
    await query.answer(results, cache_time=60, is_personal=False)
