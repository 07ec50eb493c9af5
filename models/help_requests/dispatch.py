"""The buurtassistent's queue: what nobody picked up, what stalled, and handing it out.

A buurtassistent offers a request to a volunteer ("Wil je dit oppakken?"); the volunteer accepts
or declines; the buurtassistent hears the answer. They can also reopen a stalled request, close
one with a reason, and keep internal notes. Every action is checked against the stored request
and the caller's roles, and written to the audit log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import record
from models.base import Base, utcnow
from models.errors import NotAllowed, NotFound
from models.help_requests.lifecycle import (
    claim_request,
    close_request,
    get_request,
    reopen,
    require_status,
)
from models.help_requests.tables import ACTIVE, Event, HelpRequest, Notice, Outcome, Status
from models.help_requests.workload import has_room, load_of
from models.people import Person, Role, Roles
from models.volunteers import matching_volunteers

NOTE_MAX = 500
QUEUE_OPEN_MAX = 10
QUEUE_STALLED_MAX = 5


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # superseded by a new offer, or the request moved on


class CloseReason(enum.StrEnum):
    """Why a buurtassistent closed a request (stored as close_reason)."""

    HELPED_ELSEWHERE = "ba_helped"
    NOT_NEEDED = "ba_not_needed"
    DUPLICATE = "ba_duplicate"
    OTHER = "ba_other"


class Offer(Base):
    """A request offered to one volunteer by a buurtassistent."""

    __tablename__ = "request_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=OfferStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


class RequestNote(Base):
    """An internal note on a request: only buurtassistenten and admins see it."""

    __tablename__ = "request_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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


async def pending_offer(session: AsyncSession, request_id: int, person_id: int) -> Offer | None:
    """Return the open offer of a request to this person, if any."""
    return await session.scalar(
        select(Offer).where(
            Offer.request_id == request_id,
            Offer.volunteer_id == person_id,
            Offer.status == OfferStatus.PENDING,
        )
    )


async def offer_request(
    session: AsyncSession,
    *,
    request_id: int,
    volunteer_id: int,
    by: Person,
    roles: Roles,
    now: datetime,
) -> Outcome:
    """Offer a request to a volunteer; an earlier open offer of it is withdrawn."""
    request = await get_request(session, request_id)
    require_assistant(roles, request)
    require_status(request, *ACTIVE)
    fits = {c.person.id for c in await candidates(session, request, now)}
    if volunteer_id not in fits:
        raise NotFound("volunteer")
    earlier = await session.scalars(
        select(Offer).where(Offer.request_id == request_id, Offer.status == OfferStatus.PENDING)
    )
    for offer in earlier:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
    session.add(
        Offer(request_id=request_id, volunteer_id=volunteer_id, offered_by_id=by.id, created_at=now)
    )
    await record(
        session,
        "request.assign",
        actor_id=by.id,
        subject_person_id=volunteer_id,
        wijk_id=request.wijk_id,
        target=f"request:{request_id}",
        at=now,
    )
    await session.flush()
    return Outcome(request, notices=[Notice(volunteer_id, Event.OFFER, request_id)])


async def answer_offer(
    session: AsyncSession, *, request_id: int, person: Person, accept: bool, now: datetime
) -> Outcome:
    """Accept or decline an offer; the buurtassistent who made it is told."""
    offer = await pending_offer(session, request_id, person.id)
    if offer is None:
        raise NotFound("offer")
    request = await get_request(session, request_id)
    offer.answered_at = now
    if not accept:
        offer.status = OfferStatus.DECLINED
        outcome = Outcome(request)
    else:
        require_status(request, *ACTIVE)
        notices: list[Notice] = []
        if request.status == Status.CLAIMED:
            # A reassignment: the former helper steps out first.
            if request.helper_id is not None:
                notices.append(Notice(request.helper_id, Event.RELEASED_HELPER, request.id))
            reopen(request, now)
            await session.flush()
        outcome = await claim_request(session, request_id=request_id, helper=person, now=now)
        outcome.notices[:0] = notices
        offer.status = OfferStatus.ACCEPTED
    if offer.offered_by_id is not None:
        event = Event.OFFER_ACCEPTED if accept else Event.OFFER_DECLINED
        outcome.notices.append(Notice(offer.offered_by_id, event, request_id))
    return outcome


async def reopen_request(
    session: AsyncSession, *, request_id: int, by: Person, roles: Roles, now: datetime
) -> Outcome:
    """Take a stalled request from its helper and open it again; both sides are told."""
    request = await get_request(session, request_id)
    require_assistant(roles, request)
    require_status(request, Status.CLAIMED)
    outcome = Outcome(request, edit_cards=True)
    if request.helper_id is not None:
        outcome.notices.append(Notice(request.helper_id, Event.RELEASED_HELPER, request.id))
    if request.contact_person_id is not None:
        outcome.notices.append(
            Notice(request.contact_person_id, Event.WITHDRAWN_REQUESTER, request.id)
        )
    reopen(request, now)
    await record(
        session,
        "request.reopen",
        actor_id=by.id,
        wijk_id=request.wijk_id,
        target=f"request:{request_id}",
        at=now,
    )
    return outcome


async def close_by_assistant(
    session: AsyncSession,
    *,
    request_id: int,
    by: Person,
    roles: Roles,
    reason: CloseReason,
    now: datetime,
) -> Outcome:
    """Close a request for a reason; the requester and a helper are told."""
    request = await get_request(session, request_id)
    require_assistant(roles, request)
    require_status(request, *ACTIVE)
    outcome = Outcome(request, edit_cards=True)
    if request.contact_person_id is not None:
        outcome.notices.append(
            Notice(request.contact_person_id, Event.CLOSED_BY_ASSISTANT, request.id)
        )
    if request.helper_id is not None:
        outcome.notices.append(Notice(request.helper_id, Event.CANCELLED_HELPER, request.id))
    final = Status.DONE if reason is CloseReason.HELPED_ELSEWHERE else Status.CANCELLED
    close_request(request, final, reason.value, now)
    await _withdraw_offers(session, request_id, now)
    await record(
        session,
        "request.close",
        actor_id=by.id,
        wijk_id=request.wijk_id,
        target=f"request:{request_id}",
        detail=reason.value,
        at=now,
    )
    return outcome


async def _withdraw_offers(session: AsyncSession, request_id: int, now: datetime) -> None:
    """Withdraw the open offers of a request that moved on."""
    for offer in await session.scalars(
        select(Offer).where(Offer.request_id == request_id, Offer.status == OfferStatus.PENDING)
    ):
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now


async def add_note(
    session: AsyncSession, *, request_id: int, by: Person, roles: Roles, text: str, now: datetime
) -> RequestNote:
    """Add an internal note to a request."""
    request = await get_request(session, request_id)
    require_assistant(roles, request)
    text = text.strip()[:NOTE_MAX]
    if not text:
        raise ValueError("empty note")
    note = RequestNote(request_id=request_id, author_id=by.id, text=text, created_at=now)
    session.add(note)
    await record(
        session,
        "request.note",
        actor_id=by.id,
        wijk_id=request.wijk_id,
        target=f"request:{request_id}",
        at=now,
    )
    await session.flush()
    return note


async def notes_of(session: AsyncSession, request_id: int, *, last: int = 3) -> list[RequestNote]:
    """Return the last few internal notes of a request, oldest first."""
    rows = await session.scalars(
        select(RequestNote)
        .where(RequestNote.request_id == request_id)
        .order_by(RequestNote.created_at.desc(), RequestNote.id.desc())
        .limit(last)
    )
    return list(reversed(list(rows)))
