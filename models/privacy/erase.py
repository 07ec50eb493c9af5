"""Erase a person (/vergeetmij): cancel what is open, then delete or anonymise every trace.

Rows that only exist for the person are deleted. Rows that others rely on or that feed the
figures (a closed request, an activity, an announcement, the audit log) stay, with the link to
the person cut and their free text blanked or scrubbed of whatever identifies them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import activities
from models.activities import Activity, Rsvp
from models.audit import AuditEntry, record
from models.broadcasts import Broadcast
from models.conversations import ConversationState, FlowData
from models.errors import DomainError
from models.groups import GroupLink
from models.help_requests import (
    ACTIVE,
    Feedback,
    HelpRequest,
    Outcome,
    Status,
    cancel_request,
    withdraw_help,
)
from models.infopoints import InfoPointReport
from models.outbox import OutboxMessage
from models.outbox import Status as OutboxStatus
from models.people import Person, RoleAssignment
from models.privacy.consent import ConsentEvent
from models.privacy.identity import Identity, identity_of
from models.subscriptions import Subscription
from models.volunteers import Volunteer


@dataclass
class Erased:
    """What erasing did, for the person's answer and for the messages to queue."""

    requests_cancelled: list[int] = field(default_factory=list)
    help_withdrawn: list[int] = field(default_factory=list)
    requests_anonymised: int = 0
    rows_deleted: int = 0
    request_outcomes: list[Outcome] = field(default_factory=list)
    activity_outcomes: list[activities.Outcome] = field(default_factory=list)


@dataclass
class _Job:
    session: AsyncSession
    person: Person
    who: Identity
    now: datetime
    result: Erased
    # Requests, activities and announcements the person was part of (for the outbox).
    requests: set[int] = field(default_factory=set)
    activities: set[int] = field(default_factory=set)
    broadcasts: set[int] = field(default_factory=set)


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


async def _requests(job: _Job) -> None:
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
        try:
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
        except DomainError:  # pragma: no cover - the states were checked just above
            pass
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


async def _feedback(job: _Job) -> None:
    """Keep the scores given, without the person and their comment."""
    await job.session.execute(
        update(Feedback)
        .where(Feedback.person_id == job.person.id)
        .values(person_id=None, comment=None)
    )


async def _rsvps(job: _Job) -> None:
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
    job.result.rows_deleted += await _delete(
        session, delete(Rsvp).where(Rsvp.person_id == job.person.id)
    )


async def _activities(job: _Job) -> None:
    """Keep organised activities for the people coming, without the organiser's traces."""
    rows = await job.session.scalars(select(Activity).where(Activity.organiser_id == job.person.id))
    for activity in rows:
        job.activities.add(activity.id)
        activity.organiser_id = None
        before = (activity.title, activity.description, activity.place)
        activity.title = job.who.scrub(activity.title)
        activity.description = job.who.scrub(activity.description)
        activity.place = job.who.scrub(activity.place)
        if (activity.title, activity.description, activity.place) != before:
            # Its cards in the groups showed what was just scrubbed.
            job.result.activity_outcomes.append(activities.Outcome(activity, edit_cards=True))


async def _broadcasts(job: _Job) -> None:
    """Keep sent announcements (figures), without the sender's traces."""
    rows = await job.session.scalars(
        select(Broadcast).where(
            or_(
                Broadcast.sender_id == job.person.id,
                Broadcast.report_chat_id == job.person.telegram_id,
            )
        )
    )
    for broadcast in rows:
        job.broadcasts.add(broadcast.id)
        broadcast.sender_id = None
        broadcast.text = job.who.scrub(broadcast.text)
        if broadcast.report_chat_id == job.person.telegram_id:
            broadcast.report_chat_id = None
            broadcast.progress_message_id = None


async def _group_links(job: _Job) -> None:
    """Keep linked groups; forget who linked them."""
    await job.session.execute(
        update(GroupLink).where(GroupLink.linked_by_id == job.person.id).values(linked_by_id=None)
    )


async def _reports(job: _Job) -> None:
    """Keep reports about information points for the admins, without the person's traces."""
    rows = await job.session.scalars(
        select(InfoPointReport).where(InfoPointReport.person_id == job.person.id)
    )
    for report in rows:
        report.person_id = None
        report.text = job.who.scrub(report.text)


async def _audit(job: _Job) -> None:
    """Keep the audit log's actions; cut the links to the person and scrub the details."""
    pid = job.person.id
    rows = await job.session.scalars(
        select(AuditEntry).where(
            or_(AuditEntry.actor_id == pid, AuditEntry.subject_person_id == pid)
        )
    )
    for entry in rows:
        if entry.actor_id == pid:
            entry.actor_id = None
        if entry.subject_person_id == pid:
            entry.subject_person_id = None
        entry.target = job.who.scrub(entry.target)
        entry.detail = job.who.scrub(entry.detail)


async def _outbox(job: _Job) -> None:
    """Delete messages to the person, and messages about them that are sent or name them."""
    session, pid, tg = job.session, job.person.id, job.person.telegram_id
    job.result.rows_deleted += await _delete(
        session,
        delete(OutboxMessage).where(
            or_(OutboxMessage.person_id == pid, OutboxMessage.chat_id == tg)
        ),
    )
    related = [
        OutboxMessage.request_id.in_(job.requests),
        OutboxMessage.activity_id.in_(job.activities),
        OutboxMessage.broadcast_id.in_(job.broadcasts),
    ]
    rows = await session.scalars(select(OutboxMessage).where(or_(*related)))
    for message in rows:
        # A card edit renders the (now anonymised) request when it goes out: keep it.
        waiting = message.status in (OutboxStatus.PENDING, OutboxStatus.SENDING)
        if not waiting or job.who.mentioned_in(message.payload):
            await session.delete(message)
            job.result.rows_deleted += 1


async def _flows(job: _Job) -> None:
    """Forget unfinished flows (drafts) and conversation states."""
    tg = job.person.telegram_id
    job.result.rows_deleted += await _delete(
        job.session, delete(FlowData).where(FlowData.telegram_id == tg)
    )
    keys = await job.session.scalars(
        select(ConversationState).where(ConversationState.key.contains(str(tg)))
    )
    for state in keys:
        if tg in json.loads(state.key):
            await job.session.delete(state)
            job.result.rows_deleted += 1


async def _own_rows(job: _Job) -> None:
    """Delete what only exists for the person: roles, settings, volunteering, consent log."""
    pid = job.person.id
    for table in (RoleAssignment, Subscription, Volunteer, ConsentEvent):
        job.result.rows_deleted += await _delete(
            job.session,
            delete(table).where(table.person_id == pid),  # type: ignore[attr-defined]
        )


async def _person(job: _Job) -> None:
    """Delete the person."""
    job.result.rows_deleted += await _delete(
        job.session, delete(Person).where(Person.id == job.person.id)
    )


async def _delete(session: AsyncSession, statement: object) -> int:
    """Run a DELETE; return how many rows went."""
    result = await session.execute(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)


Step = Callable[[_Job], Awaitable[None]]

# Per table, the step that erases the person from it; run in this order (requests before the
# outbox, which needs to know them; the person last). A test checks that every table is here
# or in registry.NO_PERSONAL_DATA.
RULES: dict[str, Step] = {
    "help_request": _requests,
    "feedback": _feedback,
    "rsvp": _rsvps,
    "activity": _activities,
    "broadcast": _broadcasts,
    "group_link": _group_links,
    "infopoint_report": _reports,
    "audit_entry": _audit,
    "outbox_message": _outbox,
    "flow_data": _flows,
    "conversation_state": _flows,
    "role_assignment": _own_rows,
    "subscription": _own_rows,
    "volunteer": _own_rows,
    "consent_event": _own_rows,
    "person": _person,
}


async def erase_person(session: AsyncSession, person: Person, *, now: datetime) -> Erased:
    """Erase a person: cancel, withdraw, anonymise and delete, in the caller's transaction."""
    job = _Job(session, person, await identify_person(session, person), now, Erased())
    done: list[Step] = []
    for step in RULES.values():
        if step not in done:
            done.append(step)
            await step(job)
    await session.flush()
    # No one is named: the entry only shows that an erasure happened, and when.
    await record(session, "privacy.erase", actor_id=None, at=now)
    return job.result
