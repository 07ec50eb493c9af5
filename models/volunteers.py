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
    # How many accepted, unfinished requests at most; None: no limit.
    max_tasks: Mapped[int | None]


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


async def _profile(session: AsyncSession, person: Person) -> Volunteer:
    """Return the person's profile, creating an active one for every category."""
    volunteer = await session.get(Volunteer, person.id)
    if volunteer is None:
        volunteer = Volunteer(person_id=person.id, categories=[], wijk_ids=[], active=True)
        session.add(volunteer)
        await session.flush()
    return volunteer


async def toggle_wijk(
    session: AsyncSession, person: Person, wijk_id: int, *, known: set[int]
) -> Volunteer:
    """Add or remove a wijk; no wijken stored means the home wijk."""
    volunteer = await _profile(session, person)
    home = {person.home_wijk_id} if person.home_wijk_id else set()
    chosen = set(volunteer.wijk_ids or home) & known
    if wijk_id in known:
        chosen ^= {wijk_id}
    volunteer.wijk_ids = [] if chosen == home else sorted(chosen)
    await session.flush()
    return volunteer


async def pause(session: AsyncSession, person: Person, until: datetime | None) -> Volunteer:
    """Pause until a moment (None: available again)."""
    volunteer = await _profile(session, person)
    volunteer.paused_until = until
    await session.flush()
    return volunteer


async def set_max_tasks(session: AsyncSession, person: Person, limit: int | None) -> Volunteer:
    """Set how many accepted, unfinished requests the volunteer takes at most."""
    volunteer = await _profile(session, person)
    volunteer.max_tasks = limit if limit and limit > 0 else None
    await session.flush()
    return volunteer


def wijken_of(volunteer: Volunteer | None, person: Person) -> list[int]:
    """Return the wijken a volunteer hears about."""
    if volunteer is not None and volunteer.wijk_ids:
        return list(volunteer.wijk_ids)
    return [person.home_wijk_id] if person.home_wijk_id else []


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
        if wijk_id in wijken_of(volunteer, person):
            matches.append(person)
    return matches
