"""Figures per wijk and category over a period: requests, activities, announcements.

Only counts leave this module, never a name or a request's text. Requests are counted by when
they were made (a cohort), each with the state it has now: of the requests made in October, how
many were accepted, done, expired. Activities count by when they start; announcements by when
they were delivered, to the wijk of the person (their home wijk) or of the group.

Everything is grouped in SQL and so runs the same on SQLite and PostgreSQL; only the median
time to acceptance is taken in Python, over the fetched durations of each group.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import Activity, Rsvp
from models.activities import Status as ActivityStatus
from models.areas import Wijk
from models.groups import GroupLink
from models.help_requests.tables import Feedback, HelpRequest, Status
from models.outbox import OutboxMessage
from models.outbox import Status as Delivery
from models.people import Person, Role, Roles

_FIGURE_ROLES = frozenset({Role.ADMIN, Role.BUURTASSISTENT})
# The bucket of what belongs to no wijk: a person without a home wijk, a city-wide activity.
NO_WIJK = 0


class Period(enum.StrEnum):
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    THIS_MONTH = "month"
    LAST_MONTH = "lastmonth"
    THIS_YEAR = "year"


@dataclass(frozen=True)
class Span:
    """A period as a half-open range [start, end) of aware UTC times."""

    period: Period
    start: datetime
    end: datetime


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def span(period: Period, *, now: datetime, tz: tzinfo) -> Span:
    """Turn a period into whole local days, months or years (in tz) that include today.

    "This month" is the whole month, so an activity later this month counts in it; the future
    holds no requests or deliveries, so for those it is the month up to now.
    """
    today = now.astimezone(tz).date()
    tomorrow = today + timedelta(days=1)
    first_of_month = today.replace(day=1)
    next_month = (first_of_month + timedelta(days=31)).replace(day=1)
    if period is Period.LAST_7_DAYS:
        first, after = today - timedelta(days=6), tomorrow
    elif period is Period.LAST_30_DAYS:
        first, after = today - timedelta(days=29), tomorrow
    elif period is Period.THIS_MONTH:
        first, after = first_of_month, next_month
    elif period is Period.LAST_MONTH:
        first, after = (first_of_month - timedelta(days=1)).replace(day=1), first_of_month
    else:
        first, after = (
            today.replace(month=1, day=1),
            today.replace(year=today.year + 1, month=1, day=1),
        )
    return Span(period, _midnight(first, tz), _midnight(after, tz))


@dataclass
class RequestFigures:
    """Requests made in the period (of one wijk and category, or summed), by their state now."""

    requests: int = 0
    accepted: int = 0  # accepted by a helper at some point
    done: int = 0
    expired: int = 0
    cancelled: int = 0
    feedback: int = 0
    feedback_score_sum: int = 0
    # Seconds from asking to (the latest) acceptance, one per accepted request.
    accept_seconds: list[float] = field(default_factory=list)

    def add(self, other: RequestFigures) -> None:
        """Add another group's figures to these."""
        self.requests += other.requests
        self.accepted += other.accepted
        self.done += other.done
        self.expired += other.expired
        self.cancelled += other.cancelled
        self.feedback += other.feedback
        self.feedback_score_sum += other.feedback_score_sum
        self.accept_seconds += other.accept_seconds

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
        if not self.accept_seconds:
            return None
        return statistics.median(self.accept_seconds) / 60

    @property
    def feedback_average(self) -> float | None:
        """Return the average feedback score (1 to 3), or None without feedback."""
        return self.feedback_score_sum / self.feedback if self.feedback else None


@dataclass
class WijkFigures:
    """Everything counted for one wijk (or for no wijk: id NO_WIJK)."""

    wijk_id: int
    code: str
    name: str
    categories: dict[str, RequestFigures] = field(default_factory=dict)
    activities: int = 0
    rsvp_yes: int = 0  # coming (a "yes" with a place)
    rsvp_waiting: int = 0  # a "yes" on the waitlist
    rsvp_maybe: int = 0
    rsvp_no: int = 0
    announcements: int = 0  # announcement messages delivered

    @property
    def requests(self) -> RequestFigures:
        """Return the requests of every category together."""
        total = RequestFigures()
        for figures in self.categories.values():
            total.add(figures)
        return total

    @property
    def empty(self) -> bool:
        """Tell whether nothing at all was counted here."""
        return not (self.categories or self.activities or self.announcements)


@dataclass
class Stats:
    span: Span
    wijken: list[WijkFigures]  # by name; the no-wijk bucket last, and only when it has figures

    @property
    def requests(self) -> RequestFigures:
        """Return the requests of every wijk together."""
        total = RequestFigures()
        for wijk in self.wijken:
            total.add(wijk.requests)
        return total


async def compute(
    session: AsyncSession, when: Span, *, wijk_ids: Iterable[int] | None = None
) -> Stats:
    """Count everything in the period, for these wijken (None: every wijk, and no wijk)."""
    scope = None if wijk_ids is None else frozenset(wijk_ids)
    query = select(Wijk.id, Wijk.code, Wijk.name).order_by(Wijk.name, Wijk.id)
    if scope is not None:
        query = query.where(Wijk.id.in_(scope))
    figures = {
        wijk_id: WijkFigures(wijk_id, code, name)
        for wijk_id, code, name in await session.execute(query)
    }
    if scope is None:
        figures[NO_WIJK] = WijkFigures(NO_WIJK, "", "")
    await _count_requests(session, when, figures)
    await _count_activities(session, when, figures)
    await _count_announcements(session, when, figures)
    wijken = [w for w in figures.values() if w.wijk_id != NO_WIJK]
    if NO_WIJK in figures and not figures[NO_WIJK].empty:
        wijken.append(figures[NO_WIJK])
    return Stats(when, wijken)


def _cohort(when: Span, wijk_ids: Iterable[int]) -> list[object]:
    """Return the conditions for the requests made in the period, in these wijken."""
    return [
        HelpRequest.created_at >= when.start,
        HelpRequest.created_at < when.end,
        HelpRequest.wijk_id.in_(list(wijk_ids)),
    ]


async def _count_requests(
    session: AsyncSession, when: Span, figures: dict[int, WijkFigures]
) -> None:
    """Count requests per wijk and category, their feedback, and the times to acceptance."""
    cohort = _cohort(when, figures)

    def where(figure: int, category: str) -> RequestFigures:
        return figures[figure].categories.setdefault(category, RequestFigures())

    def count_status(status: Status) -> object:
        return func.sum(case((HelpRequest.status == status, 1), else_=0))

    rows = await session.execute(
        select(
            HelpRequest.wijk_id,
            HelpRequest.category,
            func.count(),
            func.sum(case((HelpRequest.claimed_at.is_not(None), 1), else_=0)),
            count_status(Status.DONE),
            count_status(Status.EXPIRED),
            count_status(Status.CANCELLED),
        )
        .where(*cohort)
        .group_by(HelpRequest.wijk_id, HelpRequest.category)
    )
    for wijk_id, category, total, accepted, done, expired, cancelled in rows:
        group = where(wijk_id, category)
        group.requests, group.accepted = total, int(accepted or 0)
        group.done, group.expired, group.cancelled = int(done), int(expired), int(cancelled)
    rows = await session.execute(
        select(HelpRequest.wijk_id, HelpRequest.category, func.count(), func.sum(Feedback.score))
        .join(Feedback, Feedback.request_id == HelpRequest.id)
        .where(*cohort)
        .group_by(HelpRequest.wijk_id, HelpRequest.category)
    )
    for wijk_id, category, count, score_sum in rows:
        group = where(wijk_id, category)
        group.feedback, group.feedback_score_sum = count, int(score_sum or 0)
    rows = await session.execute(
        select(
            HelpRequest.wijk_id,
            HelpRequest.category,
            HelpRequest.created_at,
            HelpRequest.claimed_at,
        ).where(*cohort, HelpRequest.claimed_at.is_not(None))
    )
    for wijk_id, category, created_at, claimed_at in rows:
        seconds = max(0.0, (claimed_at - created_at).total_seconds())
        where(wijk_id, category).accept_seconds.append(seconds)
    for figure in figures.values():
        for group in figure.categories.values():
            group.accept_seconds.sort()  # the same figures whatever order the rows came in


async def _count_activities(
    session: AsyncSession, when: Span, figures: dict[int, WijkFigures]
) -> None:
    """Count published activities that start in the period, and their answers, per wijk."""
    in_period = and_(
        Activity.status == ActivityStatus.PUBLISHED,
        Activity.starts_at >= when.start,
        Activity.starts_at < when.end,
    )
    # The wijken of an activity are a JSON list: spread them out here, the same on every engine.
    places: dict[int, list[int]] = {}
    for activity_id, wijk_ids in await session.execute(
        select(Activity.id, Activity.wijk_ids).where(in_period)
    ):
        places[activity_id] = [w for w in wijk_ids or [NO_WIJK] if w in figures]
        for wijk_id in places[activity_id]:
            figures[wijk_id].activities += 1
    rows = await session.execute(
        select(Rsvp.activity_id, Rsvp.answer, Rsvp.waiting, func.count())
        .join(Activity, Activity.id == Rsvp.activity_id)
        .where(in_period)
        .group_by(Rsvp.activity_id, Rsvp.answer, Rsvp.waiting)
    )
    for activity_id, answer, waiting, count in rows:
        for wijk_id in places.get(activity_id, []):
            wijk = figures[wijk_id]
            if answer == "yes" and waiting:
                wijk.rsvp_waiting += count
            elif answer == "yes":
                wijk.rsvp_yes += count
            elif answer == "maybe":
                wijk.rsvp_maybe += count
            else:
                wijk.rsvp_no += count


async def _count_announcements(
    session: AsyncSession, when: Span, figures: dict[int, WijkFigures]
) -> None:
    """Count delivered announcement messages, per wijk of the person or the group."""
    wijk = func.coalesce(Person.home_wijk_id, GroupLink.wijk_id, NO_WIJK)
    rows = await session.execute(
        select(wijk, func.count())
        .select_from(OutboxMessage)
        .outerjoin(Person, Person.id == OutboxMessage.person_id)
        .outerjoin(
            GroupLink,
            and_(
                OutboxMessage.person_id.is_(None),
                GroupLink.chat_id == OutboxMessage.chat_id,
                GroupLink.thread_id == OutboxMessage.thread_id,
            ),
        )
        .where(
            OutboxMessage.broadcast_id.is_not(None),
            OutboxMessage.status == Delivery.SENT,
            OutboxMessage.sent_at >= when.start,
            OutboxMessage.sent_at < when.end,
        )
        .group_by(wijk)
    )
    for wijk_id, count in rows:
        if wijk_id in figures:
            figures[wijk_id].announcements += count


def visible_wijken(roles: Roles) -> frozenset[int] | None:
    """Return the wijken whose figures a person may see: None for all, empty for none.

    A city-wide admin or buurtassistent sees every wijk; one of some wijken sees those.
    """
    if roles.blocked:
        return frozenset()
    if roles.city & _FIGURE_ROLES:
        return None
    return frozenset(wijk_id for wijk_id, held in roles.by_wijk.items() if held & _FIGURE_ROLES)
