"""Wake coroutines that wait for part of the fake's state to change."""

from __future__ import annotations

import asyncio

__all__ = ["Signal"]


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
