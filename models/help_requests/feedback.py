"""Feedback on a finished request: a score of one to three faces, and an optional comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import NotAllowed, NotFound
from models.help_requests.lifecycle import get_request, require_status
from models.help_requests.tables import Feedback, Status
from models.people import Person


async def give_feedback(
    session: AsyncSession, *, request_id: int, person: Person, score: int, now: datetime
) -> Feedback:
    """Store (or change) a person's feedback on a finished request."""
    if score not in (1, 2, 3):
        raise NotAllowed("bad score")
    request = await get_request(session, request_id)
    if request.helper_id == person.id:
        role = "helper"
    elif person.id in (request.requester_id, request.filed_by_id):
        role = "requester"
    else:
        raise NotAllowed("not involved")
    require_status(request, Status.DONE)
    feedback = await session.scalar(
        select(Feedback).where(Feedback.request_id == request.id, Feedback.person_id == person.id)
    )
    if feedback is None:
        feedback = Feedback(request_id=request.id, person_id=person.id, role=role, score=score)
        session.add(feedback)
    feedback.score, feedback.created_at = score, now
    await session.flush()
    return feedback


async def add_feedback_comment(
    session: AsyncSession, *, request_id: int, person: Person, comment: str
) -> Feedback:
    """Attach a comment to the person's feedback."""
    feedback = await session.scalar(
        select(Feedback).where(Feedback.request_id == request_id, Feedback.person_id == person.id)
    )
    if feedback is None:
        raise NotFound("feedback")
    feedback.comment = comment
    return feedback
