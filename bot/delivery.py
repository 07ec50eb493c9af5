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
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.clock import Clock
from bot.media import Media, send_media
from bot.senders import CardSender, Relevance, always_relevant, by_kind, markup_from_dict
from models import outbox
from models.groups import migrate_chat
from models.outbox import Kind, OutboxMessage
from models.people import Person

_LOGGER = logging.getLogger("buurtbot.delivery")
__all__ = ["CardSender", "Dispatcher", "Relevance", "always_relevant", "by_kind"]

MAX_ATTEMPTS = 8
DIGEST_SEPARATOR = "\n\n———\n\n"
DIGEST_MAX = 4000  # Telegram allows 4096 characters; the HTML tags count less, so this is safe
# A message with its error (None: sent), when to retry (None: give up), and whether it was a 403.
Result = tuple[OutboxMessage, str | None, datetime | None, bool]


class Dispatcher:
    """The long-lived sender of outbox messages (started in post_init, stopped in shutdown)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        send_card: CardSender,
        *,
        relevant: Relevance = always_relevant,
        idle_seconds: float = 1.0,
        in_flight: int = 20,
        on_result: Callable[[str], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        # Told each send's outcome (sent, retry, failed, blocked), for the metrics.
        self._on_result = on_result
        self._clock = clock
        self._send_card = send_card
        self._relevant = relevant
        # At most this many messages are between "taken" and "recorded" at once: after a crash,
        # at most these can go out twice; on a clean stop, none.
        self._in_flight = in_flight
        self._stopping = asyncio.Event()
        self._idle = idle_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._bot: Bot | None = None
        # The batch between "taken" and "recorded", and the results it has so far: if a stop
        # cuts it off, what went out is recorded and the rest goes back to the queue.
        self._in_hand: list[int] = []
        self._finished: list[Result] = []

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

    async def shutdown(self, grace: float = 15.0) -> None:
        """Stop after the batch in hand is sent and recorded, so a clean stop repeats nothing.

        When the batch takes longer than grace (Telegram asks us to wait), it is cut off and
        what was not recorded goes back to the queue: sent again later rather than lost.
        """
        if self._task is None:
            return
        self._stopping.set()
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            in_hand, self._in_hand = self._in_hand, []
            finished, self._finished = self._finished, []
            async with self._sessionmaker.begin() as session:
                await self._record(session, finished)
                released = await outbox.release(session, in_hand)
            _LOGGER.warning(
                "Stopped in the middle of a batch: %d result(s) recorded, %d message(s) requeued",
                len(finished),
                released,
            )
        self._task = None

    def wake(self) -> None:
        """Send now: something was queued."""
        self._wake.set()

    async def _run(self) -> None:
        """Drain due messages; sleep until woken or the idle time passes."""
        while not self._stopping.is_set():
            try:
                sent = await self.drain()
            except Exception:
                _LOGGER.exception("The outbox dispatcher failed; trying again shortly")
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
                self._wake.clear()

    async def drain(self) -> int:
        """Send one batch of due messages side by side; return how many were handled.

        Three steps, and no transaction is open during the middle one: take the batch (and drop
        what no longer fits its request), send, record every result in one transaction.
        """
        now = self._clock.now()
        async with self._sessionmaker.begin() as session:
            await outbox.release_stale(session, now=now)
            batch = await outbox.claim_due(session, now=now, limit=self._in_flight)
            to_send = []
            for message in batch:
                if await self._relevant(session, message):
                    to_send.append(message)
                else:
                    message.status = outbox.Status.CANCELLED
        self._in_hand = [message.id for message in to_send]
        # A person's digest items that fall due together go out as one message.
        digests: dict[int, list[OutboxMessage]] = {}
        singles = []
        for message in to_send:
            if message.kind == Kind.DIGEST:
                digests.setdefault(message.chat_id, []).append(message)
            else:
                singles.append(message)
        # The rate limiter spaces the sends; sending side by side keeps it busy.
        self._finished = []
        sends = [self._keep(self._send(message)) for message in singles]
        sends += [self._keep(self._send_digest(items)) for items in digests.values()]
        await asyncio.gather(*sends)
        async with self._sessionmaker.begin() as session:
            await self._record(session, self._finished)
        self._in_hand, self._finished = [], []
        return len(batch)

    async def _keep(self, send: Awaitable[Result | list[Result]]) -> None:
        """Note a send's results as soon as they are known."""
        outcome = await send
        self._finished.extend(outcome if isinstance(outcome, list) else [outcome])

    async def _record(self, session: AsyncSession, results: list[Result]) -> None:
        """Store what came of each send: sent, to retry, or given up (and who blocked the bot)."""
        sent = [message.id for message, error, _, _ in results if error is None]
        await outbox.mark_sent(session, sent, now=self._clock.now())
        for message, error, retry, blocked in results:
            self._report(error, retry, blocked)
            if error is None:
                continue
            await outbox.mark_failed(session, message.id, error=error, retry_at=retry)
            if blocked and message.person_id is not None:
                person = await session.get(Person, message.person_id)
                if person is not None:
                    person.blocked_bot = True

    def _report(self, error: str | None, retry: datetime | None, blocked: bool) -> None:
        """Tell the observer how one send went."""
        if self._on_result is None:
            return
        if error is None:
            outcome = "sent"
        elif blocked:
            outcome = "blocked"
        else:
            outcome = "failed" if retry is None else "retry"
        self._on_result(outcome)

    async def _send(self, message: OutboxMessage) -> Result:
        """Send one message; return it with its error, when to retry, and whether 403."""
        assert self._bot is not None
        try:
            try:
                await self._send_one(message)
            except ChatMigrated as exc:
                # The group became a supergroup: move it there (links, cards, queue) and send
                # this message there; the next ones already go to the new chat.
                async with self._sessionmaker.begin() as session:
                    await migrate_chat(session, message.chat_id, exc.new_chat_id)
                message.chat_id = exc.new_chat_id
                await self._send_one(message)
        except Forbidden as exc:
            return message, f"Forbidden: {exc}", None, True
        except BadRequest as exc:
            _LOGGER.error("Telegram refused outbox message %d: %s", message.id, exc)
            return message, f"BadRequest: {exc}", None, False
        except Exception as exc:  # a flood, a network fault, or a bug: try again later
            if not isinstance(exc, TelegramError):
                _LOGGER.exception("Outbox message %d failed", message.id)
            retry = None
            if message.attempts < MAX_ATTEMPTS:
                retry = self._clock.now() + outbox.backoff(message.attempts)
            return message, f"{type(exc).__name__}: {exc}", retry, False
        return message, None, None, False

    async def _send_one(self, message: OutboxMessage) -> None:
        """Send a text, or hand a card to the card sender."""
        assert self._bot is not None
        if message.kind == Kind.TEXT:
            await self._send_text(message)
        else:
            await self._send_card(self._bot, self._sessionmaker, message)

    async def _send_digest(self, items: list[OutboxMessage]) -> list[Result]:
        """Send several items to one person as one message (or a few, within Telegram's limit)."""
        texts = [item.payload["text"] for item in items]
        chunks: list[str] = []
        for text in texts:
            if chunks and len(chunks[-1]) + len(DIGEST_SEPARATOR) + len(text) <= DIGEST_MAX:
                chunks[-1] += DIGEST_SEPARATOR + text
            else:
                chunks.append(text)
        first = items[0]
        for chunk in chunks:
            digest = OutboxMessage(
                id=first.id,
                kind=Kind.TEXT,
                chat_id=first.chat_id,
                person_id=first.person_id,
                attempts=first.attempts,
                payload={"text": chunk},
            )
            outcome = await self._send(digest)
            if outcome[1] is not None:  # the first failure decides for all items
                return [(item, *outcome[1:]) for item in items]
        return [(item, None, None, False) for item in items]

    async def _send_text(self, message: OutboxMessage) -> None:
        """Send a prepared message: text, or a photo or file (by file_id) with a caption."""
        assert self._bot is not None
        payload = message.payload
        for kind in Media:
            if payload.get(kind.value):
                await send_media(
                    self._bot,
                    message.chat_id,
                    kind,
                    payload[kind.value],
                    payload.get("text"),
                    thread_id=message.thread_id or None,
                    reply_markup=markup_from_dict(payload.get("markup")),
                )
                return
        await self._bot.send_message(
            message.chat_id,
            payload["text"],
            message_thread_id=message.thread_id or None,
            reply_markup=markup_from_dict(payload.get("markup")),
        )
