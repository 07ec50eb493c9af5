"""Announcements (omroep): who gets them, when they start, how far they are.

Starting a broadcast writes one outbox row per recipient chat in the same transaction as its
status change, so a restart neither loses nor repeats the list; the dispatcher does the rest.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import record
from models.base import Base, TimestampMixin
from models.errors import NotAllowed, NotFound
from models.groups import GroupLink
from models.outbox import Kind, OutboxMessage
from models.outbox import Status as Delivery
from models.people import Person, Role, RoleAssignment
from models.subscriptions import Subscription


class Audience(enum.StrEnum):
    EVERYONE = "everyone"
    WIJK = "wijk"
    VOLUNTEERS = "volunteers"
    BUURTASSISTENTEN = "buurtassistenten"
    GROUPS = "groups"
    THEME = "theme"  # people who want to hear about activities with this theme


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(TimestampMixin, Base):
    """One announcement to an audience, now or at a set time."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)  # HTML, already escaped; the caption with media
    # A photo or a file sent along, by its Telegram file_id (None: text only).
    media_kind: Mapped[str | None] = mapped_column(String(10))
    file_id: Mapped[str | None] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(20))
    wijk_id: Mapped[int | None] = mapped_column(ForeignKey("wijk.id", ondelete="SET NULL"))
    theme: Mapped[str | None] = mapped_column(String(40))
    send_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=Status.SCHEDULED, index=True)
    recipients: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Where the sender follows the progress: their chat, and the message that is updated.
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None]
    progress_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    thread_id: int = 0
    person_id: int | None = None


@dataclass
class Progress:
    total: int
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def done(self) -> bool:
        """Tell whether every row has an outcome."""
        return self.sent + self.blocked + self.failed + self.cancelled >= self.total


async def recipients(
    session: AsyncSession, audience: Audience, wijk_id: int | None = None, theme: str | None = None
) -> list[Recipient]:
    """List who an audience reaches now: people who started the bot and did not block it."""
    if audience is Audience.GROUPS:
        links = await session.scalars(select(GroupLink).where(GroupLink.active.is_(True)))
        return [Recipient(link.chat_id, link.thread_id) for link in links]
    reachable = (
        Person.started_at.is_not(None),
        Person.blocked_bot.is_(False),
        Person.consent_at.is_not(None),
    )
    query = select(Person.telegram_id, Person.id).where(*reachable)
    if audience is Audience.WIJK:
        query = query.where(Person.home_wijk_id == wijk_id)
    elif audience in (Audience.VOLUNTEERS, Audience.BUURTASSISTENTEN):
        role = Role.VOLUNTEER if audience is Audience.VOLUNTEERS else Role.BUURTASSISTENT
        holders = select(RoleAssignment.person_id).where(RoleAssignment.role == role)
        query = query.where(Person.id.in_(holders))
    if audience is Audience.THEME:
        # No stored choice means every theme; a stored one must include this theme.
        rows = await session.execute(
            select(Person.telegram_id, Person.id, Subscription.themes, Subscription.activities)
            .outerjoin(Subscription, Subscription.person_id == Person.id)
            .where(*reachable)
            .order_by(Person.id)
        )
        return [
            Recipient(telegram_id, 0, person_id)
            for telegram_id, person_id, themes, wanted in rows
            if wanted is not False and (not themes or theme in themes)
        ]
    rows = await session.execute(query.order_by(Person.id))
    return [Recipient(telegram_id, 0, person_id) for telegram_id, person_id in rows]


async def schedule(
    session: AsyncSession,
    *,
    sender: Person,
    text: str,
    audience: Audience,
    wijk_id: int | None,
    theme: str | None = None,
    send_at: datetime,
    report_chat_id: int,
    now: datetime,
    media_kind: str | None = None,
    file_id: str | None = None,
) -> Broadcast:
    """Store an announcement (with a photo or file, by file_id) to go out at send_at."""
    broadcast = Broadcast(
        sender_id=sender.id, text=text, audience=audience.value, wijk_id=wijk_id, theme=theme,
        media_kind=media_kind, file_id=file_id if media_kind else None,
        send_at=max(send_at, now), status=Status.SCHEDULED, report_chat_id=report_chat_id,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(broadcast)
    await session.flush()
    await record(
        session, "broadcast.schedule", actor_id=sender.id, wijk_id=wijk_id,
        target=f"broadcast:{broadcast.id}", detail=audience.value, at=now,
    )  # fmt: skip
    return broadcast


async def cancel(
    session: AsyncSession, *, broadcast_id: int, person: Person, admin: bool
) -> Broadcast:
    """Cancel an announcement that has not started (its sender, or an admin)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast")
    if broadcast.sender_id != person.id and not admin:
        raise NotAllowed("not your broadcast")
    # Conditional, so a broadcast that has just started cannot be marked cancelled after all.
    result = await session.execute(
        sql_update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == Status.SCHEDULED)
        .values(status=Status.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotAllowed("already started")
    await session.refresh(broadcast)
    await record(
        session, "broadcast.cancel", actor_id=person.id, target=f"broadcast:{broadcast.id}"
    )
    return broadcast


async def scheduled(session: AsyncSession) -> list[Broadcast]:
    """Return announcements still waiting to go out, soonest first."""
    return list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status == Status.SCHEDULED)
            .order_by(Broadcast.send_at)
        )
    )


async def start_due(session: AsyncSession, *, now: datetime) -> list[Broadcast]:
    """Start announcements whose time has come: one outbox row per recipient, in one go."""
    due = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status == Status.SCHEDULED, Broadcast.send_at <= now)
            .with_for_update()
        )
    )
    for broadcast in due:
        people = await recipients(
            session, Audience(broadcast.audience), broadcast.wijk_id, broadcast.theme
        )
        payload: dict[str, str] = {"text": broadcast.text}
        if broadcast.media_kind and broadcast.file_id:
            payload[broadcast.media_kind] = broadcast.file_id  # {"photo": file_id}
        rows = [
            {
                "kind": Kind.TEXT.value, "chat_id": r.chat_id, "thread_id": r.thread_id,
                "person_id": r.person_id, "broadcast_id": broadcast.id,
                "payload": payload, "status": Delivery.PENDING.value,
                "due_at": now, "created_at": now, "attempts": 0,
                "dedupe_key": f"bc:{broadcast.id}:{r.chat_id}:{r.thread_id}",
            }
            for r in people
        ]  # fmt: skip
        for start in range(0, len(rows), 1000):
            await session.execute(insert(OutboxMessage), rows[start : start + 1000])
        broadcast.status = Status.SENDING
        broadcast.recipients = len(rows)
        broadcast.started_at = now
    return due


async def progress(session: AsyncSession, broadcast: Broadcast) -> Progress:
    """Count how far an announcement is: sent, blocked, failed (with reasons)."""
    result = Progress(total=broadcast.recipients)
    rows = await session.execute(
        select(OutboxMessage.status, OutboxMessage.last_error, func.count())
        .where(OutboxMessage.broadcast_id == broadcast.id)
        .group_by(OutboxMessage.status, OutboxMessage.last_error)
    )
    for status, error, count in rows:
        if status == Delivery.SENT:
            result.sent += count
        elif status == Delivery.CANCELLED:
            result.cancelled += count
        elif status == Delivery.FAILED and error and error.startswith("Forbidden"):
            result.blocked += count
        elif status == Delivery.FAILED:
            result.failed += count
            result.reasons[(error or "?")[:80]] += count
    return result


async def sending(session: AsyncSession) -> list[Broadcast]:
    """Return announcements that are going out."""
    return list(await session.scalars(select(Broadcast).where(Broadcast.status == Status.SENDING)))
