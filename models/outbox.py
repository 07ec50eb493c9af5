"""The outbox: every message the bot owes someone, stored in the same transaction as the change.

A state change (a claim, a follow-up, an expiry) writes its messages here and commits; a
dispatcher sends what is due. So a crash or Telegram's 429/5xx loses nothing, and a unique
``dedupe_key`` keeps a follow-up from being queued twice.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, session_dialect, utcnow


class Kind(enum.StrEnum):
    TEXT = "text"  # a prepared message to a person or chat
    DIGEST = "digest"  # an item of a person's daily digest: sent together with the others due
    CARD = "card"  # post a request's card in a group (rendered when sent)
    CARD_EDIT = "card_edit"  # bring every posted card of a request up to date
    ACTIVITY_CARD = "act_card"  # post an activity's card in a group (rendered when sent)
    ACTIVITY_EDIT = "act_edit"  # bring every posted card of an activity up to date


class Status(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    """One message to send (or card to post or edit)."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(default=0)
    # The person it is for, so a person who blocked the bot or is erased can be skipped.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING, index=True)
    due_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    taken_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


async def enqueue(
    session: AsyncSession,
    *,
    kind: Kind,
    chat_id: int,
    now: datetime,
    thread_id: int = 0,
    person_id: int | None = None,
    request_id: int | None = None,
    activity_id: int | None = None,
    payload: dict[str, Any] | None = None,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue a message; with a dedupe_key already used, queue nothing and return None."""
    if dedupe_key is not None and await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    message = OutboxMessage(
        kind=kind.value,
        chat_id=chat_id,
        thread_id=thread_id,
        person_id=person_id,
        request_id=request_id,
        activity_id=activity_id,
        payload=payload or {},
        dedupe_key=dedupe_key,
        due_at=due_at or now,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return message


@cache
def _due_query(dialect: str) -> Any:
    """Build (once per dialect: the dispatcher asks all the time) the query for due messages."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == Status.PENDING, OutboxMessage.due_at <= bindparam("now"))
        # Announcements last: a large one must not hold up an introduction or a reminder.
        .order_by(OutboxMessage.broadcast_id.is_not(None), OutboxMessage.due_at, OutboxMessage.id)
        .limit(bindparam("limit"))
    )
    if dialect == "postgresql":
        # Two bot processes (active and standby) never take the same message.
        query = query.with_for_update(skip_locked=True)
    return query


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int = 50
) -> list[OutboxMessage]:
    """Take up to limit due messages, oldest first, and mark them as being sent."""
    query = _due_query(session_dialect(session))
    messages = list(await session.scalars(query, {"now": now, "limit": limit}))
    # A person's daily message is one message: take all their due items, even past the limit.
    digest_chats = {m.chat_id for m in messages if m.kind == Kind.DIGEST}
    if digest_chats:
        taken = {m.id for m in messages}
        rest = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == Status.PENDING,
                OutboxMessage.due_at <= now,
                OutboxMessage.kind == Kind.DIGEST,
                OutboxMessage.chat_id.in_(digest_chats),
            )
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
        )
        if session.bind.dialect.name == "postgresql":
            rest = rest.with_for_update(skip_locked=True)
        messages += [m for m in await session.scalars(rest) if m.id not in taken]
    for message in messages:
        message.status = Status.SENDING
        message.taken_at = now
        message.attempts += 1
    return messages


# Built once, as plain table statements: the dispatcher runs them after every batch it sends,
# and building (and keying for the compile cache) an ORM update costs more than running it.
_TABLE = OutboxMessage.__table__
_MARK_SENT = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("message_id"))
    .values(status=Status.SENT, sent_at=bindparam("at"), last_error=None)
)
_RELEASE_STALE = (
    update(_TABLE)
    .where(_TABLE.c.status == Status.SENDING, _TABLE.c.taken_at < bindparam("before"))
    .values(status=Status.PENDING)
)


async def release_stale(
    session: AsyncSession, *, now: datetime, after: timedelta = timedelta(minutes=10)
) -> int:
    """Requeue messages taken long ago and never finished (a sender that died mid-way)."""
    result = await session.execute(_RELEASE_STALE, {"before": now - after})
    return result.rowcount or 0


async def mark_cancelled(session: AsyncSession, message_id: int) -> None:
    """Drop a message that no longer makes sense (its request moved on)."""
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(status=Status.CANCELLED)
    )


async def mark_sent(session: AsyncSession, message_ids: Sequence[int], *, now: datetime) -> None:
    """Record that these messages went out (in one statement, run for each)."""
    if message_ids:
        await session.execute(_MARK_SENT, [{"message_id": i, "at": now} for i in message_ids])


async def mark_failed(
    session: AsyncSession, message_id: int, *, error: str, retry_at: datetime | None
) -> None:
    """Record a failure: try again at retry_at, or give up when it is None."""
    values: dict[str, Any] = {"last_error": error[:500]}
    if retry_at is None:
        values["status"] = Status.FAILED
    else:
        values.update(status=Status.PENDING, due_at=retry_at)
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(values)
    )


async def move_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """Send what is still queued for a group to the supergroup it became."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status.in_((Status.PENDING, Status.SENDING)),
        )
        .values(chat_id=new_chat_id)
    )


async def release_interrupted(session: AsyncSession) -> int:
    """Put messages left "sending" by a crash back in the queue; return how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == Status.SENDING)
        .values(status=Status.PENDING)
    )
    return result.rowcount or 0


async def release(session: AsyncSession, message_ids: list[int]) -> int:
    """Put these messages back in the queue if they are still "sending" (a stop cut them off)."""
    if not message_ids:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == Status.SENDING)
        .values(status=Status.PENDING)
    )
    return result.rowcount or 0


def backoff(attempts: int) -> timedelta:
    """Wait longer after each failed attempt: 5 s, 10 s, 20 s ... up to 10 minutes."""
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


async def next_due_at(session: AsyncSession) -> datetime | None:
    """Return when the next pending message is due, if any."""
    return await session.scalar(
        select(OutboxMessage.due_at)
        .where(OutboxMessage.status == Status.PENDING)
        .order_by(OutboxMessage.due_at)
        .limit(1)
    )


async def edit_pending(
    session: AsyncSession,
    kind: Kind,
    *,
    request_id: int | None = None,
    activity_id: int | None = None,
) -> bool:
    """Tell whether a card edit of this request or activity is already waiting.

    One waiting edit renders the latest state when it is sent, so a burst of changes needs one.
    """
    query = select(OutboxMessage.id).where(
        OutboxMessage.kind == kind, OutboxMessage.status == Status.PENDING
    )
    if request_id is not None:
        query = query.where(OutboxMessage.request_id == request_id)
    if activity_id is not None:
        query = query.where(OutboxMessage.activity_id == activity_id)
    return await session.scalar(query.limit(1)) is not None
