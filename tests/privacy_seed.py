"""Give one person data in every table, so export and erasure can be checked table by table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.activities import Activity, ActivityCard, Rsvp
from models.areas import Wijk
from models.audit import record
from models.base import Base
from models.broadcasts import Broadcast
from models.conversations import ConversationState, FlowData
from models.escalations import Escalation
from models.groups import GroupLink
from models.help_requests import Feedback, HelpRequest, RequestCard
from models.help_requests.dispatch import Offer, RequestNote
from models.infopoints import InfoPoint, InfoPointReport
from models.outbox import OutboxMessage
from models.people import Person, Role, RoleAssignment, get_person
from models.privacy import ConsentEvent
from models.subscriptions import Subscription
from models.volunteers import Volunteer

SUBJECT_ID = 731_904_562
NAME = "Zoëtje"
SURNAME = "Vandenbroek"
USERNAME = "zoetje_vdb"
PHONE = "06-98765432"
# The same number as people type it in a sentence.
PHONE_IN_TEXT = "06 9876 5432"


@dataclass(frozen=True)
class Seeded:
    """The ids of what was seeded."""

    subject_id: int
    other_id: int
    own_closed: int
    helped: int
    others_request: int


def _request(wijk_id: int, now: datetime, **values: object) -> HelpRequest:
    """Build a request with the fields every request needs."""
    defaults: dict[str, object] = {
        "category": "boodschappen",
        "description": "Boodschappen bij de supermarkt, graag",
        "when_kind": "today",
        "window_start_at": now,
        "window_end_at": now + timedelta(hours=8),
        "wijk_id": wijk_id,
        "contact": "telegram",
        "status": "open",
        "created_at": now,
        "updated_at": now,
    }
    defaults.update(values)
    return HelpRequest(**defaults)


async def seed_everything(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    other_telegram_id: int,
    now: datetime,
    cards: tuple[int, int, int],
) -> Seeded:
    """Add rows about the (onboarded) subject to every table; some of them also name them.

    ``cards`` is (group chat id, a message for a request card, one for an activity card):
    erasing edits those cards, so they must be real messages.
    """
    chat_id, request_message, activity_message = cards
    async with sessionmaker.begin() as session:
        subject = await get_person(session, SUBJECT_ID)
        other = await get_person(session, other_telegram_id)
        assert subject is not None
        assert other is not None
        wijk = await session.scalar(select(Wijk).order_by(Wijk.id).limit(1))
        assert wijk is not None
        me, them = subject.id, other.id
        named = f"Groet, {NAME} {SURNAME} (@{USERNAME}), bel {PHONE_IN_TEXT}"
        session.add(RoleAssignment(person_id=me, role=Role.VOLUNTEER.value))
        session.add(Subscription(person_id=me, wijk_ids=[wijk.id], themes=["sport"]))
        session.add(Volunteer(person_id=me, categories=["boodschappen"], wijk_ids=[wijk.id]))
        own_closed = _request(
            wijk.id,
            now - timedelta(days=3),
            requester_id=me,
            description=f"Hulp met de tuin. {named}",
            contact="phone",
            contact_phone=PHONE,
            status="done",
            helper_id=them,
            closed_at=now - timedelta(days=2),
            code_word="appel",
        )
        helped = _request(wijk.id, now, requester_id=them, status="claimed", helper_id=me)
        helped.code_word = "peer"
        helped.claimed_at = now
        others_request = _request(wijk.id, now, requester_id=them, description="Wie helpt Bob?")
        session.add_all([own_closed, helped, others_request])
        await session.flush()
        # A buurtassistent's notes and offers: about the subject, by the subject, to the subject.
        session.add(RequestNote(request_id=own_closed.id, author_id=them, text=f"Belde {named}"))
        session.add(RequestNote(request_id=others_request.id, author_id=me, text=f"Ik, {NAME}"))
        session.add(Offer(request_id=others_request.id, volunteer_id=me, offered_by_id=them))
        session.add(Offer(request_id=helped.id, volunteer_id=them, offered_by_id=me))
        session.add(Escalation(request_id=others_request.id, step="buurtassistent", at=now))
        session.add(Feedback(request_id=own_closed.id, person_id=me, role="requester", score=3,
                             comment=f"Dank! {named}"))  # fmt: skip
        session.add(Feedback(request_id=own_closed.id, person_id=them, role="helper", score=3,
                             comment=f"Fijn geholpen bij {NAME}"))  # fmt: skip
        session.add(
            RequestCard(
                request_id=own_closed.id, chat_id=chat_id, thread_id=0, message_id=request_message
            )
        )
        point = InfoPoint(key="buurthuis", name="Buurthuis", wijk_id=wijk.id, opening_hours="")
        session.add(point)
        await session.flush()
        session.add(InfoPointReport(infopoint_id=point.id, person_id=me, text=f"Dicht. {named}"))
        start = now + timedelta(days=5)
        mine = Activity(
            title=f"Koffie bij {NAME}", description=named, starts_at=start,
            ends_at=start + timedelta(hours=2), place=f"Bij {NAME} thuis", wijk_ids=[wijk.id],
            theme="sport", organiser_id=me, status="published", capacity=1,
        )  # fmt: skip
        theirs = Activity(
            title="Wandelen", description="Samen wandelen", starts_at=start,
            ends_at=start + timedelta(hours=1), wijk_ids=[wijk.id], theme="sport",
            organiser_id=them, status="published", capacity=1,
        )  # fmt: skip
        session.add_all([mine, theirs])
        await session.flush()
        session.add(
            ActivityCard(
                activity_id=mine.id, chat_id=chat_id, thread_id=0, message_id=activity_message
            )
        )
        session.add(Rsvp(activity_id=theirs.id, person_id=me, answer="yes", created_at=now))
        # Bob waits for the only place at the walk: Zoëtje's erasure gives it to him.
        session.add(
            Rsvp(activity_id=theirs.id, person_id=them, answer="yes", waiting=True,
                 created_at=now + timedelta(minutes=1))
        )  # fmt: skip
        broadcast = Broadcast(
            sender_id=me, text=f"Buurtfeest! {named}", audience="all", send_at=now,
            status="done", report_chat_id=SUBJECT_ID, progress_message_id=3,
        )  # fmt: skip
        session.add(broadcast)
        link = GroupLink(chat_id=-100_777, thread_id=0, wijk_id=wijk.id, title="B", linked_by_id=me)
        session.add(link)
        await record(session, "role.grant", actor_id=them, subject_person_id=me,
                     target=f"chat:{SUBJECT_ID}", detail=f"{NAME} {USERNAME}")  # fmt: skip
        await record(session, "group.link", actor_id=me, target="chat:-100777")
        await session.flush()
        session.add_all(
            [
                OutboxMessage(kind="text", chat_id=SUBJECT_ID, person_id=me,
                              payload={"text": f"Hoi {NAME}"}, status="sent", sent_at=now),
                # Bob's introduction to Zoëtje's request carries her name and number.
                OutboxMessage(kind="text", chat_id=other_telegram_id, person_id=them,
                              request_id=own_closed.id, status="sent", sent_at=now,
                              payload={"text": f"{NAME}, {PHONE}, tg://user?id={SUBJECT_ID}"}),
                OutboxMessage(kind="text", chat_id=other_telegram_id, person_id=them,
                              broadcast_id=broadcast.id, status="sent", sent_at=now,
                              payload={"text": broadcast.text}),
            ]
        )  # fmt: skip
        await session.merge(FlowData(telegram_id=SUBJECT_ID, data={"draft": {"text": named}}))
        await session.merge(
            ConversationState(name="ask", key=f"[{SUBJECT_ID}, {SUBJECT_ID}]", state=2)
        )
        return Seeded(me, them, own_closed.id, helped.id, others_request.id)


async def row_counts(session: AsyncSession) -> dict[str, int]:
    """Count the rows of every table."""
    return {
        table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


__all__ = ["ConsentEvent", "Person", "Seeded", "row_counts", "seed_everything"]
