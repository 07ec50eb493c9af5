"""The state of one erasure, shared by its steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import activities
from models.help_requests import Outcome
from models.people import Person
from models.privacy.identity import Identity


@dataclass
class Erased:
    """What erasing did, for the person's answer and for the messages to queue."""

    requests_cancelled: list[int] = field(default_factory=list)
    help_withdrawn: list[int] = field(default_factory=list)
    requests_anonymised: int = 0
    rows_deleted: int = 0
    request_outcomes: list[Outcome] = field(default_factory=list)
    activity_outcomes: list[activities.Outcome] = field(default_factory=list)


@dataclass
class Job:
    """One erasure: the person, what identifies them, and what was done so far."""

    session: AsyncSession
    person: Person
    who: Identity
    now: datetime
    result: Erased
    # Requests, activities and announcements the person was part of (for the outbox).
    requests: set[int] = field(default_factory=set)
    activities: set[int] = field(default_factory=set)
    broadcasts: set[int] = field(default_factory=set)


async def delete_rows(session: AsyncSession, statement: object) -> int:
    """Run a DELETE; return how many rows went."""
    result = await session.execute(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)
