"""Erase a person (/vergeetmij): cancel what is open, then delete or anonymise every trace.

Rows that only exist for the person are deleted. Rows that others rely on or that feed the
figures (a closed request, an activity, an announcement, the audit log) stay, with the link to
the person cut and their free text blanked or scrubbed of whatever identifies them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import activities
from models.activities import Activity, Rsvp
from models.audit import record
from models.help_requests import (
    ACTIVE,
    Feedback,
    HelpRequest,
    Outcome,
    Status,
    cancel_request,
    withdraw_help,
)
from models.people import Person
from models.privacy import erase_content as content
from models.privacy.erase_job import Erased, Job, delete_rows
from models.privacy.identity import Identity, identity_of

__all__ = ["RULES", "Erased", "anonymise_request", "erase_person", "identify_person"]


async def identify_person(session: AsyncSession, person: Person) -> Identity:
    """Collect what identifies the person, including the phone numbers they gave."""
    phones = await session.scalars(
        select(HelpRequest.contact_phone).where(
            HelpRequest.requester_id == person.id, HelpRequest.contact_phone.is_not(None)
        )
    )
    return identity_of(
        person.id, person.telegram_id, person.display_name, person.username, list(phones)
    )


def anonymise_request(request: HelpRequest) -> None:
    """Keep a request's figures (category, wijk, times, status) and drop everything personal."""
    request.requester_id = None
    request.filed_by_id = None
    request.helper_id = None
    request.behalf_name = None
    request.behalf_phone = None
    request.behalf_consent_at = None
    request.description = ""
    request.contact_phone = None
    request.code_word = None


async def _requests(job: Job) -> None:
    """Cancel own open requests, step back from claimed ones, then anonymise or unlink."""
    pid, session = job.person.id, job.session
    rows = list(
        await session.scalars(
            select(HelpRequest).where(
                or_(
                    HelpRequest.requester_id == pid,
                    HelpRequest.filed_by_id == pid,
                    HelpRequest.helper_id == pid,
                )
            )
        )
    )
    for request in rows:
        job.requests.add(request.id)
        own = request.requester_id == pid
        # The states are checked here, so neither call can refuse.
        if own and request.status in ACTIVE:
            outcome = await cancel_request(
                session, request_id=request.id, person=job.person, now=job.now
            )
            job.result.requests_cancelled.append(request.id)
            job.result.request_outcomes.append(outcome)
        elif request.helper_id == pid and request.status == Status.CLAIMED:
            outcome = await withdraw_help(
                session, request_id=request.id, person=job.person, now=job.now
            )
            job.result.help_withdrawn.append(request.id)
            job.result.request_outcomes.append(outcome)
        if own:
            if request.id not in job.result.requests_cancelled:
                # A closed request's group cards still show the text: edit them too.
                job.result.request_outcomes.append(Outcome(request, edit_cards=True))
            anonymise_request(request)
            job.result.requests_anonymised += 1
            await session.execute(
                update(Feedback).where(Feedback.request_id == request.id).values(comment=None)
            )
            continue
        # Filed for a resident without Telegram, or helped: the request is not theirs.
        if request.filed_by_id == pid:
            request.filed_by_id = None
        if request.helper_id == pid:
            request.helper_id = None
            request.code_word = None
    await session.flush()


async def _feedback(job: Job) -> None:
    """Keep the scores given, without the person and their comment."""
    await job.session.execute(
        update(Feedback)
        .where(Feedback.person_id == job.person.id)
        .values(person_id=None, comment=None)
    )


async def _rsvps(job: Job) -> None:
    """Say "no" to coming activities (the first on the waitlist moves up), then forget."""
    session = job.session
    rows = list(await session.scalars(select(Rsvp).where(Rsvp.person_id == job.person.id)))
    for rsvp in rows:
        job.activities.add(rsvp.activity_id)
        activity = await session.get(Activity, rsvp.activity_id)
        if (
            activity is not None
            and activity.status == activities.Status.PUBLISHED
            and activity.starts_at > job.now
        ):
            outcome, _ = await activities.answer(
                session,
                activity_id=activity.id,
                person=job.person,
                choice=activities.Answer.NO,
                now=job.now,
            )
            job.result.activity_outcomes.append(outcome)
    job.result.rows_deleted += await delete_rows(
        session, delete(Rsvp).where(Rsvp.person_id == job.person.id)
    )


Step = Callable[[Job], Awaitable[None]]

# Per table, the step that erases the person from it; run in this order (requests before the
# outbox, which needs to know them; the person last). A test checks that every table is here
# or in registry.NO_PERSONAL_DATA.
RULES: dict[str, Step] = {
    # Before the requests are anonymised: notes are found through the request's requester.
    "request_offer": content.dispatch,
    "request_note": content.dispatch,
    "help_request": _requests,
    "feedback": _feedback,
    "rsvp": _rsvps,
    "activity": content.organised_activities,
    "broadcast": content.sent_broadcasts,
    "group_link": content.group_links,
    "infopoint_report": content.infopoint_reports,
    "audit_entry": content.audit_entries,
    "outbox_message": content.outbox,
    "flow_data": content.flows,
    "conversation_state": content.flows,
    "role_assignment": content.own_rows,
    "subscription": content.own_rows,
    "volunteer": content.own_rows,
    "consent_event": content.own_rows,
    "person": content.person_row,
}


async def erase_person(session: AsyncSession, person: Person, *, now: datetime) -> Erased:
    """Erase a person: cancel, withdraw, anonymise and delete, in the caller's transaction."""
    job = Job(session, person, await identify_person(session, person), now, Erased())
    done: list[Step] = []
    for step in RULES.values():
        if step not in done:
            done.append(step)
            await step(job)
    await session.flush()
    # No one is named: the entry only shows that an erasure happened, and when.
    await record(session, "privacy.erase", actor_id=None, at=now)
    return job.result
