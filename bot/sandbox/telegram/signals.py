"""Change notification: wake what waits for part of the fake's state to change."""

from __future__ import annotations

import asyncio
import inspect
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import RecordedRequest

__all__ = ["Notifier", "Signal"]


class Signal:
    """Wake every coroutine waiting on it when fired; each waits with its own timeout.

    A waiter is a bare future plus one timer, with no task: the fake has dozens of waiters at
    once (long polls, each simulated person's next_message) and fires several times per Bot API
    call, where asyncio.wait_for(event.wait(), ...) would create and cancel a task per wait.
    """

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def fire(self) -> None:
        """Wake everything waiting now."""
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            _wake(waiter)

    async def wait(self, seconds: float) -> None:
        """Sleep until the next fire(), or for at most the given seconds."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.add(waiter)
        timer = loop.call_later(max(seconds, 0), _wake, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiters.discard(waiter)  # timed out or cancelled: no need to keep it


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Notifier:
    """The World's change notification: any change, the update queue, each chat's messages."""

    requests: list[RecordedRequest]  # the World's, quoted when a wait times out

    def __init__(self) -> None:
        self._changed = Signal()
        self._queue_changed = Signal()
        self._chat_signals: dict[int, Signal] = {}

    def notify(self) -> None:
        """Wake everything waiting for any state change (wait_for without on=)."""
        self._changed.fire()

    async def wait_changed(self, seconds: float) -> None:
        """Sleep until the next state change, or for at most the given seconds."""
        await self._changed.wait(seconds)

    def notify_queue(self) -> None:
        """Wake long polls and the webhook loop as well as what notify() wakes.

        For changes they wait for: an update queued, the webhook set or deleted, a newer
        getUpdates, the fake stopping. Other changes (every recorded call) do not wake them.
        """
        self._queue_changed.fire()
        self.notify()

    async def wait_queue_changed(self, seconds: float) -> None:
        """Sleep until the next notify_queue(), or for at most the given seconds."""
        await self._queue_changed.wait(seconds)

    def notify_chat(self, chat_id: int) -> None:
        """Wake what waits for a bot message in this chat, as well as what notify() wakes."""
        signal = self._chat_signals.get(chat_id)
        if signal is not None:
            signal.fire()
        self.notify()

    def chat_signal(self, chat_id: int) -> Signal:
        """Return the signal notify_chat() fires for this chat."""
        return self._chat_signals.setdefault(chat_id, Signal())

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        within: float,
        what: Callable[[], str] | None = None,
        *,
        on: Signal | None = None,
    ) -> Any:
        """Return predicate()'s first truthy value; on timeout raise AssertionError with context.

        Without on, the predicate is tried after every change and at least every 50 ms: it may
        look at state outside the fake (the bot's database). With on, it depends only on what
        that signal announces and is tried only when it fires.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        signal, cap = (on, within) if on is not None else (self._changed, 0.05)
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                headline = what() if what else f"condition not met within {within} s"
                raise AssertionError(f"{headline}\n{self.describe_requests()}")
            await signal.wait(min(remaining, cap))

    def describe_requests(self, count: int = 10) -> str:
        """Summarise the last requests, without the getUpdates noise."""
        # From the end: a timed-out wait (throughput.py's drain() times out on purpose) should
        # not cost a pass over every call the bot ever made.
        latest = (r for r in reversed(self.requests) if r.method != "getUpdates")
        relevant = list(itertools.islice(latest, count))[::-1]
        if not relevant:
            return "the bot made no requests (other than getUpdates)"
        return f"last {len(relevant)} requests:\n" + "\n".join(f"  {r.summary()}" for r in relevant)
