"""What the scheduler must do now: reminders, check-ins, "still needed?" and expiry.

The database is the source of truth: each run asks what is due at ``now`` and moves the
request on, so a restart loses nothing, and each follow-up is queued once (its due time is
cleared, and its messages carry a dedupe key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.help_requests.lifecycle import close_request
from models.help_requests.tables import Event, HelpRequest, Notice, Outcome, Status

# "Did it work out?" is asked up to this many times, this far apart.
MAX_CHECKINS = 3
CHECKIN_REPEAT = timedelta(days=2)


@dataclass(frozen=True)
class FollowupTimes:
    expire_grace: timedelta = timedelta(hours=24)
    still_needed_after: timedelta = timedelta(hours=48)
    remind_before: timedelta = timedelta(hours=1)


async def run_due(
    session: AsyncSession, *, now: datetime, times: FollowupTimes, batch: int = 200
) -> list[Outcome]:
    """Apply every follow-up that is due; return what must be sent."""
    outcomes: list[Outcome] = []
    outcomes += await _expire(session, now, times, batch)
    outcomes += await _still_needed(session, now, batch)
    outcomes += await _remind_helpers(session, now, times, batch)
    outcomes += await _check_in(session, now, batch)
    return outcomes


async def _expire(
    session: AsyncSession, now: datetime, times: FollowupTimes, batch: int
) -> list[Outcome]:
    """Close open requests whose time (plus grace) has passed; tell the requester."""
    due = await session.scalars(
        select(HelpRequest)
        .where(
            HelpRequest.status == Status.OPEN,
            HelpRequest.window_end_at <= now - times.expire_grace,
        )
        .limit(batch)
    )
    outcomes = []
    for request in due:
        close_request(request, Status.EXPIRED, "expired", now)
        outcome = Outcome(request, edit_cards=True)
        if request.contact_person_id is not None:
            outcome.notices.append(
                Notice(
                    request.contact_person_id,
                    Event.EXPIRED,
                    request.id,
                    dedupe_key=f"expired:{request.id}",
                )
            )
        outcomes.append(outcome)
    return outcomes


async def _still_needed(session: AsyncSession, now: datetime, batch: int) -> list[Outcome]:
    """Ask requesters of long-open requests whether they still need help."""
    due = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.status == Status.OPEN, HelpRequest.still_needed_due_at <= now)
        .limit(batch)
    )
    outcomes = []
    for request in due:
        key = f"still:{request.id}:{int(request.still_needed_due_at.timestamp())}"  # type: ignore[union-attr]
        request.still_needed_due_at = None
        if request.contact_person_id is not None:
            notice = Notice(
                request.contact_person_id,
                Event.STILL_NEEDED,
                request.id,
                quiet=True,
                dedupe_key=key,
            )
            outcomes.append(Outcome(request, notices=[notice]))
    return outcomes


async def _remind_helpers(
    session: AsyncSession, now: datetime, times: FollowupTimes, batch: int
) -> list[Outcome]:
    """Remind the helper shortly before the agreed time starts."""
    due = await session.scalars(
        select(HelpRequest)
        .where(
            HelpRequest.status == Status.CLAIMED,
            HelpRequest.reminded_at.is_(None),
            # Only a request for a set part of a day has a start worth a reminder.
            HelpRequest.day_part.is_not(None),
            HelpRequest.window_start_at <= now + times.remind_before,
            HelpRequest.window_start_at > now,
        )
        .limit(batch)
    )
    outcomes = []
    for request in due:
        request.reminded_at = now
        # Claimed just before the start: the introduction was the reminder.
        if request.helper_id is None or request.claimed_at is None:
            continue
        if request.window_start_at - request.claimed_at <= times.remind_before:
            continue
        key = f"remind:{request.id}:{request.helper_id}:{int(request.window_start_at.timestamp())}"
        notice = Notice(request.helper_id, Event.REMINDER_HELPER, request.id, dedupe_key=key)
        outcomes.append(Outcome(request, notices=[notice]))
    return outcomes


async def _check_in(session: AsyncSession, now: datetime, batch: int) -> list[Outcome]:
    """Ask both sides "did it work out?" after the agreed time."""
    due = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.status == Status.CLAIMED, HelpRequest.checkin_due_at <= now)
        .limit(batch)
    )
    outcomes = []
    for request in due:
        stamp = int(request.checkin_due_at.timestamp())  # type: ignore[union-attr]
        if request.checkins_sent >= MAX_CHECKINS:
            # Nobody answered "did it work out?" three times: stop asking, free the card.
            close_request(request, Status.EXPIRED, "no_answer", now)
            outcomes.append(Outcome(request, edit_cards=True))
            continue
        request.checkins_sent += 1
        request.checkin_due_at = now + CHECKIN_REPEAT
        notices = [
            Notice(
                person_id,
                Event.CHECKIN,
                request.id,
                quiet=True,
                dedupe_key=f"checkin:{request.id}:{person_id}:{stamp}",
            )
            for person_id in (request.contact_person_id, request.helper_id)
            if person_id is not None
        ]
        outcomes.append(Outcome(request, notices=notices))
    return outcomes
