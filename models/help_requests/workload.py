"""A volunteer's workload: the requests they have accepted, against their own maximum."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.help_requests.tables import HelpRequest, Status
from models.volunteers import Volunteer


async def load_of(session: AsyncSession, person_id: int) -> int:
    """Count the requests a person has accepted and not finished."""
    count = await session.scalar(
        select(func.count()).where(
            HelpRequest.helper_id == person_id, HelpRequest.status == Status.CLAIMED
        )
    )
    return count or 0


async def has_room(session: AsyncSession, person_id: int) -> bool:
    """Tell whether a volunteer is below their own maximum of open tasks."""
    volunteer = await session.get(Volunteer, person_id)
    if volunteer is None or volunteer.max_tasks is None:
        return True
    return await load_of(session, person_id) < volunteer.max_tasks
