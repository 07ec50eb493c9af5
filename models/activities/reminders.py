"""Reminders to everyone coming: 24 hours and 1 hour before an activity starts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, Answer, Event, Notice, Outcome, Rsvp, Status

REMINDERS = (timedelta(hours=24), timedelta(hours=1))


async def due_reminders(session: AsyncSession, *, now: datetime) -> list[Outcome]:
    """Remind everyone coming 24 hours and 1 hour before; each once (keys carry the start)."""
    outcomes = []
    horizon = now + max(REMINDERS)
    upcoming = await session.scalars(
        select(Activity).where(
            Activity.status == Status.PUBLISHED,
            Activity.starts_at > now,
            Activity.starts_at <= horizon,
        )
    )
    for activity in upcoming:
        lead = next((r for r in sorted(REMINDERS) if activity.starts_at - now <= r), None)
        if lead is None:
            continue
        stamp = int(activity.starts_at.timestamp())
        hours = int(lead.total_seconds() // 3600)
        coming = await session.scalars(
            select(Rsvp.person_id).where(
                Rsvp.activity_id == activity.id, Rsvp.answer == Answer.YES, Rsvp.waiting.is_(False)
            )
        )
        notices = [
            Notice(
                pid,
                Event.REMINDER,
                activity.id,
                dedupe_key=f"act:{activity.id}:remind{hours}:{pid}:{stamp}",
            )
            for pid in coming
        ]
        if notices:
            outcomes.append(Outcome(activity, notices=notices))
    return outcomes
