"""Stored conversation states and per-person flow data, so a restart loses no flow."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


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


async def save_conversation(
    session: AsyncSession, name: str, key: tuple[int | str, ...], state: Any
) -> None:
    """Store one state, or delete it when the conversation ended (state None)."""
    encoded = _encode_key(key)
    row = await session.get(ConversationState, (name, encoded))
    if state is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(ConversationState(name=name, key=encoded, state=state))
    else:
        row.state = state


async def load_flow_data(session: AsyncSession) -> dict[int, dict[str, Any]]:
    """Return every person's stored flow data."""
    rows = await session.scalars(select(FlowData))
    return {row.telegram_id: dict(row.data) for row in rows}


async def save_flow_data(session: AsyncSession, telegram_id: int, data: dict[str, Any]) -> None:
    """Store a person's flow data; an empty dict removes the row."""
    row = await session.get(FlowData, telegram_id)
    if not data:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(FlowData(telegram_id=telegram_id, data=data))
    else:
        row.data = data


async def drop_flow_data(session: AsyncSession, telegram_id: int) -> None:
    """Forget a person's flow data."""
    await session.execute(delete(FlowData).where(FlowData.telegram_id == telegram_id))
