"""Offering a request to one volunteer, who accepts or declines; the offerer hears which."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import record
from models.base import Base, utcnow
from models.errors import NotFound
from models.help_requests.dispatch.worklist import candidates, require_assistant
from models.help_requests.lifecycle import claim_request, get_request, reopen, require_status
from models.help_requests.tables import ACTIVE, Event, Notice, Outcome, Status
from models.people import Person, Roles


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # superseded by a new offer, or the request moved on


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


async def withdraw_offers(session: AsyncSession, request_id: int, now: datetime) -> None:
    """Withdraw the open offers of a request that moved on."""
    for offer in await session.scalars(
        select(Offer).where(Offer.request_id == request_id, Offer.status == OfferStatus.PENDING)
    ):
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
