"""People known to the bot, their profile, consent and roles."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Buurt, Wijk
from models.base import Base, TimestampMixin, utcnow
from models.errors import NotFound

# Bump when the privacy notice changes in substance; people are asked again.
PRIVACY_NOTICE_VERSION = "2026-11-27"
# The session's info key under which the application keeps the version in force (the built-in
# one plus the deployment's own, see privacy.notice_version in the config).
NOTICE_VERSION_KEY = "privacy_notice_version"
DISPLAY_NAME_MAX = 128


class Role(enum.StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    BUURTASSISTENT = "buurtassistent"
    ADMIN = "admin"
    # Not a power but its absence: the bot ignores a blocked person (spam, abuse).
    BLOCKED = "blocked"


class OnboardingStep(enum.IntEnum):
    LANGUAGE = 1
    CONSENT = 2
    WIJK = 3


class Person(TimestampMixin, Base):
    """Someone who has talked to the bot, or an admin named in the config."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    home_wijk_id: Mapped[int | None] = mapped_column(
        ForeignKey("wijk.id", ondelete="SET NULL"), index=True
    )
    home_buurt_id: Mapped[int | None] = mapped_column(ForeignKey("buurt.id", ondelete="SET NULL"))
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(32))
    # Set when Telegram answers 403 for this person; cleared when they write again.
    blocked_bot: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


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
    return _dialect_insert(session.bind.dialect.name)


@cache
def _dialect_insert(dialect: str) -> Any:
    """Return one dialect's insert()."""
    # Imported here: the PostgreSQL dialect costs ~30 ms at start-up, for nothing on SQLite.
    # The engine has loaded its own dialect's module already, so this never waits.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def clean_display_name(first_name: str | None, last_name: str | None = None) -> str:
    """Join and trim a Telegram name so it fits the column."""
    name = " ".join(part.strip() for part in (first_name, last_name) if part and part.strip())
    return name[:DISPLAY_NAME_MAX]


async def touch_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    display_name: str,
    username: str | None,
    private_chat: bool,
) -> Person:
    """Create or refresh the person behind an update, in one statement.

    INSERT ... ON CONFLICT DO UPDATE is atomic, so two first updates at once make one person,
    and it locks the row for the rest of the transaction on PostgreSQL.
    """
    now = utcnow()
    insert = _insert(session)
    stmt = insert(Person).values(
        telegram_id=telegram_id,
        display_name=display_name,
        username=username,
        last_seen_at=now,
        started_at=now if private_chat else None,
        blocked_bot=False,
        created_at=now,
        updated_at=now,
    )
    changes: dict[str, Any] = {
        "display_name": func.coalesce(
            func.nullif(stmt.excluded.display_name, ""), Person.display_name
        ),
        "username": stmt.excluded.username,
        "last_seen_at": stmt.excluded.last_seen_at,
        "updated_at": stmt.excluded.updated_at,
    }
    if private_chat:
        # Writing to the bot in private means Telegram lets the bot write back.
        changes["started_at"] = func.coalesce(Person.started_at, stmt.excluded.started_at)
        changes["blocked_bot"] = False
    stmt = stmt.on_conflict_do_update(index_elements=["telegram_id"], set_=changes).returning(
        Person
    )
    result = await session.scalars(stmt, execution_options={"populate_existing": True})
    return result.one()


async def get_person(session: AsyncSession, telegram_id: int) -> Person | None:
    """Return the person with this Telegram id, or None."""
    return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def require_person(session: AsyncSession, telegram_id: int) -> Person:
    """Return the person with this Telegram id, or raise NotFound."""
    person = await get_person(session, telegram_id)
    if person is None:
        raise NotFound("person")
    return person


def set_language(person: Person, language: str) -> None:
    """Store the person's language."""
    person.language = language


def notice_version(session: AsyncSession) -> str:
    """Return the version of the privacy notice in force for this application."""
    return str(session.info.get(NOTICE_VERSION_KEY, PRIVACY_NOTICE_VERSION))


def effective_notice_version(own: str) -> str:
    """Combine the built-in version with a deployment's own (``privacy.notice_version``)."""
    return f"{PRIVACY_NOTICE_VERSION}+{own}" if own else PRIVACY_NOTICE_VERSION


def has_current_consent(person: Person, version: str) -> bool:
    """Tell whether the person agreed to this version of the privacy notice."""
    return person.consent_at is not None and person.consent_version == version


def needs_consent_again(person: Person, version: str) -> bool:
    """Tell whether the person once agreed, but not (or no longer) to this version."""
    return person.consent_version is not None and not has_current_consent(person, version)


def give_consent(person: Person, version: str = PRIVACY_NOTICE_VERSION) -> bool:
    """Record consent to the privacy notice; return False if it was already given."""
    if has_current_consent(person, version):
        return False
    person.consent_at = utcnow()
    person.consent_version = version
    return True


def refuse_consent(person: Person) -> None:
    """Withdraw consent: nothing is sent to the person until they agree again.

    The version they last agreed to stays, so the bot knows to ask again at every visit.
    """
    person.consent_at = None


async def set_home_area(
    session: AsyncSession, person: Person, *, wijk_id: int, buurt_id: int | None = None
) -> tuple[Wijk, Buurt | None]:
    """Set the home wijk (and buurt); the ids come from buttons, so check them."""
    wijk = await session.get(Wijk, wijk_id)
    if wijk is None:
        raise NotFound("wijk")
    buurt = await session.get(Buurt, buurt_id) if buurt_id is not None else None
    if buurt is not None and buurt.wijk_id != wijk.id:
        buurt = None
    person.home_wijk_id = wijk.id
    person.home_buurt_id = buurt.id if buurt else None
    return wijk, buurt


async def onboarding_step(session: AsyncSession, person: Person) -> OnboardingStep | None:
    """Return the first onboarding step the person has not done, or None when done."""
    if person.language is None:
        return OnboardingStep.LANGUAGE
    if not has_current_consent(person, notice_version(session)):
        return OnboardingStep.CONSENT
    if person.home_wijk_id is None and await session.scalar(select(Wijk.id).limit(1)):
        return OnboardingStep.WIJK
    return None


async def roles_of(session: AsyncSession, person: Person) -> Roles:
    """Load the person's roles."""
    rows = (
        await session.execute(
            select(RoleAssignment.role, RoleAssignment.wijk_id).where(
                RoleAssignment.person_id == person.id
            )
        )
    ).all()
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


async def mark_blocked(session: AsyncSession, telegram_id: int) -> None:
    """Remember that Telegram refuses private messages to this person."""
    person = await get_person(session, telegram_id)
    if person is not None:
        person.blocked_bot = True


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
