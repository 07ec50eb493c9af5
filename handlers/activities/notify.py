"""Queue what an activity change owes people: group cards, residents' copies, notices."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError

from bot.config import Config
from bot.delivery import CardSender
from bot.i18n import pick_language, translator
from bot.media import Media, send_media
from handlers.activities.render import card_text, notice_text, review_keyboard, rsvp_keyboard
from handlers.group_cards import edit_cards, remember
from models import activities, outbox
from models.activities import Activity, ActivityCard, Event, Outcome, counts
from models.groups import links_for_wijk
from models.outbox import Kind, OutboxMessage
from models.people import Person
from models.subscriptions import delivery_time, reachable_with_choices

_LOGGER = logging.getLogger("buurtbot.activities")


async def queue_activity(
    session: AsyncSession, outcome: Outcome, config: Config, now: datetime
) -> None:
    """Queue cards, residents' copies and notices for an activity change."""
    activity = outcome.activity
    tz = config.bot.tz
    if outcome.post_cards:
        for wijk_id in activity.wijk_ids:
            for link in await links_for_wijk(session, wijk_id):
                await outbox.enqueue(
                    session,
                    kind=Kind.ACTIVITY_CARD,
                    chat_id=link.chat_id,
                    thread_id=link.thread_id,
                    activity_id=activity.id,
                    now=now,
                    dedupe_key=f"actcard:{activity.id}:{link.chat_id}:{link.thread_id}",
                )
        await _tell_residents(session, activity, config, now)
    if outcome.edit_cards and not await outbox.edit_pending(
        session, Kind.ACTIVITY_EDIT, activity_id=activity.id
    ):
        # One pending edit per activity: a burst of answers becomes one edit per card.
        await outbox.enqueue(
            session, kind=Kind.ACTIVITY_EDIT, chat_id=0, activity_id=activity.id, now=now
        )
    for notice in outcome.notices:
        person = await session.get(Person, notice.person_id)
        if person is None or person.started_at is None:
            continue
        t = translator(pick_language(person.language, None, config.bot.default_language))
        markup = review_keyboard(t, activity) if notice.event is Event.PROPOSED else None
        text = notice_text(t, notice.event, activity, tz)
        await outbox.enqueue(
            session,
            kind=Kind.TEXT,
            chat_id=person.telegram_id,
            person_id=person.id,
            activity_id=activity.id,
            payload={"text": text, "markup": markup},
            now=now,
            dedupe_key=notice.dedupe_key,
        )


async def _tell_residents(
    session: AsyncSession, activity: Activity, config: Config, now: datetime
) -> None:
    """Send each resident of the activity's wijken a copy with the answer buttons."""
    tally = await counts(session, activity.id)
    for person, chosen in await reachable_with_choices(session, config.requests.quiet_hours):
        if person.id == activity.organiser_id:
            continue
        if not chosen.wants(wijk_ids=activity.wijk_ids, theme=activity.theme):
            continue
        due = delivery_time(chosen, now, config.bot.tz)
        # Daily digest: no buttons in the bundle; /agenda has them.
        kind = Kind.DIGEST if chosen.digest_hour is not None else Kind.TEXT
        t = translator(pick_language(person.language, None, config.bot.default_language))
        # A copy of its own comes as the photo with the card below; a daily bundle is text.
        photo = activity.photo_file_id if kind == Kind.TEXT else None
        text = await card_text(session, t, activity, tally, config.bot.tz, caption=bool(photo))
        markup = rsvp_keyboard(t, activity, calendar=True)
        payload = {"text": text, "markup": markup.to_dict() if markup else None}
        if photo:
            payload[Media.PHOTO.value] = photo
        await outbox.enqueue(
            session,
            kind=kind,
            chat_id=person.telegram_id,
            person_id=person.id,
            activity_id=activity.id,
            now=now,
            due_at=due,
            payload=payload,
            dedupe_key=f"actnew:{activity.id}:{person.id}",
        )


def make_activity_card_sender(config: Config) -> CardSender:
    """Return the outbox's sender for activity cards."""

    async def send(
        bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], message: OutboxMessage
    ) -> None:
        """Post a card, or edit every posted card of the activity to its current state."""
        t = translator(config.bot.default_language)
        async with sessionmaker() as session:
            activity = await session.get(Activity, message.activity_id)
            if activity is None:
                return
            photo = activity.photo_file_id
            tally = await counts(session, activity.id)
            text = await card_text(session, t, activity, tally, config.bot.tz, caption=bool(photo))
            cards = await activities.cards_of(session, activity.id)
        markup = rsvp_keyboard(t, activity)
        if message.kind == Kind.ACTIVITY_CARD:
            thread_id = message.thread_id or None
            if photo:
                sent = await send_media(
                    bot, message.chat_id, Media.PHOTO, photo, text,
                    thread_id=thread_id, reply_markup=markup,
                )  # fmt: skip
            else:
                sent = await bot.send_message(
                    message.chat_id, text, message_thread_id=thread_id, reply_markup=markup
                )
            remember(message.chat_id, sent.message_id, text, markup)
            if config.activities.pin_cards:
                try:
                    await bot.pin_chat_message(
                        message.chat_id, sent.message_id, disable_notification=True
                    )
                except TelegramError as exc:  # no right to pin: the card still stands
                    _LOGGER.warning("Could not pin activity card in %s: %s", message.chat_id, exc)
            async with sessionmaker.begin() as session:
                session.add(
                    ActivityCard(
                        activity_id=activity.id,
                        chat_id=message.chat_id,
                        thread_id=message.thread_id,
                        message_id=sent.message_id,
                    )
                )
            return
        await edit_cards(bot, sessionmaker, cards, text, markup, caption=bool(photo))

    return send
