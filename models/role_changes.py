"""Changing roles as an admin does with /rol: taking roles away, and finding the person."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.people import Person, Role, RoleAssignment, roles_of, same_place


class LastAdmin(DomainError):
    """Taking this role away (or blocking this person) would leave the bot without an admin."""


async def _other_admins(session: AsyncSession, person: Person) -> int:
    """Count the admins besides this person who are not blocked."""
    blocked = select(RoleAssignment.person_id).where(RoleAssignment.role == Role.BLOCKED)
    count = await session.scalar(
        select(func.count(func.distinct(RoleAssignment.person_id))).where(
            RoleAssignment.role == Role.ADMIN,
            RoleAssignment.person_id != person.id,
            RoleAssignment.person_id.not_in(blocked),
        )
    )
    return int(count or 0)


async def revoke_role(
    session: AsyncSession, person: Person, role: Role, *, wijk_id: int | None = None
) -> bool:
    """Take a role away; return False when the person did not have it.

    Raises LastAdmin rather than leave the bot without anyone who can give roles.
    """
    existing = await session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.person_id == person.id,
            RoleAssignment.role == role.value,
            same_place(wijk_id),
        )
    )
    if existing is None:
        return False
    if role is Role.ADMIN and not await _other_admins(session, person):
        raise LastAdmin("the last admin")
    await session.delete(existing)
    await session.flush()
    return True


async def ensure_not_last_admin(session: AsyncSession, person: Person) -> None:
    """Raise LastAdmin when blocking this person would leave no admin."""
    roles = await roles_of(session, person)
    if Role.ADMIN in roles.city and not await _other_admins(session, person):
        raise LastAdmin("the last admin")


async def find_by_username(session: AsyncSession, username: str) -> Person | None:
    """Return the person with this @username (any case), or None."""
    name = username.removeprefix("@").lower()
    return await session.scalar(
        select(Person).where(func.lower(Person.username) == name).order_by(Person.id).limit(1)
    )


async def recent_people(session: AsyncSession, limit: int = 20) -> list[Person]:
    """Return the people seen most recently, who have a name to show."""
    rows = await session.scalars(
        select(Person)
        .where(Person.display_name != "")
        .order_by(Person.last_seen_at.desc().nulls_last(), Person.id.desc())
        .limit(limit)
    )
    return list(rows)
