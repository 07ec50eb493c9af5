"""Help-request rules against the real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.areas import Wijk
from models.errors import NotAllowed, NotFound
from models.help_requests import (
    AlreadyClaimed,
    DayPart,
    Draft,
    Event,
    FollowupTimes,
    HelpRequest,
    Limits,
    NotOpen,
    OwnRequest,
    Status,
    TooFast,
    TooManyOpen,
    When,
    cancel_request,
    claim_request,
    complete_request,
    create_request,
    give_feedback,
    run_due,
    window,
    withdraw_help,
)
from models.people import Person, touch_person

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def person(session: AsyncSession, telegram_id: int) -> Person:
    """Make a person who can be messaged."""
    return await touch_person(
        session,
        telegram_id=telegram_id,
        display_name=f"P{telegram_id}",
        username=None,
        private_chat=True,
    )


async def new_request(
    sessionmaker: async_sessionmaker[AsyncSession], requester_id: int = 1, **draft: object
) -> int:
    """Store an open request in a fresh wijk; return its id."""
    async with sessionmaker.begin() as session:
        wijk = await session.scalar(select(Wijk).where(Wijk.code == "T"))
        if wijk is None:
            wijk = Wijk(code="T", name="Test")
            session.add(wijk)
            await session.flush()
        requester = await person(session, requester_id)
        values = {
            "category": "boodschappen",
            "description": "Melk halen alstublieft",
            "when_kind": When.TOMORROW,
            "wijk_id": wijk.id,
        }
        values.update(draft)
        outcome = await create_request(
            session,
            person=requester,
            draft=Draft(**values),
            now=NOW,
            tz=AMS,
            limits=Limits(),  # type: ignore[arg-type]
        )
        return outcome.request.id


async def test_twenty_claims_at_once_one_winner(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    request_id = await new_request(sessionmaker)
    async with sessionmaker.begin() as session:
        helpers = [(await person(session, 100 + i)).id for i in range(20)]

    async def claim(helper_id: int) -> str:
        async with sessionmaker.begin() as session:
            helper = await session.get(Person, helper_id)
            assert helper is not None
            try:
                await claim_request(session, request_id=request_id, helper=helper, now=NOW)
            except AlreadyClaimed:
                return "late"
            return "won"

    results = await asyncio.gather(*(claim(h) for h in helpers))
    assert sorted(results) == ["late"] * 19 + ["won"]
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, request_id)
    assert request is not None
    assert request.status == Status.CLAIMED
    assert request.helper_id in helpers
    assert request.code_word


async def test_transitions_and_who_may_make_them(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    request_id = await new_request(sessionmaker)
    async with sessionmaker.begin() as session:
        requester = await person(session, 1)
        helper = await person(session, 2)
        stranger = await person(session, 3)
    async with sessionmaker.begin() as session:
        with pytest.raises(OwnRequest):
            await claim_request(session, request_id=request_id, helper=requester, now=NOW)
        with pytest.raises(NotOpen):
            await complete_request(session, request_id=request_id, person=requester, now=NOW)
        outcome = await claim_request(session, request_id=request_id, helper=helper, now=NOW)
        assert {n.event for n in outcome.notices} == {Event.CLAIMED_HELPER, Event.CLAIMED_REQUESTER}
        with pytest.raises(NotAllowed):
            await cancel_request(session, request_id=request_id, person=stranger, now=NOW)
        with pytest.raises(NotAllowed):
            await withdraw_help(session, request_id=request_id, person=stranger, now=NOW)
        with pytest.raises(NotAllowed):
            await complete_request(session, request_id=request_id, person=stranger, now=NOW)
        outcome = await withdraw_help(session, request_id=request_id, person=helper, now=NOW)
        assert outcome.request.status == Status.OPEN
        assert outcome.request.helper_id is None
        await claim_request(session, request_id=request_id, helper=helper, now=NOW)
        outcome = await complete_request(session, request_id=request_id, person=helper, now=NOW)
        assert {n.person_id for n in outcome.notices} == {requester.id, helper.id}
        with pytest.raises(NotOpen):
            await cancel_request(session, request_id=request_id, person=requester, now=NOW)
        feedback = await give_feedback(
            session, request_id=request_id, person=requester, score=2, now=NOW
        )
        assert feedback.role == "requester"
        with pytest.raises(NotAllowed):
            await give_feedback(session, request_id=request_id, person=stranger, score=2, now=NOW)
        with pytest.raises(NotFound):
            await claim_request(session, request_id=9999, helper=helper, now=NOW)


async def test_limits(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    for _ in range(3):
        await new_request(sessionmaker)
    with pytest.raises(TooManyOpen):
        await new_request(sessionmaker)
    async with sessionmaker.begin() as session:
        for request in await session.scalars(select(HelpRequest)):
            request.status = Status.DONE
    for _ in range(2):
        await new_request(sessionmaker)
    with pytest.raises(TooFast):  # five in one day
        await new_request(sessionmaker)


async def test_follow_ups_are_due_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    times = FollowupTimes()
    claimed = await new_request(
        sessionmaker, when_kind=When.DAY, when_date=date(2026, 11, 28), day_part=DayPart.AFTERNOON
    )
    open_one = await new_request(sessionmaker, when_kind=When.TODAY)
    async with sessionmaker.begin() as session:
        helper = await person(session, 2)
        await claim_request(session, request_id=claimed, helper=helper, now=NOW)

    async def due(at: datetime) -> list[tuple[int, Event]]:
        async with sessionmaker.begin() as session:
            outcomes = await run_due(session, now=at, times=times)
        return sorted((o.request.id, n.event) for o in outcomes for n in o.notices)

    assert await due(NOW) == []
    saturday_11 = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)  # 11:30 in Amsterdam
    found = await due(saturday_11)
    assert (claimed, Event.REMINDER_HELPER) in found
    assert (open_one, Event.EXPIRED) in found
    assert await due(saturday_11) == []  # asked again: nothing new
    evening = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)
    assert await due(evening) == [(claimed, Event.CHECKIN), (claimed, Event.CHECKIN)]
    assert await due(evening) == []


@pytest.mark.parametrize(
    ("when", "day", "part", "start", "end"),
    [
        (
            When.TOMORROW,
            None,
            None,
            datetime(2026, 11, 25, 23, 0, tzinfo=UTC),
            datetime(2026, 11, 26, 23, 0, tzinfo=UTC),
        ),
        (When.TODAY, None, None, NOW, datetime(2026, 11, 25, 23, 0, tzinfo=UTC)),
        (When.WEEK, None, None, NOW, datetime(2026, 11, 29, 23, 0, tzinfo=UTC)),
        (
            When.DAY,
            date(2026, 11, 28),
            DayPart.MORNING,
            datetime(2026, 11, 28, 7, 0, tzinfo=UTC),
            datetime(2026, 11, 28, 11, 0, tzinfo=UTC),
        ),
        # Across the change to summer time (29 March 2026): 08:00 local is 06:00 UTC.
        (
            When.DAY,
            date(2026, 3, 29),
            DayPart.MORNING,
            datetime(2026, 3, 29, 6, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 10, 0, tzinfo=UTC),
        ),
    ],
)
def test_time_windows_in_amsterdam(
    when: When, day: date | None, part: DayPart | None, start: datetime, end: datetime
) -> None:
    assert window(when, now=NOW, tz=AMS, day=day, part=part) == (start, end)


@given(
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    when=st.sampled_from([When.ASAP, When.TODAY, When.TOMORROW, When.WEEK]),
)
def test_windows_always_end_after_they_start(moment: datetime, when: When) -> None:
    start, end = window(when, now=moment, tz=AMS)
    assert start < end
    assert end - start <= timedelta(days=8)
    assert end > moment
