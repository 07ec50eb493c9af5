"""Volunteers: who wants to hear about which requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin
from models.people import Person


class Volunteer(TimestampMixin, Base):
    """A person's volunteer profile: categories (empty: all) and wijken (empty: home wijk)."""

    __tablename__ = "volunteer"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    wijk_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    paused_until: Mapped[datetime | None]


async def get_volunteer(session: AsyncSession, person: Person) -> Volunteer | None:
    """Return the person's volunteer profile, if any."""
    return await session.get(Volunteer, person.id)


async def save_volunteer(
    session: AsyncSession, person: Person, *, categories: list[str], active: bool = True
) -> Volunteer:
    """Create or update a volunteer profile."""
    volunteer = await session.get(Volunteer, person.id)
    if volunteer is None:
        volunteer = Volunteer(person_id=person.id, categories=[], wijk_ids=[])
        session.add(volunteer)
    volunteer.categories = sorted(set(categories))
    volunteer.active = active
    await session.flush()
    return volunteer


async def matching_volunteers(
    session: AsyncSession, *, category: str, wijk_id: int, now: datetime
) -> list[Person]:
    """Return active volunteers who can be messaged and want this category in this wijk."""
    rows = await session.execute(
        select(Volunteer, Person)
        .join(Person, Person.id == Volunteer.person_id)
        .where(
            Volunteer.active.is_(True),
            Person.started_at.is_not(None),
            Person.blocked_bot.is_(False),
            # Someone who withdrew consent (see /privacy) gets nothing until they agree again.
            Person.consent_at.is_not(None),
        )
    )
    matches = []
    for volunteer, person in rows:
        if volunteer.paused_until is not None and volunteer.paused_until > now:
            continue
        if volunteer.categories and category not in volunteer.categories:
            continue
        wijken = volunteer.wijk_ids or ([person.home_wijk_id] if person.home_wijk_id else [])
        if wijk_id in wijken:
            matches.append(person)
    return matches
