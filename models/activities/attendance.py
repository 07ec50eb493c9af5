"""Answering an activity (RSVP): the waitlist behind a capacity, and the counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.queries import get
from models.activities.tables import (
    Answer,
    Counts,
    Event,
    Notice,
    NotPublished,
    Outcome,
    Rsvp,
    Status,
)
from models.people import Person


async def counts(session: AsyncSession, activity_id: int) -> Counts:
    """Count the answers (a waiting "yes" counts as waiting)."""
    rows = await session.execute(
        select(Rsvp.answer, Rsvp.waiting, func.count())
        .where(Rsvp.activity_id == activity_id)
        .group_by(Rsvp.answer, Rsvp.waiting)
    )
    found = {"yes": 0, "maybe": 0, "no": 0, "waiting": 0}
    for answer, waiting, count in rows:
        found["waiting" if waiting else answer] += count
    return Counts(**found)


async def answer(
    session: AsyncSession, *, activity_id: int, person: Person, choice: Answer, now: datetime
) -> tuple[Outcome, Rsvp]:
    """Record an RSVP; past the capacity "yes" waits; a freed place goes to the first waiting."""
    activity = await get(session, activity_id)
    if activity.status != Status.PUBLISHED or activity.starts_at <= now:
        raise NotPublished(activity.status)
    rsvp = await session.scalar(
        select(Rsvp)
        .where(Rsvp.activity_id == activity.id, Rsvp.person_id == person.id)
        .with_for_update()
    )
    was_coming = rsvp is not None and rsvp.answer == Answer.YES and not rsvp.waiting
    if rsvp is None:
        rsvp = Rsvp(
            activity_id=activity.id, person_id=person.id, answer=choice.value, created_at=now
        )
        session.add(rsvp)
    rsvp.answer, rsvp.updated_at = choice.value, now
    rsvp.waiting = False
    await session.flush()
    outcome = Outcome(activity, edit_cards=True)
    if activity.capacity is not None and choice is Answer.YES and not was_coming:
        coming = await session.scalar(
            select(func.count()).where(
                Rsvp.activity_id == activity.id,
                Rsvp.answer == Answer.YES,
                Rsvp.waiting.is_(False),
                Rsvp.id != rsvp.id,
            )
        )
        rsvp.waiting = (coming or 0) >= activity.capacity
    if was_coming and choice is not Answer.YES and activity.capacity is not None:
        first = await session.scalar(
            select(Rsvp)
            .where(Rsvp.activity_id == activity.id, Rsvp.waiting.is_(True))
            .order_by(Rsvp.created_at, Rsvp.id)
            .limit(1)
        )
        if first is not None:
            first.waiting = False
            outcome.notices.append(Notice(first.person_id, Event.PROMOTED, activity.id))
    return outcome, rsvp
