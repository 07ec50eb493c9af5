"""Activities in the wijk: proposals, publishing, RSVP with a waitlist, changes and reminders.

proposed -> published (approved) | declined; published -> cancelled. An RSVP is "yes", "maybe"
or "no"; with a capacity, a "yes" beyond it waits, and the first waiting person moves up when
someone who comes cancels. Each change returns who must be told; the caller queues it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, utcnow
from models.errors import DomainError, NotAllowed, NotFound
from models.infopoints import InfoPoint
from models.people import Person


class Status(enum.StrEnum):
    PROPOSED = "proposed"
    PUBLISHED = "published"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Answer(enum.StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class Activity(TimestampMixin, Base):
    """Something happening in one or more wijken."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    infopoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("infopoint.id", ondelete="SET NULL")
    )
    wijk_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    theme: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[int | None]
    photo_file_id: Mapped[str | None] = mapped_column(String(200))  # Telegram's file_id
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=Status.PROPOSED, index=True)


class Rsvp(TimestampMixin, Base):
    """One person's answer to an activity."""

    __tablename__ = "rsvp"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    waiting: Mapped[bool] = mapped_column(default=False)


class ActivityCard(Base):
    """A posted card of an activity, so its counts and changes can be shown."""

    __tablename__ = "activity_card"
    __table_args__ = (UniqueConstraint("activity_id", "chat_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotPublished(DomainError):
    """The activity is not (or no longer) open for answers."""


class TooManyProposals(DomainError):
    """The person proposed as many activities as allowed in 24 hours."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} proposals a day")
        self.limit = limit


class Event(enum.StrEnum):
    PROPOSED = "proposed"  # to buurtassistenten/admins: please approve
    APPROVED = "approved"  # to the proposer
    DECLINED = "declined"  # to the proposer
    PROMOTED = "promoted"  # to someone who moved up from the waitlist
    CHANGED = "changed"  # to everyone who answered
    CANCELLED = "cancelled"  # to everyone who answered
    REMINDER = "reminder"  # to everyone coming


@dataclass(frozen=True)
class Notice:
    person_id: int
    event: Event
    activity_id: int
    dedupe_key: str | None = None


@dataclass
class Outcome:
    activity: Activity
    notices: list[Notice] = field(default_factory=list)
    post_cards: bool = False
    edit_cards: bool = False


@dataclass(frozen=True)
class Counts:
    yes: int = 0
    maybe: int = 0
    no: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class Draft:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place: str
    wijk_ids: list[int]
    theme: str
    capacity: int | None = None
    infopoint_id: int | None = None  # the place is this information point (place: its name)
    photo_file_id: str | None = None


def point_place(point: InfoPoint) -> str:
    """Write an information point as a place: "Name, Street 1, 1234 AB City"."""
    return ", ".join(p for p in (point.name, point.address) if p)[:200]


async def place_of(session: AsyncSession, activity: Activity) -> str:
    """Return where it is: the point's current name and address, else the stored place.

    The stored place is the point's words at the time of choosing, so an activity whose point
    was hidden or deleted later still says where it is.
    """
    if activity.infopoint_id is not None:
        point = await session.get(InfoPoint, activity.infopoint_id)
        if point is not None and not point.hidden:
            return point_place(point)
    return activity.place


async def create(
    session: AsyncSession,
    *,
    organiser: Person,
    draft: Draft,
    publish: bool,
    reviewers: list[int],
    now: datetime,
    max_proposals: int | None = None,
) -> Outcome:
    """Store an activity: published right away, or proposed for a reviewer's approval.

    With max_proposals, a proposal is refused when the organiser made that many in 24 hours.
    """
    if not publish and max_proposals is not None:
        await check_proposals(session, organiser, limit=max_proposals, now=now)
    if draft.ends_at <= draft.starts_at:
        raise NotAllowed("ends before it starts")
    if draft.starts_at <= now:
        raise NotAllowed("in the past")
    activity = Activity(
        title=draft.title,
        description=draft.description,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        place=draft.place,
        wijk_ids=sorted(set(draft.wijk_ids)),
        theme=draft.theme,
        capacity=draft.capacity,
        infopoint_id=draft.infopoint_id,
        photo_file_id=draft.photo_file_id,
        organiser_id=organiser.id,
        status=Status.PUBLISHED if publish else Status.PROPOSED,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    await session.flush()
    if publish:
        return Outcome(activity, post_cards=True)
    return Outcome(activity, notices=[Notice(r, Event.PROPOSED, activity.id) for r in reviewers])


async def check_proposals(
    session: AsyncSession, person: Person, *, limit: int, now: datetime
) -> None:
    """Refuse another proposal when the person made limit activities in the last 24 hours."""
    made = await session.scalar(
        select(func.count())
        .select_from(Activity)
        .where(Activity.organiser_id == person.id, Activity.created_at > now - timedelta(days=1))
    )
    if (made or 0) >= limit:
        raise TooManyProposals(limit)


async def get(session: AsyncSession, activity_id: int) -> Activity:
    """Return an activity or raise NotFound."""
    activity = await session.get(Activity, activity_id)
    if activity is None:
        raise NotFound("activity")
    return activity


async def review(
    session: AsyncSession, *, activity_id: int, approve: bool, now: datetime
) -> Outcome:
    """Approve (publish) or decline a proposal; the proposer is told. Authority: the caller's."""
    activity = await get(session, activity_id)
    if activity.status != Status.PROPOSED:
        raise NotPublished("not a proposal")
    activity.status = Status.PUBLISHED if approve else Status.DECLINED
    activity.updated_at = now
    outcome = Outcome(activity, post_cards=approve)
    if activity.organiser_id is not None:
        outcome.notices.append(
            Notice(
                activity.organiser_id, Event.APPROVED if approve else Event.DECLINED, activity.id
            )
        )
    return outcome


async def counts(session: AsyncSession, activity_id: int) -> Counts:
    """Count the answers (a waiting "yes" counts as waiting)."""
    rows = await session.execute(
        select(Rsvp.answer, Rsvp.waiting, func.count())
        .where(Rsvp.activity_id == activity_id)
        .group_by(Rsvp.answer, Rsvp.waiting)
    )
    found = {"yes": 0, "maybe": 0, "no": 0, "waiting": 0}
    for answer, waiting, count in rows:
        found["waiting" if waiting else answer] += count
    return Counts(**found)


async def answer(
    session: AsyncSession, *, activity_id: int, person: Person, choice: Answer, now: datetime
) -> tuple[Outcome, Rsvp]:
    """Record an RSVP; past the capacity "yes" waits; a freed place goes to the first waiting."""
    activity = await get(session, activity_id)
    if activity.status != Status.PUBLISHED or activity.starts_at <= now:
        raise NotPublished(activity.status)
    rsvp = await session.scalar(
        select(Rsvp)
        .where(Rsvp.activity_id == activity.id, Rsvp.person_id == person.id)
        .with_for_update()
    )
    was_coming = rsvp is not None and rsvp.answer == Answer.YES and not rsvp.waiting
    if rsvp is None:
        rsvp = Rsvp(
            activity_id=activity.id, person_id=person.id, answer=choice.value, created_at=now
        )
        session.add(rsvp)
    rsvp.answer, rsvp.updated_at = choice.value, now
    rsvp.waiting = False
    await session.flush()
    outcome = Outcome(activity, edit_cards=True)
    if activity.capacity is not None and choice is Answer.YES and not was_coming:
        coming = await session.scalar(
            select(func.count()).where(
                Rsvp.activity_id == activity.id,
                Rsvp.answer == Answer.YES,
                Rsvp.waiting.is_(False),
                Rsvp.id != rsvp.id,
            )
        )
        rsvp.waiting = (coming or 0) >= activity.capacity
    if was_coming and choice is not Answer.YES and activity.capacity is not None:
        first = await session.scalar(
            select(Rsvp)
            .where(Rsvp.activity_id == activity.id, Rsvp.waiting.is_(True))
            .order_by(Rsvp.created_at, Rsvp.id)
            .limit(1)
        )
        if first is not None:
            first.waiting = False
            outcome.notices.append(Notice(first.person_id, Event.PROMOTED, activity.id))
    return outcome, rsvp


async def change(
    session: AsyncSession,
    *,
    activity_id: int,
    starts_at: datetime | None,
    place: str | None,
    now: datetime,
    infopoint_id: int | None = None,
) -> Outcome:
    """Move an activity or change its place (typed, or a point); everyone who answered is told."""
    activity = await get(session, activity_id)
    if activity.status != Status.PUBLISHED:
        raise NotPublished(activity.status)
    if starts_at is not None:
        if starts_at <= now:
            raise NotAllowed("in the past")
        length = activity.ends_at - activity.starts_at
        activity.starts_at, activity.ends_at = starts_at, starts_at + length
    if place is not None:
        activity.place, activity.infopoint_id = place, infopoint_id
    activity.updated_at = now
    stamp = int(now.timestamp())
    notices = [
        Notice(pid, Event.CHANGED, activity.id, dedupe_key=f"act:{activity.id}:moved:{pid}:{stamp}")
        for pid in await _answered(session, activity.id)
    ]
    return Outcome(activity, edit_cards=True, notices=notices)


async def cancel(session: AsyncSession, *, activity_id: int, now: datetime) -> Outcome:
    """Cancel an activity; everyone who answered is told."""
    activity = await get(session, activity_id)
    if activity.status not in (Status.PUBLISHED, Status.PROPOSED):
        raise NotPublished(activity.status)
    activity.status, activity.updated_at = Status.CANCELLED, now
    notices = [
        Notice(pid, Event.CANCELLED, activity.id, dedupe_key=f"act:{activity.id}:cancelled:{pid}")
        for pid in await _answered(session, activity.id)
    ]
    return Outcome(activity, edit_cards=True, notices=notices)


async def _answered(session: AsyncSession, activity_id: int) -> list[int]:
    """Return everyone who answered (yes, maybe, waiting; not those who said no)."""
    rows = await session.scalars(
        select(Rsvp.person_id).where(Rsvp.activity_id == activity_id, Rsvp.answer != Answer.NO)
    )
    return list(rows)


REMINDERS = (timedelta(hours=24), timedelta(hours=1))


async def due_reminders(session: AsyncSession, *, now: datetime) -> list[Outcome]:
    """Remind everyone coming 24 hours and 1 hour before; each once (keys carry the start)."""
    outcomes = []
    horizon = now + max(REMINDERS)
    upcoming = await session.scalars(
        select(Activity).where(
            Activity.status == Status.PUBLISHED,
            Activity.starts_at > now,
            Activity.starts_at <= horizon,
        )
    )
    for activity in upcoming:
        lead = next((r for r in sorted(REMINDERS) if activity.starts_at - now <= r), None)
        if lead is None:
            continue
        stamp = int(activity.starts_at.timestamp())
        hours = int(lead.total_seconds() // 3600)
        coming = await session.scalars(
            select(Rsvp.person_id).where(
                Rsvp.activity_id == activity.id, Rsvp.answer == Answer.YES, Rsvp.waiting.is_(False)
            )
        )
        notices = [
            Notice(
                pid,
                Event.REMINDER,
                activity.id,
                dedupe_key=f"act:{activity.id}:remind{hours}:{pid}:{stamp}",
            )
            for pid in coming
        ]
        if notices:
            outcomes.append(Outcome(activity, notices=notices))
    return outcomes


async def upcoming(
    session: AsyncSession,
    *,
    wijk_ids: list[int] | None,
    now: datetime,
    offset: int = 0,
    limit: int = 5,
) -> tuple[list[Activity], int]:
    """Return a page of published activities to come (in these wijken), and how many there are."""
    query = select(Activity).where(Activity.status == Status.PUBLISHED, Activity.ends_at > now)
    found = [
        a
        for a in await session.scalars(query.order_by(Activity.starts_at, Activity.id))
        if wijk_ids is None or set(a.wijk_ids) & set(wijk_ids)
    ]
    return found[offset : offset + limit], len(found)


async def cards_of(session: AsyncSession, activity_id: int) -> list[ActivityCard]:
    """Return the posted cards of an activity."""
    return list(
        await session.scalars(select(ActivityCard).where(ActivityCard.activity_id == activity_id))
    )
