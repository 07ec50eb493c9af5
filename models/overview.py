"""The figures of the buurtassistenten's daily overview: new, open, stalled and done requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Wijk
from models.escalations import Ladders, Step
from models.help_requests import HelpRequest, Status

DAY = timedelta(days=1)


@dataclass
class Overview:
    """How the requests in some wijken stand at a moment."""

    new: int = 0  # posted in the last 24 hours
    open: int = 0  # without a helper now
    stalled: int = 0  # accepted, but not done well after their time
    done: int = 0  # reported done in the last 24 hours
    oldest: list[tuple[HelpRequest, Wijk]] = field(default_factory=list)  # open, oldest first


async def overview(
    session: AsyncSession,
    *,
    wijk_ids: set[int] | None,
    now: datetime,
    ladders: Ladders,
    oldest: int = 5,
) -> Overview:
    """Count the requests in these wijken (None: the whole city)."""
    where: ColumnElement[bool] = (
        true() if wijk_ids is None else HelpRequest.wijk_id.in_(sorted(wijk_ids))
    )

    async def count(*conditions: ColumnElement[bool]) -> int:
        query = select(func.count(HelpRequest.id)).where(where, *conditions)
        return int(await session.scalar(query) or 0)

    result = Overview(
        new=await count(HelpRequest.created_at > now - DAY),
        open=await count(HelpRequest.status == Status.OPEN),
        done=await count(HelpRequest.status == Status.DONE, HelpRequest.closed_at > now - DAY),
    )
    shortest = ladders.shortest(Step.STALLED)
    if shortest is not None:
        rows = await session.execute(
            select(HelpRequest.window_end_at, Wijk.code)
            .join(Wijk, Wijk.id == HelpRequest.wijk_id)
            .where(
                where,
                HelpRequest.status == Status.CLAIMED,
                HelpRequest.window_end_at <= now - shortest,
            )
        )
        for end, code in rows:
            after = ladders.of(code).after(Step.STALLED)
            result.stalled += after is not None and end <= now - after
    if oldest:
        rows = await session.execute(
            select(HelpRequest, Wijk)
            .join(Wijk, Wijk.id == HelpRequest.wijk_id)
            .where(where, HelpRequest.status == Status.OPEN)
            .order_by(HelpRequest.created_at, HelpRequest.id)
            .limit(oldest)
        )
        result.oldest = [(request, wijk) for request, wijk in rows]
    return result
