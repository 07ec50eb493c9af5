"""Figures per wijk over a period: requests (see requests.py), activities, announcements.

Only counts leave this package, never a name or a request's text. Activities count by when they
start; announcements by when they were delivered, to the wijk of the person (their home wijk) or
of the group. Everything is grouped in SQL and so runs the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import Activity, Rsvp
from models.activities import Status as ActivityStatus
from models.areas import Wijk
from models.groups import GroupLink
from models.outbox import OutboxMessage
from models.outbox import Status as Delivery
from models.people import Person, Role, Roles
from models.stats.periods import Span
from models.stats.requests import RequestFigures, count_requests

_FIGURE_ROLES = frozenset({Role.ADMIN, Role.BUURTASSISTENT})
# The bucket of what belongs to no wijk: a person without a home wijk, a city-wide activity.
NO_WIJK = 0


@dataclass
class WijkFigures:
    """Everything counted for one wijk (or for no wijk: id NO_WIJK)."""

    wijk_id: int
    code: str
    name: str
    categories: dict[str, RequestFigures] = field(default_factory=dict)
    requests: RequestFigures = field(default_factory=RequestFigures)  # every category together
    activities: int = 0
    rsvp_yes: int = 0  # coming (a "yes" with a place)
    rsvp_waiting: int = 0  # a "yes" on the waitlist
    rsvp_maybe: int = 0
    rsvp_no: int = 0
    announcements: int = 0  # announcement messages delivered

    @property
    def empty(self) -> bool:
        """Tell whether nothing at all was counted here."""
        return not (self.categories or self.activities or self.announcements)


@dataclass
class Stats:
    span: Span
    wijken: list[WijkFigures]  # by name; the no-wijk bucket last, and only when it has figures
    requests: RequestFigures = field(default_factory=RequestFigures)  # every wijk together


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
    requests = await count_requests(session, when.start, when.end, figures)
    for wijk_id, categories in requests.categories.items():
        figures[wijk_id].categories = categories
        figures[wijk_id].requests = requests.wijken[wijk_id]
    await _count_activities(session, when, figures)
    await _count_announcements(session, when, figures)
    wijken = [w for w in figures.values() if w.wijk_id != NO_WIJK]
    if NO_WIJK in figures and not figures[NO_WIJK].empty:
        wijken.append(figures[NO_WIJK])
    return Stats(when, wijken, requests.total)


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
