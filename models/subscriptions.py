"""What a person wants to hear about: which wijken and themes, right away or daily, and when.

Without a stored choice a person hears about activities in their home wijk, every theme, right
away, outside the deployment's default quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin
from models.people import Person

QUIET_CHOICES = ("22:00-08:00", "23:00-07:00", "")


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


def delivery_time(choice: Choices, now: datetime, tz: tzinfo) -> datetime | None:
    """Return when a message for this person may go out (None: now)."""
    if choice.digest_hour is not None:
        local = now.astimezone(tz)
        slot = local.replace(hour=choice.digest_hour, minute=0, second=0, microsecond=0)
        return slot if slot > local else slot + timedelta(days=1)
    return quiet_until(now, tz, choice.quiet_hours)


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
