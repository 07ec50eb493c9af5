"""Keep conversation states and flow data in the database, so a restart loses no flow."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from copy import deepcopy
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput

from models import conversations

ConversationKey = tuple[int | str, ...]
# Seconds after which an unchanged conversation state is written again (to keep its age right).
STATE_REFRESH = 60.0
ConversationDict = MutableMapping[ConversationKey, object]
# One write of a round, and what to remember once the round's transaction is committed.
Write = tuple[Callable[[AsyncSession], Awaitable[None]], Callable[[], None]]


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
        # What the database holds, per person: PTB offers every touched person's data after
        # every update, and most of it has not changed; those writes are skipped.
        self._stored: dict[int, dict[Any, Any]] = {}
        # Per conversation name: how old (seconds) a stored state may be and still count.
        self.max_ages: dict[str, float] = {}
        # What the database holds per (conversation, key), and when it was written (monotonic).
        # PTB offers a state again when it is set to the same value; rewriting it only keeps its
        # age fresh, which matters for max_ages, so the same state is rewritten at most once a
        # REFRESH seconds. A state that was never stored and ends (None) is not written at all.
        self._states: dict[tuple[str, str], tuple[object, float]] = {}
        # PTB hands over a round's changes as separate calls, gathered at once (under its own
        # lock, so rounds never overlap): they are written in one transaction per round.
        self._writes: list[Write] = []
        self._round: asyncio.Future[None] | None = None

    async def _store(self, write: Write) -> None:
        """Add a write to this round's transaction and return once it is committed."""
        self._writes.append(write)
        if self._round is None:
            self._round = asyncio.ensure_future(self._commit_round())
        await asyncio.shield(self._round)

    async def _commit_round(self) -> None:
        """Let the round's other writes join, then commit them together."""
        await asyncio.sleep(0)
        writes, self._writes, self._round = self._writes, [], None
        async with self._sessionmaker.begin() as session:
            for write, _ in writes:
                await write(session)
        for _, remember in writes:
            remember()

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
        stored = deepcopy(data)

        async def write(session: AsyncSession) -> None:
            await conversations.save_flow_data(session, user_id, stored)

        await self._store((write, lambda: self._stored.__setitem__(user_id, stored)))

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one person's flow data."""

        async def write(session: AsyncSession) -> None:
            await conversations.drop_flow_data(session, user_id)

        await self._store((write, lambda: self._stored.pop(user_id, None)))

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

        async def write(session: AsyncSession) -> None:
            await conversations.save_conversation(session, name, key, new_state)

        def remember() -> None:
            if new_state is None:
                self._states.pop(where, None)
            else:
                self._states[where] = (new_state, now)

        await self._store((write, remember))

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
        """Nothing is buffered: every write already went to the database."""
