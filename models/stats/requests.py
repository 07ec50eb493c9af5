"""Requests made in a period, counted per wijk and category, per wijk, and all together.

Requests are counted by when they were made (a cohort), each with the state it has now: of the
requests made in October, how many were accepted, done, expired. The counts are grouped in SQL
and added up here. A median does not add up: the median time to acceptance is taken for each
level on its own (a wijk's category, a wijk, every wijk together) over its accepted requests.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Float, case, cast, extract, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from models.help_requests.tables import Feedback, HelpRequest, Status


@dataclass
class RequestFigures:
    """Requests made in the period (of one wijk and category, or more), by their state now."""

    requests: int = 0
    accepted: int = 0  # accepted by a helper at some point
    done: int = 0
    expired: int = 0
    cancelled: int = 0
    feedback: int = 0
    feedback_score_sum: int = 0
    # The median of the seconds from asking to (the latest) acceptance, of the accepted ones.
    median_seconds: float | None = None

    def add_counts(self, other: RequestFigures) -> None:
        """Add another group's counts to these; not its median, as medians do not add up."""
        self.requests += other.requests
        self.accepted += other.accepted
        self.done += other.done
        self.expired += other.expired
        self.cancelled += other.cancelled
        self.feedback += other.feedback
        self.feedback_score_sum += other.feedback_score_sum

    @property
    def accepted_share(self) -> float | None:
        """Return the share of requests that were accepted (0..1), or None without requests."""
        return self.accepted / self.requests if self.requests else None

    @property
    def done_share(self) -> float | None:
        """Return the share of requests that are done (0..1), or None without requests."""
        return self.done / self.requests if self.requests else None

    @property
    def median_minutes(self) -> float | None:
        """Return the median time to acceptance in minutes, or None when none was accepted."""
        return None if self.median_seconds is None else self.median_seconds / 60

    @property
    def feedback_average(self) -> float | None:
        """Return the average feedback score (1 to 3), or None without feedback."""
        return self.feedback_score_sum / self.feedback if self.feedback else None


@dataclass
class RequestTotals:
    """A period's requests per wijk and category, per wijk, and of every wijk together."""

    categories: dict[int, dict[str, RequestFigures]] = field(default_factory=dict)
    wijken: dict[int, RequestFigures] = field(default_factory=dict)
    total: RequestFigures = field(default_factory=RequestFigures)


async def count_requests(
    session: AsyncSession, start: datetime, end: datetime, wijk_ids: Iterable[int]
) -> RequestTotals:
    """Count the requests made in [start, end) in these wijken, their feedback and medians."""
    cohort = [
        HelpRequest.created_at >= start,
        HelpRequest.created_at < end,
        HelpRequest.wijk_id.in_(list(wijk_ids)),
    ]
    found = RequestTotals()

    def group(wijk_id: int, category: str) -> RequestFigures:
        return found.categories.setdefault(wijk_id, {}).setdefault(category, RequestFigures())

    def count_status(status: Status) -> ColumnElement[int]:
        return func.sum(case((HelpRequest.status == status, 1), else_=0))

    wijk, category = HelpRequest.wijk_id, HelpRequest.category
    rows = await session.execute(
        select(
            wijk,
            category,
            func.count(),
            func.sum(case((HelpRequest.claimed_at.is_not(None), 1), else_=0)),
            count_status(Status.DONE),
            count_status(Status.EXPIRED),
            count_status(Status.CANCELLED),
        )
        .where(*cohort)
        .group_by(wijk, category)
    )
    for wijk_id, slug, total, accepted, done, expired, cancelled in rows:
        figures = group(wijk_id, slug)
        figures.requests, figures.accepted = total, int(accepted or 0)
        figures.done, figures.expired, figures.cancelled = int(done), int(expired), int(cancelled)
    rows = await session.execute(
        select(wijk, category, func.count(), func.sum(Feedback.score))
        .join(Feedback, Feedback.request_id == HelpRequest.id)
        .where(*cohort)
        .group_by(wijk, category)
    )
    for wijk_id, slug, count, score_sum in rows:
        figures = group(wijk_id, slug)
        figures.feedback, figures.feedback_score_sum = count, int(score_sum or 0)

    medians = await _medians(session, cohort)
    found.total.median_seconds = medians.get((None, None))
    for wijk_id, categories in found.categories.items():
        found.wijken[wijk_id] = RequestFigures(median_seconds=medians.get((wijk_id, None)))
        for slug, figures in categories.items():
            figures.median_seconds = medians.get((wijk_id, slug))
            found.wijken[wijk_id].add_counts(figures)
            found.total.add_counts(figures)
    return found


def _seconds_waited(dialect: str) -> ColumnElement[float]:
    """Return the seconds from asking to (the latest) acceptance, never below 0 (a clock off)."""
    created, claimed = HelpRequest.created_at, HelpRequest.claimed_at
    if dialect == "sqlite":
        # SQLite keeps times as text and reads them to the millisecond, as days in a float.
        days = func.julianday(claimed, type_=Float) - func.julianday(created)
        seconds = func.round(days * 86400, 3, type_=Float)
    else:
        seconds = cast(extract("epoch", claimed - created), Float)
    return case((claimed > created, seconds), else_=0.0)


async def _medians(
    session: AsyncSession, cohort: Sequence[ColumnElement[bool]]
) -> dict[tuple[int | None, str | None], float | None]:
    """Return the median seconds to acceptance of the accepted requests.

    Keyed (wijk, category) per wijk and category, (wijk, None) per wijk, (None, None) for all;
    of an even count the mean of the middle two. PostgreSQL takes every level in one pass.
    SQLite has no percentile_cont nor grouping sets: there each wait comes back as one number
    and is sorted here, in a third of the time its window functions took (bench/queries.py).
    """
    assert session.bind is not None
    dialect = session.bind.dialect.name
    wijk, category, seconds = HelpRequest.wijk_id, HelpRequest.category, _seconds_waited(dialect)
    accepted = [*cohort, HelpRequest.claimed_at.is_not(None)]
    if dialect == "postgresql":
        levels = func.grouping_sets(tuple_(wijk, category), tuple_(wijk), tuple_())
        median = func.percentile_cont(0.5).within_group(seconds)
        query = select(wijk, category, median).where(*accepted).group_by(levels)
        return {(wijk_id, slug): value for wijk_id, slug, value in await session.execute(query)}
    waits: dict[tuple[int | None, str | None], list[float]] = defaultdict(list)
    for wijk_id, slug, value in await session.execute(
        select(wijk, category, seconds).where(*accepted)
    ):
        for key in ((wijk_id, slug), (wijk_id, None), (None, None)):
            waits[key].append(value)
    return {key: statistics.median(values) for key, values in waits.items()}
