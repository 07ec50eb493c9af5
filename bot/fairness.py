"""Handle different people's updates side by side, and each person's strictly in order.

python-telegram-bot handles updates one at a time by default, so one person sending a thousand
updates keeps everyone else waiting behind them. With this processor a person's updates form a
queue of their own: at most one of them runs at a time, in the order Telegram sent them, so
conversation states and flow data see the same sequence as before; updates of other people run
next to it, up to a bounded number at once.

Why this is safe here: every ConversationHandler is per person (per chat and user), flow data
is per user, persistence writes go through PTB's own lock, the outbox dispatcher renders group
cards from the database in one sender, and SQLite writers wait their turn (BEGIN IMMEDIATE
with a busy timeout, models/db.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB takes its semaphore before do_process_update. An update that waits for its person's turn
# must not hold one of the bounded places while it waits (a flood would fill them all), so
# PTB's bound is set out of reach and the bound that counts is the one taken below.
_ADMIT_ALL = 1_000_000


def person_key(update: object) -> Hashable:
    """Return whose queue an update joins: its user, else its chat, else a shared one."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return "other"


class PerPersonProcessor(BaseUpdateProcessor):
    """Run updates of different people concurrently, one person's in order."""

    def __init__(self, max_running: int, on_admit: Callable[[object], None] | None = None) -> None:
        """Run at most max_running at once; call on_admit(update) as each arrives, in order."""
        super().__init__(_ADMIT_ALL)
        self.max_running = max_running
        self._on_admit = on_admit
        self._running = asyncio.Semaphore(max_running)
        # Per person: a future that is done when their latest admitted update is done.
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the person's previous update, then for a free place; then handle it."""
        # Everything up to the first await runs in the order PTB admitted the updates (tasks
        # start in the order they were created), which is the order Telegram sent them.
        if self._on_admit is not None:
            self._on_admit(update)
        key = person_key(update)
        previous = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done
        started = False
        try:
            if previous is not None and not previous.done():
                # shield: being cancelled here must not cancel the previous update's future.
                await asyncio.shield(previous)
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started and hasattr(coroutine, "close"):
                coroutine.close()  # cancelled before its turn (shutdown): never awaited
            if previous is not None and not previous.done():
                # Cancelled while waiting: the next update must still wait for the previous.
                previous.add_done_callback(lambda _: self._finish(key, done))
            else:
                self._finish(key, done)

    def _finish(self, key: Hashable, done: asyncio.Future[None]) -> None:
        done.set_result(None)
        if self._tails.get(key) is done:
            del self._tails[key]  # nothing of this person's is waiting: forget them

    @property
    def people_waiting(self) -> int:
        """Return how many people have an update running or waiting."""
        return len(self._tails)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the running updates itself."""
