"""Conversation states and flow data: queued, written in shared rounds, durable when awaited."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.persistence import DatabasePersistence
from models.conversations import ConversationState, FlowData


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[dict, dict]:
    """Return what the database holds: states by (name, key), flow data by person."""
    async with sessionmaker() as session:
        states = {
            (s.name, s.key): s.state for s in await session.scalars(select(ConversationState))
        }
        flows = {f.telegram_id: f.data for f in await session.scalars(select(FlowData))}
    return states, flows


def count_commits(engine: AsyncEngine) -> list[int]:
    """Count the engine's commits from now on (one item per commit)."""
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_updates_that_finish_together_share_one_transaction(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    persistence = DatabasePersistence(sessionmaker)
    commits = count_commits(engine)

    async def one_update(person: int) -> None:
        await persistence.update_conversation("ask", (person, person), 2)
        await persistence.update_user_data(person, {"ask": {"description": f"brood {person}"}})
        await persistence.durable()

    await asyncio.gather(*(one_update(p) for p in range(1, 11)))
    states, flows = await stored(sessionmaker)
    assert states == {("ask", f"[{p}, {p}]"): 2 for p in range(1, 11)}
    assert flows[7] == {"ask": {"description": "brood 7"}}
    assert len(commits) == 1  # ten people's steps, one transaction

    # Unchanged data is not written again; an ended flow is deleted, in order.
    await persistence.update_user_data(1, {"ask": {"description": "brood 1"}})
    await persistence.update_conversation("ask", (1, 1), None)
    await persistence.update_user_data(1, {})
    await persistence.durable()
    states, flows = await stored(sessionmaker)
    assert ("ask", "[1, 1]") not in states
    assert 1 not in flows
    assert len(commits) == 2


async def test_a_failed_round_is_reported_and_written_again_when_offered_again(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    persistence = DatabasePersistence(sessionmaker)
    failing = True

    def fail_once(*_args: Any) -> None:
        if failing:
            raise RuntimeError("disk full")

    event.listen(engine.sync_engine, "commit", fail_once)
    await persistence.update_conversation("ask", (5, 5), 3)
    await persistence.update_user_data(5, {"ask": {"description": "soep"}})
    with pytest.raises(RuntimeError, match="disk full"):
        await persistence.durable()
    failing = False
    await persistence.durable()  # the next update, which changed nothing, does not fail too
    # PTB offers the same state and data again (the next update): now they are written.
    await persistence.update_conversation("ask", (5, 5), 3)
    await persistence.update_user_data(5, {"ask": {"description": "soep"}})
    await persistence.flush()  # what PTB awaits when the bot stops
    states, flows = await stored(sessionmaker)
    assert states == {("ask", "[5, 5]"): 3}
    assert flows == {5: {"ask": {"description": "soep"}}}


def count_statements(engine: AsyncEngine) -> list[str]:
    """Record the engine's statements from now on (an executemany counts once)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return statements


async def test_a_round_writes_each_row_once_with_its_newest_value(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    persistence = DatabasePersistence(sessionmaker)
    await persistence.update_conversation("ask", (1, 1), 2)
    await persistence.update_user_data(1, {"ask": {"description": "brood"}})
    await persistence.durable()
    statements = count_statements(engine)

    # Within one round: person 1 ends the flow; person 2 moves on twice; person 3 starts one and
    # drops it again; person 4 starts one.
    await persistence.update_conversation("ask", (1, 1), None)
    await persistence.update_user_data(1, {})
    await persistence.update_conversation("ask", (2, 2), 2)
    await persistence.update_conversation("ask", (2, 2), 3)
    await persistence.update_user_data(2, {"ask": {"description": "eerst"}})
    await persistence.update_user_data(2, {"ask": {"description": "daarna"}})
    await persistence.update_user_data(3, {"ask": {"description": "toch niet"}})
    await persistence.drop_user_data(3)
    await persistence.update_conversation("settings", (4, 4), 1)
    await persistence.durable()
    written = list(statements)

    states, flows = await stored(sessionmaker)
    assert states == {("ask", "[2, 2]"): 3, ("settings", "[4, 4]"): 1}
    assert flows == {2: {"ask": {"description": "daarna"}}}
    # One statement per kind of change, however many rows: two upserts and two deletes.
    assert sorted(written) == ["DELETE", "DELETE", "INSERT", "INSERT"]


async def test_a_round_cancelled_before_it_wrote_leaves_its_writes_to_the_next(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    persistence = DatabasePersistence(sessionmaker)
    await persistence.update_conversation("ask", (6, 6), 2)
    round_ = persistence._round
    assert round_ is not None
    round_.cancel()  # e.g. the loop shutting down while the round waits for more writes
    with pytest.raises(asyncio.CancelledError):
        await round_
    await persistence.update_user_data(6, {"ask": {"description": "melk"}})
    await persistence.durable()
    states, flows = await stored(sessionmaker)
    assert states == {("ask", "[6, 6]"): 2}
    assert flows == {6: {"ask": {"description": "melk"}}}
