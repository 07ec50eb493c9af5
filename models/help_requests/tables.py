"""Help requests: the tables, states, errors and the values passed around."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, utcnow
from models.errors import DomainError

# Short, everyday words that are easy to say at the door and to recognise.
CODE_WORDS = (
    "appel",
    "banaan",
    "citroen",
    "druif",
    "peer",
    "kers",
    "tulp",
    "roos",
    "zon",
    "maan",
    "ster",
    "boot",
    "fiets",
    "molen",
    "kaas",
    "brood",
    "thee",
    "koffie",
    "paraplu",
    "vogel",
    "eend",
    "kat",
    "vis",
    "boom",
    "bloem",
    "wolk",
    "regen",
    "sneeuw",
    "trein",
    "bus",
)


class Status(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


ACTIVE = (Status.OPEN, Status.CLAIMED)


class When(enum.StrEnum):
    ASAP = "asap"
    TODAY = "today"
    TOMORROW = "tomorrow"
    WEEK = "week"
    DAY = "day"


class DayPart(enum.StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


# Local hours of each part of the day: (start, end).
DAY_PARTS = {DayPart.MORNING: (8, 12), DayPart.AFTERNOON: (12, 17), DayPart.EVENING: (17, 21)}


class ContactWay(enum.StrEnum):
    TELEGRAM = "telegram"
    PHONE = "phone"


class HelpRequest(TimestampMixin, Base):
    """A request for help from a resident (or filed for one by a buurtassistent)."""

    __tablename__ = "help_request"
    __table_args__ = (
        # The dispatch queue: open (or stalled) requests of some wijken, most urgent first.
        Index("ix_help_request_queue", "status", "wijk_id", "window_end_at"),
        Index("ix_help_request_status_window", "status", "window_end_at"),
        # /stats counts the requests made in a period: covering, so no row is read.
        Index("ix_help_request_stats", "created_at", "wijk_id", "category", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    # Filed on behalf of a resident without Telegram: who filed it, and the resident's details.
    filed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    behalf_name: Mapped[str | None] = mapped_column(String(64))
    behalf_phone: Mapped[str | None] = mapped_column(String(32))
    behalf_consent_at: Mapped[datetime | None]
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    when_kind: Mapped[str] = mapped_column(String(10))
    when_date: Mapped[date | None] = mapped_column(Date)
    day_part: Mapped[str | None] = mapped_column(String(10))
    window_start_at: Mapped[datetime]
    window_end_at: Mapped[datetime]
    wijk_id: Mapped[int] = mapped_column(ForeignKey("wijk.id", ondelete="RESTRICT"), index=True)
    buurt_id: Mapped[int | None] = mapped_column(ForeignKey("buurt.id", ondelete="SET NULL"))
    contact: Mapped[str] = mapped_column(String(10), default=ContactWay.TELEGRAM)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10), default=Status.OPEN, index=True)
    helper_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(20))
    code_word: Mapped[str | None] = mapped_column(String(20))
    # Follow-ups: when each was last queued, so the scheduler queues each once.
    reminded_at: Mapped[datetime | None]
    checkin_due_at: Mapped[datetime | None]
    checkins_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    still_needed_due_at: Mapped[datetime | None]

    @property
    def contact_person_id(self) -> int | None:
        """Return who speaks for the request: the requester, or whoever filed it."""
        return self.requester_id or self.filed_by_id


class RequestCard(Base):
    """A posted card of a request in a group or topic, so it can be edited later."""

    __tablename__ = "request_card"
    __table_args__ = (UniqueConstraint("request_id", "chat_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """One person's verdict on a finished request (three faces, optional comment)."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("request_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(10))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---- errors -------------------------------------------------------------------------------


class AlreadyClaimed(DomainError):
    """Someone else was quicker."""


class NotOpen(DomainError):
    """The request is no longer in a state that allows this."""

    def __init__(self, status: str) -> None:
        super().__init__(f"request is {status}")
        self.status = status


class OwnRequest(DomainError):
    """People cannot accept their own request."""


class TooManyOpen(DomainError):
    """The person already has the maximum number of open requests."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} open requests")
        self.limit = limit


class TooManyTasks(DomainError):
    """The volunteer already has as many accepted requests as they said they can handle."""


class TooFast(DomainError):
    """The person posted too many requests in a day."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} requests a day")
        self.limit = limit


# ---- outcomes -------------------------------------------------------------------------------


class Event(enum.StrEnum):
    """What a person is told; the bot layer words it."""

    POSTED = "posted"  # to a matching volunteer
    CLAIMED_REQUESTER = "claimed_requester"
    CLAIMED_HELPER = "claimed_helper"
    CANCELLED_HELPER = "cancelled_helper"
    WITHDRAWN_REQUESTER = "withdrawn_requester"
    RELEASED_HELPER = "released_helper"
    DONE_THANKS = "done_thanks"
    REMINDER_HELPER = "reminder_helper"
    CHECKIN = "checkin"
    STILL_NEEDED = "still_needed"
    EXPIRED = "expired"
    OFFER = "offer"  # a buurtassistent asks a volunteer to take it
    OFFER_ACCEPTED = "offer_accepted"  # to the buurtassistent
    OFFER_DECLINED = "offer_declined"  # to the buurtassistent
    CLOSED_BY_ASSISTANT = "closed_by_assistant"  # to the requester


@dataclass(frozen=True)
class Notice:
    """Tell one person about a request."""

    person_id: int
    event: Event
    request_id: int
    quiet: bool = False  # hold until the person's quiet hours end
    # Set by the scheduler's follow-ups, which may look at a request twice; a state change
    # made by a person happens once by itself (the database decides), so it needs none.
    dedupe_key: str | None = None


@dataclass
class Outcome:
    """The result of a state change: the request, who to tell, and what to do with cards."""

    request: HelpRequest
    notices: list[Notice] = field(default_factory=list)
    post_cards: bool = False
    edit_cards: bool = False


@dataclass(frozen=True)
class Limits:
    max_open: int = 3
    max_per_day: int = 5


@dataclass(frozen=True)
class Draft:
    """What a person filled in, before it becomes a request."""

    category: str
    description: str
    when_kind: When
    wijk_id: int
    buurt_id: int | None = None
    when_date: date | None = None
    day_part: DayPart | None = None
    contact: ContactWay = ContactWay.TELEGRAM
    contact_phone: str | None = None
    behalf_name: str | None = None
    behalf_phone: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        """Rebuild a draft stored as plain values (flow data)."""
        return cls(
            category=data["category"],
            description=data["description"],
            when_kind=When(data["when_kind"]),
            wijk_id=int(data["wijk_id"]),
            buurt_id=data.get("buurt_id"),
            when_date=date.fromisoformat(data["when_date"]) if data.get("when_date") else None,
            day_part=DayPart(data["day_part"]) if data.get("day_part") else None,
            contact=ContactWay(data.get("contact") or ContactWay.TELEGRAM),
            contact_phone=data.get("contact_phone"),
            behalf_name=data.get("behalf_name"),
            behalf_phone=data.get("behalf_phone"),
        )
