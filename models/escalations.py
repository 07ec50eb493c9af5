"""The escalation ladder: who hears about a request nobody takes, or one that stalls.

Each step happens once per request: it is recorded in ``request_escalation`` (unique per
request and step) in the same transaction as the messages it queues, so a restart or a second
bot process never repeats it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ForeignKey, Select, String, UniqueConstraint, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from models.areas import Wijk
from models.base import Base, utcnow
from models.help_requests import HelpRequest, Status
from models.people import Person, Role, RoleAssignment


class Step(enum.StrEnum):
    ASSISTANTS = "assistants"  # open without a helper for a while: the wijk's buurtassistenten
    ADMINS = "admins"  # open without a helper for long: the admins
    STALLED = "stalled"  # accepted, but not done well after its time: the buurtassistenten


class Escalation(Base):
    """One step of the ladder taken for one request."""

    __tablename__ = "request_escalation"
    __table_args__ = (UniqueConstraint("request_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(16))
    # How many people were told (0: nobody could be reached; the step still counts as taken).
    told: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Ladder:
    """The hours of one wijk's ladder; None turns a step off."""

    assistants_after: timedelta | None = timedelta(hours=4)
    admins_after: timedelta | None = timedelta(hours=24)
    stalled_after: timedelta | None = timedelta(hours=24)

    def after(self, step: Step) -> timedelta | None:
        """Return how long after its start a step is due."""
        match step:
            case Step.ASSISTANTS:
                return self.assistants_after
            case Step.ADMINS:
                return self.admins_after
            case Step.STALLED:
                return self.stalled_after


@dataclass(frozen=True)
class Ladders:
    """The default ladder and the ladders of wijken that have their own, by wijk code."""

    default: Ladder = Ladder()
    by_wijk: dict[str, Ladder] = field(default_factory=dict)

    def of(self, wijk_code: str) -> Ladder:
        """Return the ladder of one wijk."""
        return self.by_wijk.get(wijk_code, self.default)

    def shortest(self, step: Step) -> timedelta | None:
        """Return the earliest a step can be due anywhere (None: off everywhere)."""
        hours = [d for d in (ladder.after(step) for ladder in self.all) if d is not None]
        return min(hours, default=None)

    def applies(self, step: Step, code: ColumnElement[str]) -> ColumnElement[bool]:
        """Return a condition on a wijk code: the step is on in that wijk."""
        on = [c for c, ladder in self.by_wijk.items() if ladder.after(step) is not None]
        off = [c for c, ladder in self.by_wijk.items() if ladder.after(step) is None]
        if self.default.after(step) is None:
            return code.in_(on)
        return code.not_in(off)

    @property
    def all(self) -> list[Ladder]:
        """Return every ladder in use."""
        return [self.default, *self.by_wijk.values()]


@dataclass(frozen=True)
class Due:
    """A step due for a request: since when it has waited (posted, or the end of its time)."""

    request: HelpRequest
    step: Step
    wijk: Wijk
    since: datetime


def start_of(request: HelpRequest, step: Step) -> datetime:
    """Return the moment a step counts from: posting, or the end of the agreed time."""
    return request.window_end_at if step is Step.STALLED else request.created_at


async def due_steps(
    session: AsyncSession, *, now: datetime, ladders: Ladders, batch: int = 500
) -> list[Due]:
    """Return the steps due at now that were not taken before, oldest first."""
    due: list[Due] = []
    for step in Step:
        shortest = ladders.shortest(step)
        if shortest is None:
            continue
        status = Status.CLAIMED if step is Step.STALLED else Status.OPEN
        start = HelpRequest.window_end_at if step is Step.STALLED else HelpRequest.created_at
        taken = exists().where(Escalation.request_id == HelpRequest.id, Escalation.step == step)
        query = (
            select(HelpRequest, Wijk)
            .join(Wijk, Wijk.id == HelpRequest.wijk_id)
            .where(HelpRequest.status == status, start <= now - shortest, ~taken)
            .order_by(start, HelpRequest.id)
            .limit(batch)
        )
        # Requests of wijken where the step is off would stay candidates for ever and could
        # fill the batch: leave them out here.
        rows = await session.execute(query.where(ladders.applies(step, Wijk.code)))
        for request, wijk in rows:
            after = ladders.of(wijk.code).after(step)
            since = start_of(request, step)
            if after is not None and since <= now - after:
                due.append(Due(request, step, wijk, since))
    return due


async def take_step(session: AsyncSession, due: Due, *, told: int, now: datetime) -> None:
    """Record that a step was taken (the unique constraint refuses a second time)."""
    session.add(Escalation(request_id=due.request.id, step=due.step.value, told=told, at=now))
    await session.flush()


async def steps_taken(session: AsyncSession, request_id: int) -> list[str]:
    """Return the steps taken for a request, in order."""
    rows = await session.scalars(
        select(Escalation.step).where(Escalation.request_id == request_id).order_by(Escalation.id)
    )
    return list(rows)


def _reachable(query: Select[tuple[Person]]) -> Select[tuple[Person]]:
    """Keep the people the bot can message and who are not blocked."""
    block = aliased(RoleAssignment)
    blocked = exists().where(block.person_id == Person.id, block.role == Role.BLOCKED)
    return query.where(
        Person.started_at.is_not(None), Person.blocked_bot.is_(False), ~blocked
    ).distinct()


async def assistants_of(session: AsyncSession, wijk_id: int) -> list[Person]:
    """Return the buurtassistenten of a wijk (and the city-wide ones) who can be messaged."""
    query = (
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(
            RoleAssignment.role == Role.BUURTASSISTENT,
            (RoleAssignment.wijk_id == wijk_id) | RoleAssignment.wijk_id.is_(None),
        )
    )
    return list(await session.scalars(_reachable(query).order_by(Person.id)))


async def admins(session: AsyncSession) -> list[Person]:
    """Return the admins who can be messaged."""
    query = (
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.role == Role.ADMIN)
    )
    return list(await session.scalars(_reachable(query).order_by(Person.id)))


async def assistants_with_wijken(session: AsyncSession) -> list[tuple[Person, set[int] | None]]:
    """Return every reachable buurtassistent with their wijken (None: the whole city)."""
    rows = await session.execute(
        _reachable(
            select(Person, RoleAssignment.wijk_id)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)
            .where(RoleAssignment.role == Role.BUURTASSISTENT)
        ).order_by(Person.id)
    )
    found: dict[int, tuple[Person, set[int] | None]] = {}
    for person, wijk_id in rows:
        _, wijken = found.setdefault(person.id, (person, set()))
        if wijk_id is None or wijken is None:
            found[person.id] = (person, None)
        else:
            wijken.add(wijk_id)
    return list(found.values())
