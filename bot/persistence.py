"""Keep conversation states and flow data in the database, so a restart loses no flow."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import MutableMapping
from copy import deepcopy
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput

from models import conversations

_LOGGER = logging.getLogger("buurtbot.persistence")
ConversationKey = tuple[int | str, ...]
# Seconds after which an unchanged conversation state is written again (to keep its age right).
STATE_REFRESH = 60.0
# Seconds a round waits for more writes before it commits. Under load the updates finishing
# within it share one transaction (a fifth as many in bench/throughput.py, 6% less CPU per
# update); an update is done (and the person's next one handled) at most this much later.
ROUND_WINDOW = 0.005
ConversationDict = MutableMapping[ConversationKey, object]
# What the database holds when a write of it failed: equal to nothing, so it is written again.
_UNKNOWN = object()


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB persistence backed by our tables: conversation states and per-person flow data.

    Only user_data and conversations are stored: bot_data holds live services, and chat data
    and callback data are not used.
    """

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], update_interval: float = 5
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._sessionmaker = sessionmaker
        # What the database holds (or will, once the queued writes are committed), per person:
        # PTB offers every touched person's data after every update, and most of it has not
        # changed; those writes are skipped.
        self._stored: dict[int, object] = {}
        # Per conversation name: how old (seconds) a stored state may be and still count.
        self.max_ages: dict[str, float] = {}
        # The same per (conversation, key), with when it was written (monotonic). PTB offers a
        # state again when it is set to the same value; rewriting it only keeps its age fresh,
        # which matters for max_ages, so the same state is rewritten at most once a REFRESH
        # seconds. A state that was never stored and ends (None) is not written at all.
        self._states: dict[tuple[str, str], tuple[object, float]] = {}
        # PTB hands over changes as separate calls. They are queued, not written one by one: a
        # round (a task) writes everything queued by the time it starts, in one transaction, so
        # updates that finish together share it, and only each row's newest value is written.
        # durable() waits for the newest round; rounds commit one at a time, in the order they
        # started, so it covers all that was queued.
        self._due_states: dict[conversations.StateKey, object | None] = {}
        self._due_flows: dict[int, dict[Any, Any] | None] = {}
        self._round: asyncio.Task[None] | None = None
        self._last: asyncio.Task[None] | None = None
        self._one_at_a_time = asyncio.Lock()

    def _round_ahead(self) -> None:
        """Start a round for what was just queued, unless one is waiting already."""
        # A round lets go of _round when it takes the queue; one that is done but still holds it
        # was cancelled before (the loop shutting down), and its writes wait for a new round.
        if self._round is None or self._round.done():
            self._round = self._last = asyncio.create_task(self._commit_round())
            self._round.add_done_callback(_log_failure)

    async def durable(self) -> None:
        """Return once everything queued so far is committed; raise if its round fails.

        A round that has already ended raises nothing here: whoever queued in it was waiting
        when it ended (and it was logged), and later updates must not repeat its failure.
        """
        if self._last is not None and not self._last.done():
            await asyncio.shield(self._last)

    async def _commit_round(self) -> None:
        """Wait a moment and for the round before (more writes join), then commit them all."""
        await asyncio.sleep(ROUND_WINDOW)
        async with self._one_at_a_time:
            states, flows = self._due_states, self._due_flows
            self._due_states, self._due_flows, self._round = {}, {}, None
            try:
                async with self._sessionmaker.begin() as session:
                    await conversations.write_changes(session, states, flows)
            except BaseException:
                # What the database holds is unknown now: offered again, it is written again.
                for name, key in states:
                    self._states[(name, repr(key))] = (_UNKNOWN, 0.0)
                for person in flows:
                    self._stored[person] = _UNKNOWN
                raise

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Load every person's flow data."""
        async with self._sessionmaker.begin() as session:
            data = await conversations.load_flow_data(session)
        self._stored = deepcopy(data)
        return data

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Store one person's flow data, if it changed."""
        if self._stored.get(user_id, {}) == data:
            return
        self._due_flows[user_id] = self._stored[user_id] = deepcopy(data)
        self._round_ahead()

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one person's flow data."""
        self._stored.pop(user_id, None)
        self._due_flows[user_id] = None
        self._round_ahead()

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Keep the in-memory copy: it is written through after every update."""

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load the states of one conversation, leaving out those older than its timeout.

        PTB's timeout jobs do not survive a restart; without this, a flow left half-way before
        a restart would wait for an answer forever and take unrelated text for one.
        """
        async with self._sessionmaker.begin() as session:
            loaded = await conversations.load_conversations(
                session, name, max_age=self.max_ages.get(name)
            )
        now = time.monotonic()
        for key, state in loaded.items():
            self._states[(name, repr(key))] = (state, now)
        return loaded

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store one conversation state (None: the conversation ended), unless nothing changed."""
        where, now = (name, repr(key)), time.monotonic()
        known = self._states.get(where)
        if new_state is None and known is None:
            return  # nothing stored, nothing to end
        if known is not None and known[0] == new_state and now - known[1] < STATE_REFRESH:
            return

        if new_state is None:
            self._states.pop(where, None)
        else:
            self._states[where] = (new_state, now)
        self._due_states[(name, key)] = new_state
        self._round_ahead()

    # Not stored: see the class docstring. PTB still requires the methods.
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Return no chat data."""
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Ignore chat data."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Ignore chat data."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Ignore chat data."""

    async def get_bot_data(self) -> dict[Any, Any]:
        """Return no bot data."""
        return {}

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Ignore bot data."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Ignore bot data."""

    async def get_callback_data(self) -> None:
        """Return no callback data."""
        return

    async def update_callback_data(self, data: Any) -> None:
        """Ignore callback data."""

    async def flush(self) -> None:
        """Wait for the queued writes (PTB calls this when the application stops)."""
        await self.durable()


def _log_failure(task: asyncio.Task[None]) -> None:
    """Log a round that failed (retrieving its error), whether or not anyone waited for it."""
    if not task.cancelled() and task.exception() is not None:
        _LOGGER.error("Writing conversation states failed", exc_info=task.exception())
