"""The escalation ladder's rules against the real database: who is told, what is due, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.areas import Wijk
from models.escalations import (
    Ladder,
    Ladders,
    Step,
    admins,
    assistants_of,
    assistants_with_wijken,
    due_steps,
    take_step,
)
from models.help_requests import HelpRequest, Status
from models.overview import overview
from models.people import Person, Role, grant_role

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def _wijk(session: AsyncSession, code: str) -> Wijk:
    wijk = Wijk(code=code, name=f"Wijk {code}")
    session.add(wijk)
    await session.flush()
    return wijk


async def _person(session: AsyncSession, telegram_id: int, *, started: bool = True) -> Person:
    person = Person(telegram_id=telegram_id, started_at=NOW if started else None)
    session.add(person)
    await session.flush()
    return person


async def _request(
    session: AsyncSession, wijk: Wijk, age: timedelta, status: Status = Status.OPEN
) -> HelpRequest:
    request = HelpRequest(
        category="boodschappen",
        description="Boodschappen doen",
        when_kind="asap",
        window_start_at=NOW - age,
        window_end_at=NOW - age + timedelta(days=1),
        wijk_id=wijk.id,
        status=status,
        created_at=NOW - age,
    )
    session.add(request)
    await session.flush()
    return request


async def test_who_hears_of_a_wijk(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        noord, zuid = await _wijk(session, "N"), await _wijk(session, "Z")
        local, city, other, blocked, silent, never, admin = [
            await _person(session, i, started=i != 6) for i in range(1, 8)
        ]
        silent.blocked_bot = True
        for person in (local, blocked, silent, never):
            await grant_role(session, person, Role.BUURTASSISTENT, wijk_id=noord.id)
        await grant_role(session, local, Role.BUURTASSISTENT, wijk_id=zuid.id)
        await grant_role(session, city, Role.BUURTASSISTENT)
        await grant_role(session, other, Role.BUURTASSISTENT, wijk_id=zuid.id)
        await grant_role(session, blocked, Role.BLOCKED)
        await grant_role(session, admin, Role.ADMIN)
        assert [p.id for p in await assistants_of(session, noord.id)] == [local.id, city.id]
        assert [p.id for p in await admins(session)] == [admin.id]
        found = {p.id: wijken for p, wijken in await assistants_with_wijken(session)}
    assert found == {local.id: {noord.id, zuid.id}, city.id: None, other.id: {zuid.id}}


async def test_due_steps_follow_each_wijks_ladder_and_happen_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ladders = Ladders(
        Ladder(timedelta(hours=4), timedelta(hours=24), timedelta(hours=24)),
        {"Z": Ladder(None, timedelta(hours=2), None)},
    )
    async with sessionmaker.begin() as session:
        noord, zuid = await _wijk(session, "N"), await _wijk(session, "Z")
        young = await _request(session, noord, timedelta(hours=3, minutes=59))
        old = await _request(session, noord, timedelta(hours=5))
        zuid_old = await _request(session, zuid, timedelta(hours=5))
        claimed = await _request(session, noord, timedelta(days=3), Status.CLAIMED)
        due = await due_steps(session, now=NOW, ladders=ladders)
        found = {(d.request.id, d.step) for d in due}
        assert found == {
            (old.id, Step.ASSISTANTS),
            (zuid_old.id, Step.ADMINS),
            (claimed.id, Step.STALLED),
        }
        assert young.id not in {d.request.id for d in due}
        for item in due:
            await take_step(session, item, told=1, now=NOW)
        assert await due_steps(session, now=NOW, ladders=ladders) == []
        figures = await overview(session, wijk_ids={noord.id}, now=NOW, ladders=ladders, oldest=1)
        assert (figures.new, figures.open, figures.stalled, figures.done) == (2, 2, 1, 0)
        assert [r.id for r, _ in figures.oldest] == [old.id]
        # A second process that missed the first one's record is refused by the database.
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await take_step(session, due[0], told=1, now=NOW)
