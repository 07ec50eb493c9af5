"""The buurtassistenten's daily overview: how the requests in their wijken stand.

Sent once a day per person at escalation.digest_time (local time); the outbox row's
dedupe key (person and local date) is the record, so a restart sends none twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.config import Config
from bot.context import BuurtContext
from bot.i18n import Html, Translator, pick_language, translator
from handlers.escalation import duration_text, ladders, request_button
from handlers.requests.render import category_label
from models import outbox
from models.areas import Wijk
from models.escalations import assistants_with_wijken
from models.outbox import Kind, OutboxMessage
from models.overview import Overview, overview
from models.people import Person

_LOGGER = logging.getLogger("buurtbot.digest")
# The overview goes out at most this long after its time (a restart, a slow start).
DIGEST_LATEST = timedelta(hours=4)


def digest_key(person_id: int, day: date) -> str:
    """Return the dedupe key of one person's overview of one day."""
    return f"ba-digest:{person_id}:{day.isoformat()}"


def digest_due(config: Config, now: datetime) -> date | None:
    """Return the local date whose overview is due at now, or None (not its time, or off).

    Due from the digest time for a few hours: after a restart in that time it still goes out,
    but a morning overview is not sent in the evening (nor to someone appointed then).
    """
    if not config.escalation.digest_time:
        return None
    tz = config.bot.tz
    at = time.fromisoformat(config.escalation.digest_time)
    today = now.astimezone(tz).date()
    for day in (today, today - timedelta(days=1)):  # yesterday's, for a time late at night
        start = datetime.combine(day, at, tzinfo=tz)
        if start <= now < start + DIGEST_LATEST:
            return day
    return None


async def _wijk_names(session: AsyncSession, wijk_ids: set[int]) -> str:
    """Name the wijken, alphabetically."""
    names = await session.scalars(select(Wijk.name).where(Wijk.id.in_(sorted(wijk_ids))))
    return ", ".join(sorted(names))


def render(
    t: Translator,
    figures: Overview,
    wijken: str | None,
    config: Config,
    now: datetime,
    bot_username: str,
) -> tuple[Html, dict[str, Any] | None]:
    """Word the overview with a button for each of the oldest open requests."""
    parts = [
        t("digest.title", wijken=wijken) if wijken else t("digest.title_city"),
        t(
            "digest.counts",
            new=figures.new,
            open=figures.open,
            stalled=figures.stalled,
            done=figures.done,
        ),
    ]
    buttons = []
    if figures.oldest:
        lines = [t("digest.oldest")]
        for request, wijk in figures.oldest:
            category = category_label(config.requests, request.category, t)
            age = duration_text(t, now - request.created_at)
            line = t(
                "digest.oldest_line",
                number=request.id,
                category=Html(category),
                wijk=wijk.name,
                age=age,
            )
            lines.append(line)
            label = t("digest.open_button", number=request.id, age=age)
            buttons.append([request_button(bot_username, request.id, label)])
        parts.append("\n".join(lines))
    else:
        parts.append(t("digest.nothing_open"))
    parts.append(t("digest.footer"))
    markup = InlineKeyboardMarkup(buttons).to_dict() if buttons else None
    return Html("\n\n".join(parts)), markup


async def queue_digests(
    session: AsyncSession, config: Config, now: datetime, day: date, bot_username: str
) -> int:
    """Queue the overview of day for every buurtassistent who has not had it; return how many."""
    people = await assistants_with_wijken(session)
    keys = [digest_key(person.id, day) for person, _ in people]
    done = set(
        await session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
        )
    )
    queued = 0
    steps = ladders(config.escalation)
    for person, wijk_ids in people:
        key = digest_key(person.id, day)
        if key in done:
            continue
        figures = await overview(session, wijk_ids=wijk_ids, now=now, ladders=steps)
        wijken = await _wijk_names(session, wijk_ids) if wijk_ids is not None else None
        t = translator(pick_language(person.language, None, config.bot.default_language))
        text, markup = render(t, figures, wijken, config, now, bot_username)
        await _enqueue(session, person, text, markup, now, key)
        queued += 1
    return queued


async def _enqueue(
    session: AsyncSession,
    person: Person,
    text: str,
    markup: dict[str, Any] | None,
    now: datetime,
    key: str,
) -> None:
    """Queue one person's overview."""
    await outbox.enqueue(
        session,
        kind=Kind.TEXT,
        chat_id=person.telegram_id,
        person_id=person.id,
        payload={"text": text, "markup": markup},
        now=now,
        dedupe_key=key,
    )


async def run_digests(context: BuurtContext) -> None:
    """Queue today's overviews once the digest time has come."""
    now = context.now()
    day = digest_due(context.config, now)
    if day is None:
        return
    async with context.session() as session:
        queued = await queue_digests(session, context.config, now, day, context.bot.username)
    if queued:
        _LOGGER.info("%d daily overview(s) queued", queued)
        context.services.dispatcher.wake()
