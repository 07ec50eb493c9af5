"""The figures of /stats against plain SQL counts on a month of made-up data."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import RequestsConfig
from bot.i18n import translator
from handlers.stats.render import render
from models.areas import Wijk
from models.help_requests import HelpRequest
from models.people import Person, Role, Roles
from models.stats import (
    NO_WIJK,
    Period,
    RequestFigures,
    Stats,
    WijkFigures,
    compute,
    span,
    visible_wijken,
)
from models.stats_csv import ALL, CSV_COLUMNS, to_csv
from tests.stats_seed import (
    CATEGORIES,
    SECRET,
    plain_requests,
    plain_waits,
    plain_wijk,
    seed_month,
)

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_periods_are_whole_local_days_months_and_years() -> None:
    def local(period: Period) -> tuple[str, str]:
        when = span(period, now=NOW, tz=AMS)
        return when.start.astimezone(AMS).isoformat(), when.end.astimezone(AMS).isoformat()

    assert local(Period.LAST_7_DAYS) == ("2026-11-19T00:00:00+01:00", "2026-11-26T00:00:00+01:00")
    assert local(Period.LAST_30_DAYS)[0] == "2026-10-27T00:00:00+01:00"
    assert local(Period.THIS_MONTH) == ("2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00")
    # October starts in summer time and ends in winter time.
    assert local(Period.LAST_MONTH) == ("2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00")
    assert local(Period.THIS_YEAR) == ("2026-01-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00")
    december = span(Period.THIS_MONTH, now=datetime(2026, 12, 31, 12, tzinfo=UTC), tz=AMS)
    assert december.end.astimezone(AMS).isoformat() == "2027-01-01T00:00:00+01:00"
    # Just after midnight in Amsterdam, it is still the day before in UTC.
    early = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert span(Period.THIS_MONTH, now=early, tz=AMS).start == datetime(
        2026, 11, 30, 23, tzinfo=UTC
    )


def test_who_sees_which_wijken() -> None:
    admin = Roles(frozenset({Role.ADMIN}), {})
    assistant = Roles(
        frozenset(), {3: frozenset({Role.BUURTASSISTENT}), 4: frozenset({Role.VOLUNTEER})}
    )
    city_assistant = Roles(frozenset({Role.BUURTASSISTENT}), {})
    blocked = Roles(frozenset({Role.ADMIN, Role.BLOCKED}), {})
    assert visible_wijken(admin) is None
    assert visible_wijken(city_assistant) is None
    assert visible_wijken(assistant) == {3}
    assert visible_wijken(Roles(frozenset({Role.VOLUNTEER}), {})) == set()
    assert visible_wijken(blocked) == set()


async def _wijken(session: AsyncSession) -> list[int]:
    ids = []
    for code, name in (("A", "Aa & <Oost>"), ("B", "Bilt"), ("C", "Centrum")):
        wijk = Wijk(code=code, name=name)
        session.add(wijk)
        await session.flush()
        ids.append(wijk.id)
    return ids


@pytest.mark.parametrize("period", [Period.LAST_30_DAYS, Period.LAST_MONTH, Period.THIS_MONTH])
async def test_figures_equal_plain_counts(
    sessionmaker: async_sessionmaker[AsyncSession], period: Period
) -> None:
    async with sessionmaker.begin() as session:
        wijk_ids = await _wijken(session)
        await seed_month(session, wijk_ids=wijk_ids, now=NOW)
    when = span(period, now=NOW, tz=AMS)
    async with sessionmaker() as session:
        stats = await compute(session, when)
        by_id = {w.wijk_id: w for w in stats.wijken}
        assert [w.name for w in stats.wijken] == ["Aa & <Oost>", "Bilt", "Centrum", ""]
        seen_requests, every_wait = 0, []
        for wijk_id in wijk_ids:
            wijk_counts = [0, 0, 0]
            for category in CATEGORIES:
                plain = await plain_requests(session, wijk_id, category, when.start, when.end)
                got = by_id[wijk_id].categories.get(category)
                if plain.requests == 0:
                    assert got is None
                    continue
                assert got is not None
                seen_requests += got.requests
                wijk_counts[0] += plain.requests
                wijk_counts[1] += plain.accepted
                wijk_counts[2] += plain.feedback_sum
                assert (got.requests, got.accepted, got.done) == (
                    plain.requests,
                    plain.accepted,
                    plain.done,
                )
                assert (got.expired, got.cancelled) == (plain.expired, plain.cancelled)
                assert (got.feedback, got.feedback_score_sum) == (
                    plain.feedback,
                    plain.feedback_sum,
                )
                assert got.median_minutes == pytest.approx(plain.median_minutes)
            # A wijk's median is over all its requests, not a sum or mean of its categories'.
            total = by_id[wijk_id].requests
            assert [total.requests, total.accepted, total.feedback_score_sum] == wijk_counts
            waits = await plain_waits(session, wijk_id, when.start, when.end)
            every_wait += waits
            assert total.median_minutes == pytest.approx(statistics.median(waits) / 60)
        assert seen_requests > 20  # the seed reaches into every period tested
        assert stats.requests.requests == seen_requests
        assert stats.requests.median_minutes == pytest.approx(statistics.median(every_wait) / 60)
        for wijk_id in [*wijk_ids, None]:
            plain_w = await plain_wijk(session, wijk_id, when.start, when.end)
            got_w = by_id[wijk_id or NO_WIJK]
            assert (got_w.activities, got_w.announcements) == (
                plain_w.activities,
                plain_w.announcements,
            )
            assert (got_w.rsvp_yes, got_w.rsvp_waiting, got_w.rsvp_maybe, got_w.rsvp_no) == (
                plain_w.yes,
                plain_w.waiting,
                plain_w.maybe,
                plain_w.no,
            )
        assert sum(w.announcements for w in stats.wijken) > 0
        assert sum(w.activities for w in stats.wijken) > 0


async def test_medians_of_even_odd_one_and_no_waits_per_category_wijk_and_all(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    minute = timedelta(minutes=1)
    async with sessionmaker.begin() as session:
        a, b, c = await _wijken(session)
        person = Person(telegram_id=7_100_000, display_name="P", started_at=NOW)
        session.add(person)
        await session.flush()
        for i, (wijk_id, category, waited) in enumerate(
            [
                # Even: the mean of the middle two. Times to the microsecond, as stored.
                (a, "vervoer", 10 * minute),
                (a, "vervoer", 20 * minute + timedelta(seconds=0.5)),
                (a, "vervoer", 30 * minute + timedelta(seconds=0.25)),
                (a, "vervoer", 40 * minute),
                (a, "klusje", 5 * minute),  # one
                (a, "klusje", None),  # not accepted: counted, but no wait
                (b, "boodschappen", -3 * minute),  # a clock that was off: waited 0
                (b, "boodschappen", 60 * minute),
                (b, "gezelschap", 90 * minute),
                (c, "vervoer", None),  # no request accepted in the wijk
            ]
        ):
            created = NOW - timedelta(days=2, hours=i, microseconds=123_456)
            session.add(_request(person.id, wijk_id, category, created, waited))
        # Made before the period: in no figure.
        session.add(_request(person.id, a, "vervoer", NOW - timedelta(days=40), minute))
    when = span(Period.LAST_30_DAYS, now=NOW, tz=AMS)
    async with sessionmaker() as session:
        every = await compute(session, when)
        some = await compute(session, when, wijk_ids=[a, c])
        none_accepted = await compute(session, when, wijk_ids=[c])

    def seconds(figures: RequestFigures) -> float | None:
        return figures.median_seconds

    # SQLite reads times to the millisecond.
    near = {"abs": 0.001}
    by_id = {w.wijk_id: w for w in every.wijken}
    assert seconds(by_id[a].categories["vervoer"]) == pytest.approx(1500.375, **near)
    assert seconds(by_id[a].categories["klusje"]) == pytest.approx(300, **near)
    assert seconds(by_id[a].requests) == pytest.approx(1200.5, **near)  # five: the third
    assert seconds(by_id[b].categories["boodschappen"]) == pytest.approx(1800, **near)
    assert seconds(by_id[b].requests) == pytest.approx(3600, **near)
    assert seconds(by_id[c].categories["vervoer"]) is None
    assert seconds(by_id[c].requests) is None
    # Eight waits over the wijken: the mean of the fourth and the fifth.
    assert seconds(every.requests) == pytest.approx(1500.375, **near)
    assert (every.requests.requests, every.requests.accepted) == (10, 8)
    assert (by_id[a].requests.requests, by_id[a].requests.accepted) == (6, 5)
    assert by_id[a].categories["klusje"].accepted == 1
    assert seconds(some.requests) == pytest.approx(1200.5, **near)
    assert (some.requests.requests, some.requests.accepted) == (7, 5)
    assert seconds(none_accepted.requests) is None
    assert (none_accepted.requests.requests, none_accepted.requests.accepted) == (1, 0)


def _request(
    person_id: int, wijk_id: int, category: str, created: datetime, waited: timedelta | None
) -> HelpRequest:
    return HelpRequest(
        requester_id=person_id,
        category=category,
        description="x",
        when_kind="asap",
        window_start_at=created,
        window_end_at=created + timedelta(days=60),
        wijk_id=wijk_id,
        status="claimed" if waited is not None else "open",
        claimed_at=None if waited is None else created + waited,
        created_at=created,
        updated_at=created,
    )


async def test_one_wijk_only_and_the_csv(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        wijk_ids = await _wijken(session)
        await seed_month(session, wijk_ids=wijk_ids, now=NOW)
    when = span(Period.LAST_30_DAYS, now=NOW, tz=AMS)
    async with sessionmaker() as session:
        stats = await compute(session, when, wijk_ids=[wijk_ids[1]])
        everything = await compute(session, when)
    assert [w.name for w in stats.wijken] == ["Bilt"]
    assert stats.wijken[0] == everything.wijken[1]

    document = to_csv(everything)
    assert document.startswith(b"\xef\xbb\xbf")
    assert SECRET.encode() not in document
    assert b"Geheime Naam" not in document
    rows = list(csv.DictReader(io.StringIO(document.decode("utf-8-sig"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    for wijk in everything.wijken:
        mine = [r for r in rows if r["wijk_code"] == wijk.code]
        assert [r["category"] for r in mine] == [*sorted(wijk.categories), ALL]
        summary = mine[-1]
        total = wijk.requests
        assert int(summary["requests"]) == total.requests
        assert int(summary["done"]) == total.done
        assert int(summary["activities"]) == wijk.activities
        assert int(summary["announcements_delivered"]) == wijk.announcements
        for row in mine[:-1]:
            figures = wijk.categories[row["category"]]
            assert int(row["accepted"]) == figures.accepted
            assert row["median_minutes_to_accept"] == (
                f"{figures.median_minutes:.1f}" if figures.median_minutes is not None else ""
            )


def test_the_message_in_english_with_nothing_and_with_figures() -> None:
    when = span(Period.THIS_MONTH, now=NOW, tz=AMS)
    empty = Stats(when, [WijkFigures(1, "N", "North <1>")])
    text = render(translator("en"), empty, AMS, RequestsConfig())
    assert "<b>📊 Figures: This month</b>\n01-11-2026 to 30-11-2026" in text
    assert "<b>North &lt;1&gt;</b>\nNo requests." in text

    figures = RequestFigures(requests=4, accepted=3, done=2, expired=1, feedback=2)
    figures.feedback_score_sum, figures.median_seconds = 5, 60 * 60 * 5
    wijk = WijkFigures(
        1, "N", "North", categories={"vervoer": figures}, requests=figures, activities=1
    )
    wijk.rsvp_yes, wijk.announcements = 3, 9
    text = render(translator("en"), Stats(when, [wijk]), AMS, RequestsConfig())
    assert "Requests: 4 · accepted 75% · done 50% · expired 1" in text
    assert "Time until a helper accepts (median): 5 hours" in text
    assert "Feedback: 2, on average 2.5 out of 3" in text
    assert "Activities: 1 · coming 3 · waitlist 0 · maybe 0 · not coming 0" in text
    assert "Announcements delivered: 9" in text
    dutch = render(translator("nl"), Stats(when, [wijk]), AMS, RequestsConfig())
    assert "gemiddeld 2,5 van de 3" in dutch
