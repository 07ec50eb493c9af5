"""Sending announcements: start due ones, keep the sender's progress message current, report."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest, TelegramError

from bot.context import BuurtContext
from bot.i18n import Translator, pick_language, translator
from models import broadcasts, outbox
from models.outbox import Kind
from models.people import Person

PROGRESS_EVERY = 3.0  # seconds between two edits of the sender's progress message
_last_progress: dict[int, float] = {}
_LOGGER = logging.getLogger("buurtbot.broadcast")


async def run_broadcasts(context: BuurtContext) -> None:
    """Start due announcements, keep each sender's progress message up to date, then report.

    The final report goes through the outbox in the same transaction that marks the broadcast
    done, so a restart or a deleted progress message cannot lose it.
    """
    now = context.now()
    updates: list[tuple[broadcasts.Broadcast, broadcasts.Progress]] = []
    async with context.session() as session:
        await broadcasts.start_due(session, now=now)
        for item in await broadcasts.sending(session):
            progress = await broadcasts.progress(session, item)
            if progress.done:
                item.status = broadcasts.Status.DONE
                item.finished_at = now
                await _queue_report(session, context, item, progress, now)
                _last_progress.pop(item.id, None)
            elif time.monotonic() - _last_progress.get(item.id, 0.0) >= PROGRESS_EVERY:
                updates.append((item, progress))
    context.services.dispatcher.wake()  # new rows, or a report to send
    for item, progress in updates:
        _last_progress[item.id] = time.monotonic()
        try:
            await _show_progress(context, item, progress)
        except TelegramError as exc:  # one sender's message must not stop the others' updates
            _LOGGER.warning("Progress of broadcast %d not shown: %s", item.id, exc)


async def _translator_for(
    session: AsyncSession, context: BuurtContext, item: broadcasts.Broadcast
) -> Translator:
    """Return the sender's translator."""
    sender = await session.get(Person, item.sender_id) if item.sender_id else None
    return translator(
        pick_language(
            sender.language if sender else None, None, context.config.bot.default_language
        )
    )


async def _queue_report(
    session: AsyncSession,
    context: BuurtContext,
    item: broadcasts.Broadcast,
    progress: broadcasts.Progress,
    now: datetime,
) -> None:
    """Queue the final report for the sender."""
    if item.report_chat_id is None:
        return
    t = await _translator_for(session, context, item)
    lines = [
        t(
            "omroep.report",
            number=item.id,
            sent=progress.sent,
            blocked=progress.blocked,
            failed=progress.failed,
        )
    ]
    lines += [
        t("omroep.report_reason", reason=reason, count=count)
        for reason, count in progress.reasons.most_common(5)
    ]
    await outbox.enqueue(
        session,
        kind=Kind.TEXT,
        chat_id=item.report_chat_id,
        person_id=item.sender_id,
        now=now,
        payload={"text": "\n".join(lines)},
        dedupe_key=f"bc:{item.id}:report",
    )


async def _show_progress(
    context: BuurtContext, item: broadcasts.Broadcast, progress: broadcasts.Progress
) -> None:
    """Edit the sender's progress message; send a new one when there is none (or it is gone)."""
    if item.report_chat_id is None:
        return
    async with context.session() as session:
        t = await _translator_for(session, context, item)
    done = progress.sent + progress.blocked + progress.failed + progress.cancelled
    text = t(
        "omroep.progress", number=item.id, done=_number(done, t), total=_number(progress.total, t)
    )
    if item.progress_message_id is not None:
        try:
            await context.bot.edit_message_text(
                text, chat_id=item.report_chat_id, message_id=item.progress_message_id
            )
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            # Deleted by the sender, or too old to edit: show the progress in a new message.
    sent = await context.bot.send_message(item.report_chat_id, text)
    async with context.session() as session:
        stored = await session.get(broadcasts.Broadcast, item.id)
        if stored is not None:
            stored.progress_message_id = sent.message_id


def _number(value: int, t: Translator) -> str:
    """Write 1234 as 1.234 in Dutch and 1,234 in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if t.language == "nl" else text
