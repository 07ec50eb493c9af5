"""The consent log: every time a person agreed to or refused the privacy notice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.people import Person, give_consent, notice_version, refuse_consent


class ConsentEvent(Base):
    """One answer to the privacy notice: which version, yes or no, and when."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    agreed: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)


async def answer_notice(
    session: AsyncSession, person: Person, *, agreed: bool, now: datetime | None = None
) -> bool:
    """Record the person's answer to the notice in force; return False for a repeated "yes"."""
    version = notice_version(session)
    if agreed:
        if not give_consent(person, version):
            return False
        # give_consent stamps the wall clock; the log and the person show the same moment.
        person.consent_at = now or person.consent_at
    elif person.consent_version is not None:
        # Someone who agreed before withdraws; someone new simply has not agreed yet.
        refuse_consent(person)
    session.add(
        ConsentEvent(person_id=person.id, version=version, agreed=agreed, at=now or utcnow())
    )
    await session.flush()
    return True


async def consent_log(session: AsyncSession, person_id: int) -> list[ConsentEvent]:
    """Return a person's answers, oldest first."""
    rows = await session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.person_id == person_id)
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )
    return list(rows)
