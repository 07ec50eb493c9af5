"""A month of made-up activity for the figures tests, and the figures counted plainly in SQL.

The plain counts are separate, simple SQL queries (one number each), on purpose not the code
under test, so a wrong grouping or join in models/stats.py shows up as a difference.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import Activity, Rsvp
from models.base import UTCDateTime
from models.broadcasts import Broadcast
from models.groups import GroupLink
from models.help_requests import Feedback, HelpRequest
from models.outbox import OutboxMessage
from models.people import Person

CATEGORIES = ("boodschappen", "vervoer", "klusje", "gezelschap")
# Never to be seen in a figure message or CSV: figures are counts only.
SECRET = "GEHEIM-verzoektekst"
STATUS_WEIGHTS = {"open": 2, "claimed": 2, "done": 5, "expired": 2, "cancelled": 1}


@dataclass(frozen=True)
class Seeded:
    wijk_ids: list[int]
    group_chat_id: int


async def seed_month(
    session: AsyncSession, *, wijk_ids: list[int], now: datetime, seed: int = 7
) -> Seeded:
    """Store about 40 days of requests, feedback, activities, answers and deliveries."""
    rng = random.Random(seed)
    people = []
    for i in range(12):
        home = None if i == 11 else wijk_ids[i % len(wijk_ids)]
        person = Person(
            telegram_id=7_000_000 + i,
            display_name=f"Geheime Naam {i}",
            home_wijk_id=home,
            started_at=now - timedelta(days=60),
        )
        session.add(person)
        people.append(person)
    await session.flush()

    for i in range(160):
        created = now - timedelta(minutes=rng.randint(1, 40 * 24 * 60))
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        # Claimed, done, and some open (the helper stepped back) or expired ones were accepted.
        accepted = status in ("claimed", "done") or (
            status in ("open", "expired", "cancelled") and rng.random() < 0.3
        )
        claimed_at = min(now, created + timedelta(minutes=rng.randint(2, 3000)))
        request = HelpRequest(
            requester_id=rng.choice(people).id,
            category=rng.choice(CATEGORIES),
            description=f"{SECRET} {i}",
            when_kind="asap",
            window_start_at=created,
            # Far ahead, so the running bot's follow-ups leave the seeded states alone.
            window_end_at=now + timedelta(days=30),
            wijk_id=rng.choice(wijk_ids),
            status=status,
            claimed_at=claimed_at if accepted else None,
            closed_at=claimed_at if status in ("done", "expired", "cancelled") else None,
            created_at=created,
            updated_at=created,
        )
        session.add(request)
        await session.flush()
        if status == "done":
            for person in rng.sample(people, rng.choice([0, 1, 1, 2])):
                session.add(
                    Feedback(
                        request_id=request.id,
                        person_id=person.id,
                        role="requester",
                        score=rng.randint(1, 3),
                        comment=SECRET,
                    )
                )

    spreads = [[wijk_ids[0]], wijk_ids[:2], [], list(wijk_ids), [wijk_ids[-1]]]
    for i in range(10):
        starts = now + timedelta(hours=rng.randint(-40 * 24, 10 * 24))
        activity = Activity(
            title=f"{SECRET} activiteit {i}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            wijk_ids=spreads[i % len(spreads)],
            theme="bewegen",
            status="published" if i % 5 else rng.choice(["proposed", "cancelled"]),
            created_at=starts - timedelta(days=20),
        )
        session.add(activity)
        await session.flush()
        for person in rng.sample(people, rng.randint(0, 8)):
            answer = rng.choice(["yes", "yes", "maybe", "no"])
            waiting = answer == "yes" and rng.random() < 0.25
            session.add(
                Rsvp(activity_id=activity.id, person_id=person.id, answer=answer, waiting=waiting)
            )

    group_chat_id = -100_777
    session.add(GroupLink(chat_id=group_chat_id, thread_id=0, wijk_id=wijk_ids[-1], title="G"))
    broadcast = Broadcast(
        text=SECRET, audience="everyone", send_at=now - timedelta(days=35), status="done"
    )
    session.add(broadcast)
    await session.flush()
    targets: list[tuple[int, int | None]] = [(p.telegram_id, p.id) for p in people]
    targets += [(group_chat_id, None), (-100_999, None)]  # a linked group, and one unlinked
    for round_ in range(4):
        for chat_id, person_id in targets:
            sent_at = now - timedelta(minutes=rng.randint(1, 38 * 24 * 60))
            status = rng.choice(["sent", "sent", "sent", "failed", "cancelled"])
            session.add(
                OutboxMessage(
                    kind="text",
                    chat_id=chat_id,
                    person_id=person_id,
                    broadcast_id=broadcast.id,
                    payload={"text": SECRET},
                    dedupe_key=f"bc:{round_}:{chat_id}",
                    status=status,
                    sent_at=sent_at if status == "sent" else None,
                    created_at=sent_at,
                )
            )
    # A message that is no announcement is no announcement delivered.
    session.add(
        OutboxMessage(
            kind="text", chat_id=people[0].telegram_id, person_id=people[0].id, status="sent",
            sent_at=now - timedelta(days=1),
        )
    )  # fmt: skip
    await session.flush()
    return Seeded(wijk_ids, group_chat_id)


_TIMES = (bindparam("s", type_=UTCDateTime()), bindparam("e", type_=UTCDateTime()))


async def _one(session: AsyncSession, sql: str, **params: object) -> int:
    """Run one counting query."""
    query = text(sql).bindparams(*[b for b in _TIMES if b.key in params])
    return int(await session.scalar(query, params) or 0)


@dataclass
class Plain:
    """What the plain queries found for one wijk and category."""

    requests: int
    accepted: int
    done: int
    expired: int
    cancelled: int
    feedback: int
    feedback_sum: int
    median_minutes: float | None


async def plain_requests(
    session: AsyncSession, wijk_id: int, category: str, start: datetime, end: datetime
) -> Plain:
    """Count one wijk's requests of one category made in [start, end), one query per figure."""
    where = "wijk_id = :w AND category = :c AND created_at >= :s AND created_at < :e"
    args = {"w": wijk_id, "c": category, "s": start, "e": end}

    async def count(extra: str = "") -> int:
        return await _one(
            session, f"SELECT count(*) FROM help_request WHERE {where}{extra}", **args
        )

    ids = f"SELECT id FROM help_request WHERE {where}"
    times = text(
        f"SELECT created_at, claimed_at FROM help_request WHERE {where} AND claimed_at IS NOT NULL"
    )
    times = times.bindparams(*_TIMES).columns(created_at=UTCDateTime(), claimed_at=UTCDateTime())
    waits = [(b - a).total_seconds() for a, b in (await session.execute(times, args)).all()]
    return Plain(
        requests=await count(),
        accepted=await count(" AND claimed_at IS NOT NULL"),
        done=await count(" AND status = 'done'"),
        expired=await count(" AND status = 'expired'"),
        cancelled=await count(" AND status = 'cancelled'"),
        feedback=await _one(
            session, f"SELECT count(*) FROM feedback WHERE request_id IN ({ids})", **args
        ),
        feedback_sum=await _one(
            session, f"SELECT sum(score) FROM feedback WHERE request_id IN ({ids})", **args
        ),
        median_minutes=statistics.median(waits) / 60 if waits else None,
    )


async def plain_waits(
    session: AsyncSession, wijk_id: int, start: datetime, end: datetime
) -> list[float]:
    """Return the seconds each accepted request of a wijk made in [start, end) waited."""
    times = text(
        "SELECT created_at, claimed_at FROM help_request WHERE wijk_id = :w"
        " AND created_at >= :s AND created_at < :e AND claimed_at IS NOT NULL"
    )
    times = times.bindparams(*_TIMES).columns(created_at=UTCDateTime(), claimed_at=UTCDateTime())
    rows = await session.execute(times, {"w": wijk_id, "s": start, "e": end})
    return [(b - a).total_seconds() for a, b in rows.all()]


@dataclass
class PlainWijk:
    activities: int
    yes: int
    waiting: int
    maybe: int
    no: int
    announcements: int


async def plain_wijk(
    session: AsyncSession, wijk_id: int | None, start: datetime, end: datetime
) -> PlainWijk:
    """Count a wijk's activities, answers and delivered announcements (None: no wijk)."""
    activities = text(
        "SELECT id, wijk_ids FROM activity WHERE status = 'published'"
        " AND starts_at >= :s AND starts_at < :e"
    ).bindparams(*_TIMES)
    rows = await session.execute(activities.columns(wijk_ids=JSON()), {"s": start, "e": end})
    mine = [i for i, wijken in rows if (wijk_id in wijken if wijk_id else not wijken)]
    answers = {}
    for name, condition in {
        "yes": "answer = 'yes' AND waiting = :f",
        "waiting": "answer = 'yes' AND waiting = :t",
        "maybe": "answer = 'maybe'",
        "no": "answer = 'no'",
    }.items():
        total = 0
        for activity_id in mine:
            sql = f"SELECT count(*) FROM rsvp WHERE activity_id = :a AND {condition}"
            total += await _one(session, sql, a=activity_id, f=False, t=True)
        answers[name] = total
    delivered = (
        "FROM outbox_message o {join} WHERE o.broadcast_id IS NOT NULL AND o.status = 'sent'"
        " AND o.sent_at >= :s AND o.sent_at < :e AND {where}"
    )
    if wijk_id is None:
        to_people = delivered.format(
            join="JOIN person p ON p.id = o.person_id", where="p.home_wijk_id IS NULL"
        )
        to_groups = delivered.format(
            join="", where="o.person_id IS NULL AND NOT EXISTS (SELECT 1 FROM group_link g"
            " WHERE g.chat_id = o.chat_id AND g.thread_id = o.thread_id)"
        )  # fmt: skip
    else:
        to_people = delivered.format(
            join="JOIN person p ON p.id = o.person_id", where="p.home_wijk_id = :w"
        )
        to_groups = delivered.format(
            join="JOIN group_link g ON g.chat_id = o.chat_id AND g.thread_id = o.thread_id",
            where="o.person_id IS NULL AND g.wijk_id = :w",
        )
    announcements = 0
    for sql in (to_people, to_groups):
        announcements += await _one(session, f"SELECT count(*) {sql}", w=wijk_id, s=start, e=end)
    return PlainWijk(len(mine), announcements=announcements, **answers)
