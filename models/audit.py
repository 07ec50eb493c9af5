"""The audit log: who did which privileged thing, to what, and when.

Entries hold ids and short machine words, never message text, so the log itself stays free of
personal data beyond the link to the people involved (which erasure cuts, see ``ondelete``).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

DETAIL_MAX = 255


class AuditEntry(Base):
    """One privileged action."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    # A machine word such as "role.grant", "group.link", "request.assign", "broadcast.send".
    action: Mapped[str] = mapped_column(String(40))
    subject_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    wijk_id: Mapped[int | None] = mapped_column(ForeignKey("wijk.id", ondelete="SET NULL"))
    # What was acted on, as "kind:id" (e.g. "request:12", "chat:-100123"); never free text.
    target: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX), default="")


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None,
    subject_person_id: int | None = None,
    wijk_id: int | None = None,
    target: str = "",
    detail: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry to the audit log, in the caller's transaction."""
    entry = AuditEntry(
        at=at or utcnow(),
        actor_id=actor_id,
        action=action[:40],
        subject_person_id=subject_person_id,
        wijk_id=wijk_id,
        target=target[:64],
        detail=detail[:DETAIL_MAX],
    )
    session.add(entry)
    await session.flush()
    return entry


async def entries(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    person_id: int | None = None,
) -> list[AuditEntry]:
    """Return entries, oldest first; only those in [since, until), or about or by one person."""
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if person_id is not None:
        query = query.where(
            (AuditEntry.actor_id == person_id) | (AuditEntry.subject_person_id == person_id)
        )
    return list(await session.scalars(query))


def to_csv(rows: list[AuditEntry]) -> bytes:
    """Render entries as a UTF-8 CSV document (with BOM, so spreadsheet programs read it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["at_utc", "actor_id", "action", "subject_person_id", "wijk_id", "target", "detail"]
    )
    for e in rows:
        writer.writerow(
            [
                e.at.isoformat(),
                e.actor_id or "",
                e.action,
                e.subject_person_id or "",
                e.wijk_id or "",
                e.target,
                e.detail,
            ]
        )
    return out.getvalue().encode("utf-8-sig")
