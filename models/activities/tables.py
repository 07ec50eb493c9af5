"""Activities: the tables, states, errors and the values passed around."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, utcnow
from models.errors import DomainError


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
