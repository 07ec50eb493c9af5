"""What a buurtassistent looks after: their wijken, the queue, and who could take a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import NotAllowed
from models.help_requests.tables import HelpRequest, Status
from models.help_requests.workload import has_room, load_of
from models.people import Person, Role, Roles
from models.volunteers import matching_volunteers

QUEUE_OPEN_MAX = 10
QUEUE_STALLED_MAX = 5


@dataclass(frozen=True)
class Queue:
    open: list[HelpRequest]
    stalled: list[HelpRequest]
    open_total: int
    stalled_total: int


@dataclass(frozen=True)
class Candidate:
    """A volunteer who could take a request, with what helps choosing."""

    person: Person
    load: int  # requests they have accepted and not finished
    last_helped_at: datetime | None


def assistant_wijken(roles: Roles) -> set[int] | None:
    """Return the wijken a buurtassistent looks after; None means all (admins, city-wide)."""
    if roles.blocked:
        return set()
    if Role.ADMIN in roles.city or Role.BUURTASSISTENT in roles.city:
        return None
    return {w for w, held in roles.by_wijk.items() if Role.BUURTASSISTENT in held}


def require_assistant(roles: Roles, request: HelpRequest) -> None:
    """Refuse unless the caller is a buurtassistent of the request's wijk (or an admin)."""
    if not roles.has(Role.BUURTASSISTENT, request.wijk_id):
        raise NotAllowed("not a buurtassistent of this wijk")


def _stalled(now: datetime, stalled_after: timedelta):  # type: ignore[no-untyped-def]
    """Accepted, but not done well past its time."""
    return (HelpRequest.status == Status.CLAIMED) & (
        HelpRequest.window_end_at < now - stalled_after
    )


async def queue(
    session: AsyncSession, wijken: set[int] | None, *, now: datetime, stalled_after: timedelta
) -> Queue:
    """Return open requests (most urgent, then oldest first) and the stalled ones."""
    scope = True if wijken is None else HelpRequest.wijk_id.in_(wijken)
    is_open = HelpRequest.status == Status.OPEN
    is_stalled = _stalled(now, stalled_after)
    open_rows = await session.scalars(
        select(HelpRequest)
        .where(scope, is_open)
        .order_by(HelpRequest.window_end_at, HelpRequest.created_at, HelpRequest.id)
        .limit(QUEUE_OPEN_MAX)
    )
    stalled_rows = await session.scalars(
        select(HelpRequest)
        .where(scope, is_stalled)
        .order_by(HelpRequest.window_end_at, HelpRequest.id)
        .limit(QUEUE_STALLED_MAX)
    )
    open_total = await session.scalar(select(func.count()).where(scope, is_open))
    stalled_total = await session.scalar(select(func.count()).where(scope, is_stalled))
    return Queue(list(open_rows), list(stalled_rows), open_total or 0, stalled_total or 0)


async def candidates(session: AsyncSession, request: HelpRequest, now: datetime) -> list[Candidate]:
    """Return matching, available volunteers with room: least loaded, longest rested first."""
    people = await matching_volunteers(
        session, category=request.category, wijk_id=request.wijk_id, now=now
    )
    involved = {request.requester_id, request.filed_by_id, request.helper_id}
    found = []
    for person in people:
        if person.id in involved or not await has_room(session, person.id):
            continue
        last = await session.scalar(
            select(func.max(HelpRequest.closed_at)).where(
                HelpRequest.helper_id == person.id, HelpRequest.status == Status.DONE
            )
        )
        found.append(Candidate(person, await load_of(session, person.id), last))
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    found.sort(key=lambda c: (c.load, c.last_helped_at or epoch, c.person.id))
    return found
