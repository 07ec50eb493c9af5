"""Moving, re-placing or cancelling an activity; everyone who answered is told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.queries import get
from models.activities.tables import Answer, Event, Notice, NotPublished, Outcome, Rsvp, Status
from models.errors import NotAllowed


async def change(
    session: AsyncSession,
    *,
    activity_id: int,
    starts_at: datetime | None,
    place: str | None,
    now: datetime,
    infopoint_id: int | None = None,
) -> Outcome:
    """Move an activity or change its place (typed, or a point); everyone who answered is told."""
    activity = await get(session, activity_id)
    if activity.status != Status.PUBLISHED:
        raise NotPublished(activity.status)
    if starts_at is not None:
        if starts_at <= now:
            raise NotAllowed("in the past")
        length = activity.ends_at - activity.starts_at
        activity.starts_at, activity.ends_at = starts_at, starts_at + length
    if place is not None:
        activity.place, activity.infopoint_id = place, infopoint_id
    activity.updated_at = now
    stamp = int(now.timestamp())
    notices = [
        Notice(pid, Event.CHANGED, activity.id, dedupe_key=f"act:{activity.id}:moved:{pid}:{stamp}")
        for pid in await _answered(session, activity.id)
    ]
    return Outcome(activity, edit_cards=True, notices=notices)


async def cancel(session: AsyncSession, *, activity_id: int, now: datetime) -> Outcome:
    """Cancel an activity; everyone who answered is told."""
    activity = await get(session, activity_id)
    if activity.status not in (Status.PUBLISHED, Status.PROPOSED):
        raise NotPublished(activity.status)
    activity.status, activity.updated_at = Status.CANCELLED, now
    notices = [
        Notice(pid, Event.CANCELLED, activity.id, dedupe_key=f"act:{activity.id}:cancelled:{pid}")
        for pid in await _answered(session, activity.id)
    ]
    return Outcome(activity, edit_cards=True, notices=notices)


async def _answered(session: AsyncSession, activity_id: int) -> list[int]:
    """Return everyone who answered (yes, maybe, waiting; not those who said no)."""
    rows = await session.scalars(
        select(Rsvp.person_id).where(Rsvp.activity_id == activity_id, Rsvp.answer != Answer.NO)
    )
    return list(rows)
