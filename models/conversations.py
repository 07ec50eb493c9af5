"""Stored conversation states and per-person flow data, so a restart loses no flow."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import JSON, BigInteger, String, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, dialect_insert, session_dialect, utcnow


class ConversationState(Base):
    """The state of one ConversationHandler for one chat/user key."""

    __tablename__ = "conversation_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FlowData(Base):
    """A person's unfinished flow data (a draft request, a wizard's answers)."""

    __tablename__ = "flow_data"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _encode_key(key: tuple[int | str, ...]) -> str:
    return json.dumps(list(key))


async def load_conversations(
    session: AsyncSession, name: str, *, max_age: float | None = None
) -> dict[tuple, Any]:
    """Return the stored states of one conversation (only those younger than max_age seconds)."""
    query = select(ConversationState).where(ConversationState.name == name)
    if max_age is not None:
        query = query.where(ConversationState.updated_at >= utcnow() - timedelta(seconds=max_age))
    rows = await session.scalars(query)
    return {tuple(json.loads(row.key)): row.state for row in rows}


def _upsert(dialect: str, table: Any, keys: list[str], values: list[str]) -> Any:
    """Build INSERT ... ON CONFLICT DO UPDATE for one row, with a bind parameter per column."""
    insert = dialect_insert(dialect)
    columns = {name: bindparam(name, type_=table.c[name].type) for name in keys + values}
    now = bindparam("now", type_=table.c.updated_at.type)
    stmt = insert(table).values(**columns, updated_at=now)
    changes = {name: stmt.excluded[name] for name in [*values, "updated_at"]}
    return stmt.on_conflict_do_update(index_elements=keys, set_=changes)


@cache
def _save_state(dialect: str) -> Any:
    """Build (once per dialect) the upsert of a conversation state."""
    return _upsert(dialect, ConversationState.__table__, ["name", "key"], ["state"])


@cache
def _save_flow(dialect: str) -> Any:
    """Build (once per dialect) the upsert of a person's flow data."""
    return _upsert(dialect, FlowData.__table__, ["telegram_id"], ["data"])


# Built once, like the two above: these run after most updates (see bot/persistence.py). Core
# statements on the tables, not ORM ones: the ORM takes many rows (executemany) only by key.
_STATES, _FLOWS = ConversationState.__table__, FlowData.__table__
_DROP_STATE = delete(_STATES).where(
    _STATES.c.name == bindparam("name"), _STATES.c.key == bindparam("key")
)
_DROP_FLOW = delete(_FLOWS).where(_FLOWS.c.telegram_id == bindparam("telegram_id"))


async def load_flow_data(session: AsyncSession) -> dict[int, dict[str, Any]]:
    """Return every person's stored flow data."""
    rows = await session.scalars(select(FlowData))
    return {row.telegram_id: dict(row.data) for row in rows}


StateKey = tuple[str, tuple[int | str, ...]]  # (conversation name, PTB's key)


async def write_changes(
    session: AsyncSession,
    states: dict[StateKey, Any],
    flows: dict[int, dict[str, Any] | None],
) -> None:
    """Store conversation states and flow data; None (or an empty dict) deletes the row.

    Each kind of change goes to the database as one statement with many rows (executemany):
    one round trip on PostgreSQL however many people's steps a round holds. A key appears
    once per dict, which INSERT ... ON CONFLICT needs (one row may not be changed twice).
    """
    now, dialect = utcnow(), session_dialect(session)
    saved = [
        {"name": name, "key": _encode_key(key), "state": state, "now": now}
        for (name, key), state in states.items()
        if state is not None
    ]
    ended = [
        {"name": name, "key": _encode_key(key)}
        for (name, key), state in states.items()
        if state is None
    ]
    kept = [
        {"telegram_id": person, "data": data, "now": now} for person, data in flows.items() if data
    ]
    dropped = [{"telegram_id": person} for person, data in flows.items() if not data]
    for statement, rows in (
        (_save_state(dialect), saved),
        (_DROP_STATE, ended),
        (_save_flow(dialect), kept),
        (_DROP_FLOW, dropped),
    ):
        if rows:
            await session.execute(statement, rows)
