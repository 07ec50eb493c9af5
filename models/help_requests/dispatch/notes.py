"""Internal notes on a request: only buurtassistenten and admins write and read them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import record
from models.base import Base, utcnow
from models.help_requests.dispatch.worklist import require_assistant
from models.help_requests.lifecycle import get_request
from models.people import Person, Roles

NOTE_MAX = 500


class RequestNote(Base):
    """An internal note on a request: only buurtassistenten and admins see it."""

    __tablename__ = "request_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


async def add_note(
    session: AsyncSession, *, request_id: int, by: Person, roles: Roles, text: str, now: datetime
) -> RequestNote:
    """Add an internal note to a request."""
    request = await get_request(session, request_id)
    require_assistant(roles, request)
    text = text.strip()[:NOTE_MAX]
    if not text:
        raise ValueError("empty note")
    note = RequestNote(request_id=request_id, author_id=by.id, text=text, created_at=now)
    session.add(note)
    await record(
        session,
        "request.note",
        actor_id=by.id,
        wijk_id=request.wijk_id,
        target=f"request:{request_id}",
        at=now,
    )
    await session.flush()
    return note


async def notes_of(session: AsyncSession, request_id: int, *, last: int = 3) -> list[RequestNote]:
    """Return the last few internal notes of a request, oldest first."""
    rows = await session.scalars(
        select(RequestNote)
        .where(RequestNote.request_id == request_id)
        .order_by(RequestNote.created_at.desc(), RequestNote.id.desc())
        .limit(last)
    )
    return list(reversed(list(rows)))
