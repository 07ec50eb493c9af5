"""Reading activities: one by id, where it is, a page of the agenda, its posted cards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, ActivityCard, Status
from models.errors import NotFound
from models.infopoints import InfoPoint


def point_place(point: InfoPoint) -> str:
    """Write an information point as a place: "Name, Street 1, 1234 AB City"."""
    return ", ".join(p for p in (point.name, point.address) if p)[:200]


async def place_of(session: AsyncSession, activity: Activity) -> str:
    """Return where it is: the point's current name and address, else the stored place.

    The stored place is the point's words at the time of choosing, so an activity whose point
    was hidden or deleted later still says where it is.
    """
    if activity.infopoint_id is not None:
        point = await session.get(InfoPoint, activity.infopoint_id)
        if point is not None and not point.hidden:
            return point_place(point)
    return activity.place


async def get(session: AsyncSession, activity_id: int) -> Activity:
    """Return an activity or raise NotFound."""
    activity = await session.get(Activity, activity_id)
    if activity is None:
        raise NotFound("activity")
    return activity


async def upcoming(
    session: AsyncSession,
    *,
    wijk_ids: list[int] | None,
    now: datetime,
    offset: int = 0,
    limit: int = 5,
) -> tuple[list[Activity], int]:
    """Return a page of published activities to come (in these wijken), and how many there are."""
    query = select(Activity).where(Activity.status == Status.PUBLISHED, Activity.ends_at > now)
    found = [
        a
        for a in await session.scalars(query.order_by(Activity.starts_at, Activity.id))
        if wijk_ids is None or set(a.wijk_ids) & set(wijk_ids)
    ]
    return found[offset : offset + limit], len(found)


async def cards_of(session: AsyncSession, activity_id: int) -> list[ActivityCard]:
    """Return the posted cards of an activity."""
    return list(
        await session.scalars(select(ActivityCard).where(ActivityCard.activity_id == activity_id))
    )
