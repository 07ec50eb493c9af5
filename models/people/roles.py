"""Roles: who is a volunteer, a buurtassistent (per wijk), an admin, or blocked."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, dialect_insert, session_dialect, utcnow
from models.people.person import Person, require_person


class Role(enum.StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    BUURTASSISTENT = "buurtassistent"
    ADMIN = "admin"
    # Not a power but its absence: the bot ignores a blocked person (spam, abuse).
    BLOCKED = "blocked"


class RoleAssignment(Base):
    """A role for a person, for the whole city (wijk_id NULL) or one wijk."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "wijk_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    wijk_id: Mapped[int | None] = mapped_column(ForeignKey("wijk.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Roles:
    """The roles of one person: city-wide, and per wijk."""

    city: frozenset[Role]
    by_wijk: dict[int, frozenset[Role]]

    def has(self, role: Role, wijk_id: int | None = None) -> bool:
        """Tell whether the person has the role city-wide or in that wijk."""
        if self.blocked:
            return role is Role.BLOCKED
        if role in self.city or Role.ADMIN in self.city:
            return True
        if wijk_id is None:
            return any(role in roles for roles in self.by_wijk.values())
        return role in self.by_wijk.get(wijk_id, frozenset())

    @property
    def blocked(self) -> bool:
        """Tell whether the person is blocked (anywhere): then no other role counts."""
        return Role.BLOCKED in self.city or any(Role.BLOCKED in r for r in self.by_wijk.values())

    @property
    def all(self) -> frozenset[Role]:
        """Return every role held anywhere, plus resident (a blocked person has no others)."""
        if self.blocked:
            return frozenset({Role.RESIDENT, Role.BLOCKED})
        held = set(self.city) | {r for roles in self.by_wijk.values() for r in roles}
        return frozenset(held | {Role.RESIDENT})


def _insert(session: AsyncSession) -> Any:
    """Return the insert() of the session's dialect, for ON CONFLICT."""
    return dialect_insert(session_dialect(session))


# Built once: most updates read the person's roles (building a select anew costs more than
# SQLite takes to run it).
_ROLES = select(RoleAssignment.role, RoleAssignment.wijk_id).where(
    RoleAssignment.person_id == bindparam("person_id")
)


async def roles_of(session: AsyncSession, person: Person) -> Roles:
    """Load the person's roles."""
    rows = (await session.execute(_ROLES, {"person_id": person.id})).all()
    return roles_from(rows)


def roles_from(rows: Iterable[tuple[str, int | None]]) -> Roles:
    """Build Roles from (role, wijk_id) pairs, wijk_id None for city-wide."""
    city: set[Role] = set()
    by_wijk: dict[int, set[Role]] = {}
    for role, wijk_id in rows:
        if wijk_id is None:
            city.add(Role(role))
        else:
            by_wijk.setdefault(wijk_id, set()).add(Role(role))
    return Roles(frozenset(city), {k: frozenset(v) for k, v in by_wijk.items()})


def same_place(wijk_id: int | None) -> Any:
    """Match an assignment's wijk, where NULL (city-wide) must match NULL."""
    column = RoleAssignment.wijk_id
    return column.is_(None) if wijk_id is None else column == wijk_id


async def grant_role(
    session: AsyncSession, person: Person, role: Role, *, wijk_id: int | None = None
) -> bool:
    """Give a role; return False when the person already had it."""
    # NULL never equals NULL in a unique index, so check city-wide roles explicitly.
    existing = await session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.person_id == person.id,
            RoleAssignment.role == role.value,
            same_place(wijk_id),
        )
    )
    if existing is not None:
        return False
    session.add(RoleAssignment(person_id=person.id, role=role.value, wijk_id=wijk_id))
    await session.flush()
    return True


async def ensure_admins(session: AsyncSession, telegram_ids: tuple[int, ...]) -> int:
    """Make the configured Telegram ids admins; return how many were new."""
    added = 0
    for telegram_id in telegram_ids:
        insert = _insert(session)
        now = utcnow()
        await session.execute(
            insert(Person)
            .values(telegram_id=telegram_id, display_name="", created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["telegram_id"])
        )
        person = await require_person(session, telegram_id)
        added += await grant_role(session, person, Role.ADMIN)
    return added


async def blocked_telegram_ids(session: AsyncSession) -> set[int]:
    """Return the Telegram ids of everyone with the role blocked (anywhere)."""
    rows = await session.scalars(
        select(Person.telegram_id)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.role == Role.BLOCKED)
    )
    return set(rows)


async def reachable_admins(session: AsyncSession) -> list[Person]:
    """Return the admins the bot can message."""
    rows = await session.scalars(
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.role == Role.ADMIN, Person.started_at.is_not(None))
        .distinct()
    )
    return list(rows)


async def reviewers_for(session: AsyncSession, wijk_id: int) -> list[int]:
    """Return who may approve a proposal in a wijk: its buurtassistenten and the admins."""
    rows = await session.scalars(
        select(RoleAssignment.person_id).where(
            (RoleAssignment.role == Role.ADMIN)
            | (
                (RoleAssignment.role == Role.BUURTASSISTENT)
                & ((RoleAssignment.wijk_id == wijk_id) | RoleAssignment.wijk_id.is_(None))
            )
        )
    )
    return sorted(set(rows))
