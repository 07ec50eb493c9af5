"""Every state change of a help request, with its rules and who must hear about it.

open -> claimed -> done; open | claimed -> cancelled (by the requester); claimed -> open (the
helper withdraws); open -> expired (by the scheduler, see followups.py). Authority is checked
here, against the stored request: button data only names a request, it proves nothing.

Posting a request is in posting.py; how much a volunteer has on their plate in workload.py.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import NotAllowed, NotFound
from models.help_requests.tables import (
    ACTIVE,
    CODE_WORDS,
    AlreadyClaimed,
    Event,
    HelpRequest,
    Notice,
    NotOpen,
    Outcome,
    OwnRequest,
    Status,
    TooManyTasks,
)
from models.help_requests.workload import has_room
from models.people import Person
from models.volunteers import matching_volunteers

# A check-in ("did it work out?") comes this long after the agreed time has passed.
CHECKIN_AFTER = timedelta(hours=1)
MEET_TIME = timedelta(hours=2)


async def get_request(session: AsyncSession, request_id: int) -> HelpRequest:
    """Return a request or raise NotFound."""
    request = await session.get(HelpRequest, request_id)
    if request is None:
        raise NotFound("request")
    return request


async def claim_request(
    session: AsyncSession, *, request_id: int, helper: Person, now: datetime
) -> Outcome:
    """Make the person the helper; of many presses at once exactly one wins."""
    request = await get_request(session, request_id)
    if helper.id in (request.requester_id, request.filed_by_id):
        raise OwnRequest("own request")
    if not await has_room(session, helper.id):
        raise TooManyTasks("at the volunteer's own maximum")
    # One conditional UPDATE: the database decides who was first, on SQLite and PostgreSQL.
    result = await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request_id, HelpRequest.status == Status.OPEN)
        .values(
            status=Status.CLAIMED,
            helper_id=helper.id,
            claimed_at=now,
            updated_at=now,
            code_word=secrets.choice(CODE_WORDS),
            checkin_due_at=None,
            reminded_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(request)
    if result.rowcount != 1:
        if request.status == Status.CLAIMED:
            raise AlreadyClaimed("already claimed")
        raise NotOpen(request.status)
    # Not before the two have had a chance to meet, even when the claim came late.
    request.checkin_due_at = max(request.window_end_at, now + MEET_TIME) + CHECKIN_AFTER
    request.checkins_sent = 0
    outcome = Outcome(request, edit_cards=True)
    if request.contact_person_id is not None:
        outcome.notices.append(
            Notice(
                request.contact_person_id,
                Event.CLAIMED_REQUESTER,
                request.id,
            )
        )
    outcome.notices.append(
        Notice(
            helper.id,
            Event.CLAIMED_HELPER,
            request.id,
        )
    )
    return outcome


def _require_owner(request: HelpRequest, person: Person) -> None:
    """Only the requester (or whoever filed it for them) may do this."""
    if person.id not in (request.requester_id, request.filed_by_id):
        raise NotAllowed("not your request")


def require_status(request: HelpRequest, *allowed: Status) -> None:
    """Refuse a change the request's state does not allow."""
    if request.status not in allowed:
        raise NotOpen(request.status)


async def cancel_request(
    session: AsyncSession, *, request_id: int, person: Person, now: datetime
) -> Outcome:
    """Let the requester withdraw their request; a helper is told."""
    request = await get_request(session, request_id)
    _require_owner(request, person)
    require_status(request, *ACTIVE)
    outcome = Outcome(request, edit_cards=True)
    if request.helper_id is not None and request.status == Status.CLAIMED:
        outcome.notices.append(Notice(request.helper_id, Event.CANCELLED_HELPER, request.id))
    close_request(request, Status.CANCELLED, "requester", now)
    return outcome


async def withdraw_help(
    session: AsyncSession, *, request_id: int, person: Person, now: datetime
) -> Outcome:
    """Open a claimed request again: the helper steps back, or the requester lets them go.

    The other side is told, and matching volunteers hear about the request again.
    """
    request = await get_request(session, request_id)
    is_helper = request.helper_id == person.id
    if not is_helper and person.id not in (request.requester_id, request.filed_by_id):
        raise NotAllowed("not involved")
    require_status(request, Status.CLAIMED)
    outcome = Outcome(request, edit_cards=True)
    if is_helper and request.contact_person_id is not None:
        outcome.notices.append(
            Notice(request.contact_person_id, Event.WITHDRAWN_REQUESTER, request.id)
        )
    elif not is_helper and request.helper_id is not None:
        outcome.notices.append(Notice(request.helper_id, Event.RELEASED_HELPER, request.id))
    former_helper = request.helper_id
    reopen(request, now)
    await session.flush()
    people = await matching_volunteers(
        session, category=request.category, wijk_id=request.wijk_id, now=now
    )
    outcome.notices += [
        Notice(
            p.id,
            Event.POSTED,
            request.id,
            quiet=True,
        )
        for p in people
        if p.id not in (request.requester_id, request.filed_by_id, former_helper)
    ]
    return outcome


async def complete_request(
    session: AsyncSession, *, request_id: int, person: Person, now: datetime
) -> Outcome:
    """Mark a claimed request done (requester or helper); both get thanks and feedback."""
    request = await get_request(session, request_id)
    if person.id not in (request.requester_id, request.filed_by_id, request.helper_id):
        raise NotAllowed("not involved")
    require_status(request, Status.CLAIMED)
    close_request(request, Status.DONE, "done", now)
    outcome = Outcome(request, edit_cards=True)
    for target in {request.contact_person_id, request.helper_id} - {None}:
        assert target is not None
        outcome.notices.append(Notice(target, Event.DONE_THANKS, request.id))
    return outcome


async def postpone_checkin(
    session: AsyncSession, *, request_id: int, person: Person, now: datetime
) -> HelpRequest:
    """ "Not yet": ask again a day later."""
    request = await get_request(session, request_id)
    if person.id not in (request.requester_id, request.filed_by_id, request.helper_id):
        raise NotAllowed("not involved")
    require_status(request, Status.CLAIMED)
    request.checkin_due_at = now + timedelta(days=1)
    request.updated_at = now
    return request


async def confirm_still_needed(
    session: AsyncSession, *, request_id: int, person: Person, now: datetime, ask_after: timedelta
) -> HelpRequest:
    """ "Still needed": keep the request open a while longer."""
    request = await get_request(session, request_id)
    _require_owner(request, person)
    require_status(request, Status.OPEN)
    request.still_needed_due_at = now + ask_after
    request.window_end_at = max(request.window_end_at, now + ask_after)
    request.updated_at = now
    return request


def reopen(request: HelpRequest, now: datetime) -> None:
    """Make a claimed request open again, without a helper."""
    request.status = Status.OPEN
    request.helper_id = None
    request.code_word = None
    request.checkin_due_at = None
    request.reminded_at = None
    request.updated_at = now
    # A request that opens again after its time gets a fresh day before it expires.
    request.window_end_at = max(request.window_end_at, now + timedelta(days=1))


def close_request(request: HelpRequest, status: Status, reason: str, now: datetime) -> None:
    """Move a request to a final state."""
    request.status = status
    request.close_reason = reason
    request.closed_at = now
    request.updated_at = now
    request.checkin_due_at = None
    request.still_needed_due_at = None
