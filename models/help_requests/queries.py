"""Lists of requests: mine, and the open ones in some wijken."""

from __future__ import annotations

from sqlalchemy import or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from models.help_requests.tables import ACTIVE, HelpRequest, RequestCard, Status
from models.people import Person


async def requests_of(
    session: AsyncSession, person: Person, *, recent: int = 5
) -> list[HelpRequest]:
    """Return the person's active requests and tasks, then a few recent closed ones."""
    # A union of three index lookups: with OR, SQLite may scan the whole table instead.
    involved = HelpRequest.id.in_(
        union(
            select(HelpRequest.id).where(HelpRequest.requester_id == person.id),
            select(HelpRequest.id).where(HelpRequest.filed_by_id == person.id),
            select(HelpRequest.id).where(HelpRequest.helper_id == person.id),
        )
    )
    active = list(
        await session.scalars(
            select(HelpRequest)
            .where(involved, HelpRequest.status.in_(ACTIVE))
            .order_by(HelpRequest.id)
        )
    )
    closed = list(
        await session.scalars(
            select(HelpRequest)
            .where(involved, HelpRequest.status.not_in(ACTIVE))
            .order_by(HelpRequest.closed_at.desc())
            .limit(recent)
        )
    )
    return active + closed


async def open_requests(
    session: AsyncSession,
    *,
    wijk_ids: list[int],
    exclude_person: int | None = None,
    limit: int = 10,
) -> list[HelpRequest]:
    """Return open requests in these wijken, soonest window first."""
    query = (
        select(HelpRequest)
        .where(HelpRequest.status == Status.OPEN, HelpRequest.wijk_id.in_(wijk_ids))
        .order_by(HelpRequest.window_end_at, HelpRequest.id)
        .limit(limit)
    )
    if exclude_person is not None:
        query = query.where(
            or_(HelpRequest.requester_id.is_(None), HelpRequest.requester_id != exclude_person)
        )
    return list(await session.scalars(query))


async def cards_of(session: AsyncSession, request_id: int) -> list[RequestCard]:
    """Return the posted cards of a request."""
    return list(
        await session.scalars(select(RequestCard).where(RequestCard.request_id == request_id))
    )
