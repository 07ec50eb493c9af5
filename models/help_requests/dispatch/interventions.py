"""A buurtassistent steps in: reopen a stalled request, or close one for a reason."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import record
from models.help_requests.dispatch.offers import withdraw_offers
from models.help_requests.dispatch.worklist import require_assistant
from models.help_requests.lifecycle import close_request, get_request, reopen, require_status
from models.help_requests.tables import ACTIVE, Event, Notice, Outcome, Status
from models.people import Person, Roles


class CloseReason(enum.StrEnum):
    """Why a buurtassistent closed a request (stored as close_reason)."""

    HELPED_ELSEWHERE = "ba_helped"
    NOT_NEEDED = "ba_not_needed"
    DUPLICATE = "ba_duplicate"
    OTHER = "ba_other"


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
    await withdraw_offers(session, request_id, now)
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
