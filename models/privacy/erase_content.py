"""Erasure steps for what a person wrote or set up, their messages, flows and own rows.

Each step is named in ``models.privacy.erase.RULES`` for the table(s) it handles.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, or_, select, update

from models import activities
from models.activities import Activity
from models.audit import AuditEntry
from models.broadcasts import Broadcast
from models.conversations import ConversationState, FlowData
from models.groups import GroupLink
from models.help_requests import HelpRequest
from models.help_requests.dispatch import Offer, RequestNote
from models.infopoints import InfoPointReport
from models.outbox import OutboxMessage
from models.outbox import Status as OutboxStatus
from models.people import Person, RoleAssignment
from models.privacy.consent import ConsentEvent
from models.privacy.erase_job import Job, delete_rows
from models.subscriptions import Subscription
from models.volunteers import Volunteer


async def organised_activities(job: Job) -> None:
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


async def sent_broadcasts(job: Job) -> None:
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


async def group_links(job: Job) -> None:
    """Keep linked groups; forget who linked them."""
    await job.session.execute(
        update(GroupLink).where(GroupLink.linked_by_id == job.person.id).values(linked_by_id=None)
    )


async def infopoint_reports(job: Job) -> None:
    """Keep reports about information points for the admins, without the person's traces."""
    rows = await job.session.scalars(
        select(InfoPointReport).where(InfoPointReport.person_id == job.person.id)
    )
    for report in rows:
        report.person_id = None
        report.text = job.who.scrub(report.text)


async def audit_entries(job: Job) -> None:
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


async def outbox(job: Job) -> None:
    """Delete messages to the person, and messages about them that are sent or name them."""
    session, pid, tg = job.session, job.person.id, job.person.telegram_id
    job.result.rows_deleted += await delete_rows(
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


async def flows(job: Job) -> None:
    """Forget unfinished flows (drafts) and conversation states."""
    tg = job.person.telegram_id
    job.result.rows_deleted += await delete_rows(
        job.session, delete(FlowData).where(FlowData.telegram_id == tg)
    )
    keys = await job.session.scalars(
        select(ConversationState).where(ConversationState.key.contains(str(tg)))
    )
    for state in keys:
        if tg in json.loads(state.key):
            await job.session.delete(state)
            job.result.rows_deleted += 1


async def own_rows(job: Job) -> None:
    """Delete what only exists for the person: roles, settings, volunteering, consent log."""
    pid = job.person.id
    for table in (RoleAssignment, Subscription, Volunteer, ConsentEvent):
        job.result.rows_deleted += await delete_rows(
            job.session,
            delete(table).where(table.person_id == pid),  # type: ignore[attr-defined]
        )


async def dispatch(job: Job) -> None:
    """Forget offers made to the person; notes on their own requests go, their own lose them."""
    session, pid = job.session, job.person.id
    job.result.rows_deleted += await delete_rows(
        session, delete(Offer).where(Offer.volunteer_id == pid)
    )
    await session.execute(
        update(Offer).where(Offer.offered_by_id == pid).values(offered_by_id=None)
    )
    own = select(HelpRequest.id).where(HelpRequest.requester_id == pid)
    # Notes on a request are about its requester; after erasure the request has no one to be about.
    job.result.rows_deleted += await delete_rows(
        session, delete(RequestNote).where(RequestNote.request_id.in_(own))
    )
    for note in await session.scalars(select(RequestNote).where(RequestNote.author_id == pid)):
        note.author_id = None
        note.text = job.who.scrub(note.text)


async def person_row(job: Job) -> None:
    """Delete the person."""
    job.result.rows_deleted += await delete_rows(
        job.session, delete(Person).where(Person.id == job.person.id)
    )
