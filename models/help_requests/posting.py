"""Posting a help request: the limits on how many, storing it, and telling volunteers."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Buurt, Wijk
from models.audit import record
from models.errors import NotFound
from models.help_requests.tables import (
    ACTIVE,
    Draft,
    Event,
    HelpRequest,
    Limits,
    Notice,
    Outcome,
    Status,
    TooFast,
    TooManyOpen,
)
from models.help_requests.timing import window
from models.people import Person
from models.volunteers import matching_volunteers

# Built once: the two counts behind every new request, in one statement (count() skips the
# NULLs of a case without a match).
_COUNTS = select(
    func.count(case((HelpRequest.status.in_(ACTIVE), 1))),
    func.count(case((HelpRequest.created_at > bindparam("since"), 1))),
).where(
    or_(
        HelpRequest.requester_id == bindparam("person_id"),
        HelpRequest.filed_by_id == bindparam("person_id"),
    )
)


async def check_limits(
    session: AsyncSession, person: Person, limits: Limits, now: datetime
) -> None:
    """Refuse a new request when the person has too many open, or posted too many today."""
    since = now - timedelta(days=1)
    counts = await session.execute(_COUNTS, {"person_id": person.id, "since": since})
    open_count, today = counts.one()
    if open_count >= limits.max_open:
        raise TooManyOpen(limits.max_open)
    if today >= limits.max_per_day:
        raise TooFast(limits.max_per_day)


async def create_request(
    session: AsyncSession,
    *,
    person: Person,
    draft: Draft,
    now: datetime,
    tz: tzinfo,
    limits: Limits,
    still_needed_after: timedelta | None = None,
    on_behalf: bool = False,
) -> Outcome:
    """Store a new open request; its cards go out and matching volunteers are told.

    With still_needed_after, the requester is asked after that long whether help is still
    needed, if the request is open then.
    """
    await check_limits(session, person, limits, now)
    wijk = await session.get(Wijk, draft.wijk_id)
    if wijk is None:
        raise NotFound("wijk")
    buurt = await session.get(Buurt, draft.buurt_id) if draft.buurt_id else None
    start, end = window(draft.when_kind, now=now, tz=tz, day=draft.when_date, part=draft.day_part)
    request = HelpRequest(
        requester_id=None if on_behalf else person.id,
        filed_by_id=person.id if on_behalf else None,
        behalf_name=draft.behalf_name if on_behalf else None,
        behalf_phone=draft.behalf_phone if on_behalf else None,
        behalf_consent_at=now if on_behalf else None,
        category=draft.category,
        description=draft.description,
        when_kind=draft.when_kind.value,
        when_date=draft.when_date,
        day_part=draft.day_part.value if draft.day_part else None,
        window_start_at=start,
        window_end_at=end,
        wijk_id=wijk.id,
        buurt_id=buurt.id if buurt is not None and buurt.wijk_id == wijk.id else None,
        contact=draft.contact.value,
        contact_phone=draft.contact_phone,
        status=Status.OPEN,
        still_needed_due_at=now + still_needed_after if still_needed_after else None,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    if on_behalf:
        await record(
            session, "request.on_behalf", actor_id=person.id, wijk_id=wijk.id,
            target=f"request:{request.id}", at=now,
        )  # fmt: skip
    outcome = Outcome(request, post_cards=True)
    outcome.notices += await _tell_volunteers(session, request, now)
    return outcome


async def _tell_volunteers(
    session: AsyncSession, request: HelpRequest, now: datetime
) -> list[Notice]:
    """Tell matching volunteers about an open request, once per opening."""
    people = await matching_volunteers(
        session, category=request.category, wijk_id=request.wijk_id, now=now
    )
    return [
        Notice(
            p.id,
            Event.POSTED,
            request.id,
            quiet=True,
        )
        for p in people
        if p.id not in (request.requester_id, request.filed_by_id, request.helper_id)
    ]
