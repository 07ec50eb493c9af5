"""What a person wants to hear about: which wijken and themes, right away or daily, and when.

Without a stored choice a person hears about activities in their home wijk, every theme, right
away, outside the deployment's default quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import JSON, ForeignKey, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin
from models.outbox import Kind, OutboxMessage, Status
from models.people import Person

QUIET_CHOICES = ("22:00-08:00", "23:00-07:00", "")
DIGEST_HOURS = (7, 8, 12, 18, 20)  # the moments a person can pick for the daily message
DEFAULT_DIGEST_HOUR = 18


class Subscription(TimestampMixin, Base):
    """A person's choices; absent means the defaults."""

    __tablename__ = "subscription"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    wijk_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # empty: the home wijk
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every theme
    activities: Mapped[bool] = mapped_column(default=True)
    digest_hour: Mapped[int | None]  # None: right away
    quiet_hours: Mapped[str | None] = mapped_column(String(11))  # None: the default


@dataclass(frozen=True)
class Choices:
    """A person's effective choices."""

    wijk_ids: frozenset[int]
    themes: frozenset[str]
    activities: bool
    digest_hour: int | None
    quiet_hours: str

    def wants(self, *, wijk_ids: list[int], theme: str) -> bool:
        """Tell whether an activity in these wijken with this theme is for this person."""
        return (
            self.activities
            and bool(self.wijk_ids & set(wijk_ids))
            and (not self.themes or theme in self.themes)
        )


def choices(person: Person, subscription: Subscription | None, default_quiet: str) -> Choices:
    """Combine a stored subscription with the defaults."""
    home = {person.home_wijk_id} if person.home_wijk_id else set()
    if subscription is None:
        return Choices(frozenset(home), frozenset(), True, None, default_quiet)
    quiet = default_quiet if subscription.quiet_hours is None else subscription.quiet_hours
    return Choices(
        frozenset(subscription.wijk_ids or home),
        frozenset(subscription.themes),
        subscription.activities,
        subscription.digest_hour,
        quiet,
    )


async def get_or_create(session: AsyncSession, person: Person) -> Subscription:
    """Return the person's subscription, creating one with the defaults."""
    subscription = await session.get(Subscription, person.id)
    if subscription is None:
        subscription = Subscription(person_id=person.id, wijk_ids=[], themes=[], activities=True)
        session.add(subscription)
        await session.flush()
    return subscription


def quiet_until(now: datetime, tz: tzinfo, spec: str) -> datetime | None:
    """Return when quiet hours (e.g. "22:00-08:00") end, if now is inside them."""
    if not spec:
        return None
    start_text, end_text = spec.split("-")
    start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    local = now.astimezone(tz)
    clock = local.time()
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz)


def digest_slot(hour: int, now: datetime, tz: tzinfo) -> datetime:
    """Return the next moment it is hour:00 in tz (later today, else tomorrow)."""
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), time(hour), tzinfo=tz)
    if slot <= local:
        slot = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=tz)
    return slot


def delivery_time(choice: Choices, now: datetime, tz: tzinfo) -> datetime | None:
    """Return when a message for this person may go out (None: now).

    The daily message goes out at the chosen hour; if that hour falls in the person's quiet
    hours, it waits until they end (quiet hours are the stronger wish).
    """
    if choice.digest_hour is not None:
        slot = digest_slot(choice.digest_hour, now, tz)
        return quiet_until(slot, tz, choice.quiet_hours) or slot
    return quiet_until(now, tz, choice.quiet_hours)


async def retime_digest(
    session: AsyncSession, person: Person, choice: Choices, now: datetime, tz: tzinfo
) -> None:
    """Move the person's waiting daily-message items to their (new) moment, so they stay one.

    Without this, items queued before a change would still go out at the old hour: a second
    daily message on the day of the change.
    """
    due = delivery_time(choice, now, tz) or now
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.person_id == person.id,
            OutboxMessage.kind == Kind.DIGEST,
            OutboxMessage.status == Status.PENDING,
        )
        .values(due_at=due)
    )


async def reachable_with_choices(
    session: AsyncSession, default_quiet: str
) -> list[tuple[Person, Choices]]:
    """Return everyone the bot may message, with their effective choices."""
    rows = await session.execute(
        select(Person, Subscription)
        .outerjoin(Subscription, Subscription.person_id == Person.id)
        .where(
            Person.started_at.is_not(None),
            Person.consent_at.is_not(None),
            Person.blocked_bot.is_(False),
        )
    )
    return [(person, choices(person, sub, default_quiet)) for person, sub in rows]
