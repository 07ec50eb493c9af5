"""Creating an activity: published at once or proposed, the daily limit, and the review."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.queries import get
from models.activities.tables import (
    Activity,
    Draft,
    Event,
    Notice,
    NotPublished,
    Outcome,
    Status,
    TooManyProposals,
)
from models.errors import NotAllowed
from models.people import Person


async def create(
    session: AsyncSession,
    *,
    organiser: Person,
    draft: Draft,
    publish: bool,
    reviewers: list[int],
    now: datetime,
    max_proposals: int | None = None,
) -> Outcome:
    """Store an activity: published right away, or proposed for a reviewer's approval.

    With max_proposals, a proposal is refused when the organiser made that many in 24 hours.
    """
    if not publish and max_proposals is not None:
        await check_proposals(session, organiser, limit=max_proposals, now=now)
    if draft.ends_at <= draft.starts_at:
        raise NotAllowed("ends before it starts")
    if draft.starts_at <= now:
        raise NotAllowed("in the past")
    activity = Activity(
        title=draft.title,
        description=draft.description,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        place=draft.place,
        wijk_ids=sorted(set(draft.wijk_ids)),
        theme=draft.theme,
        capacity=draft.capacity,
        infopoint_id=draft.infopoint_id,
        photo_file_id=draft.photo_file_id,
        organiser_id=organiser.id,
        status=Status.PUBLISHED if publish else Status.PROPOSED,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    await session.flush()
    if publish:
        return Outcome(activity, post_cards=True)
    return Outcome(activity, notices=[Notice(r, Event.PROPOSED, activity.id) for r in reviewers])


async def check_proposals(
    session: AsyncSession, person: Person, *, limit: int, now: datetime
) -> None:
    """Refuse another proposal when the person made limit activities in the last 24 hours."""
    made = await session.scalar(
        select(func.count())
        .select_from(Activity)
        .where(Activity.organiser_id == person.id, Activity.created_at > now - timedelta(days=1))
    )
    if (made or 0) >= limit:
        raise TooManyProposals(limit)


async def review(
    session: AsyncSession, *, activity_id: int, approve: bool, now: datetime
) -> Outcome:
    """Approve (publish) or decline a proposal; the proposer is told. Authority: the caller's."""
    activity = await get(session, activity_id)
    if activity.status != Status.PROPOSED:
        raise NotPublished("not a proposal")
    activity.status = Status.PUBLISHED if approve else Status.DECLINED
    activity.updated_at = now
    outcome = Outcome(activity, post_cards=approve)
    if activity.organiser_id is not None:
        outcome.notices.append(
            Notice(
                activity.organiser_id, Event.APPROVED if approve else Event.DECLINED, activity.id
            )
        )
    return outcome
