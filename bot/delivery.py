"""Send what the outbox holds: one loop, woken after each commit that queued something.

Delivery is at least once: a message is marked "sending" before it goes out and "sent" after;
after a crash in between, it is sent again at start-up (a duplicate is better than a loss).
Telegram's 429 and 5xx are retried by the rate limiter, then here with a backoff; a 403 means
the person blocked the bot or never started it: the message is dropped and the person marked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from models import outbox
from models.outbox import Kind, OutboxMessage
from models.people import Person

_LOGGER = logging.getLogger("buurtbot.delivery")

# Sends a card (or brings posted cards up to date) for one outbox message.
CardSender = Callable[[Bot, AsyncSession, OutboxMessage], Awaitable[None]]


def markup_from_dict(data: dict[str, Any] | None) -> Any:
    """Rebuild a stored reply markup."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return ReplyKeyboardMarkup.de_json(data, None)


class Dispatcher:
    """The long-lived sender of outbox messages (started in post_init, stopped in shutdown)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        send_card: CardSender,
        *,
        idle_seconds: float = 1.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._send_card = send_card
        self._idle = idle_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._bot: Bot | None = None

    async def initialize(self, bot: Bot) -> None:
        """Requeue what a crash left half-sent and start the loop."""
        self._bot = bot
        async with self._sessionmaker.begin() as session:
            released = await outbox.release_interrupted(session)
        if released:
            _LOGGER.warning(
                "%d message(s) were being sent when the bot stopped; resending", released
            )
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def shutdown(self) -> None:
        """Stop the loop after the message in hand."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Send now: something was queued."""
        self._wake.set()

    async def _run(self) -> None:
        """Drain due messages; sleep until woken or the idle time passes."""
        while True:
            try:
                sent = await self.drain()
            except Exception:
                _LOGGER.exception("The outbox dispatcher failed; trying again shortly")
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
                self._wake.clear()

    async def drain(self, limit: int = 50) -> int:
        """Send one batch of due messages; return how many were handled."""
        async with self._sessionmaker.begin() as session:
            batch = await outbox.claim_due(session, now=self._clock.now(), limit=limit)
            ids = [m.id for m in batch]
        for message_id in ids:
            await self._deliver(message_id)
        return len(ids)

    async def _deliver(self, message_id: int) -> None:
        """Send one message and record the result."""
        assert self._bot is not None
        async with self._sessionmaker.begin() as session:
            message = await session.get(OutboxMessage, message_id)
            if message is None:
                return
            try:
                if message.kind == Kind.TEXT:
                    await self._send_text(message)
                else:
                    await self._send_card(self._bot, session, message)
            except RetryAfter as exc:
                retry = self._clock.now() + outbox.backoff(message.attempts)
                await outbox.mark_failed(session, message.id, error=str(exc), retry_at=retry)
            except Forbidden as exc:
                await outbox.mark_failed(session, message.id, error=str(exc), retry_at=None)
                if message.person_id is not None:
                    person = await session.get(Person, message.person_id)
                    if person is not None:
                        person.blocked_bot = True
            except BadRequest as exc:
                _LOGGER.error("Telegram refused outbox message %d: %s", message.id, exc)
                await outbox.mark_failed(session, message.id, error=str(exc), retry_at=None)
            except (NetworkError, TelegramError) as exc:
                retry = (
                    None
                    if message.attempts >= 8
                    else self._clock.now() + outbox.backoff(message.attempts)
                )
                await outbox.mark_failed(session, message.id, error=str(exc), retry_at=retry)
            else:
                await outbox.mark_sent(session, message.id, now=self._clock.now())

    async def _send_text(self, message: OutboxMessage) -> None:
        """Send a prepared text message."""
        assert self._bot is not None
        payload = message.payload
        await self._bot.send_message(
            message.chat_id,
            payload["text"],
            message_thread_id=message.thread_id or None,
            reply_markup=markup_from_dict(payload.get("markup")),
        )
