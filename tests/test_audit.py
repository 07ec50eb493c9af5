"""The audit log and the blocked role, against the real database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.audit import AuditEntry, entries, record, to_csv
from models.people import Person, Role, grant_role, roles_of, touch_person


async def _person(session: AsyncSession, telegram_id: int) -> Person:
    return await touch_person(
        session, telegram_id=telegram_id, display_name="X", username=None, private_chat=True
    )


async def test_record_filter_and_csv(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        admin = await _person(session, 1)
        ann = await _person(session, 2)
        bob = await _person(session, 3)
        early = datetime(2026, 11, 1, tzinfo=UTC)
        await record(session, "role.grant", actor_id=admin.id, subject_person_id=ann.id, at=early)
        await record(session, "group.link", actor_id=admin.id, target="chat:-100", detail="x" * 999)
        await record(session, "role.grant", actor_id=ann.id, subject_person_id=bob.id)
        about_ann = await entries(session, person_id=ann.id)
        recent = await entries(session, since=datetime(2026, 11, 2, tzinfo=UTC))
        everything = await entries(session)
    assert [e.action for e in about_ann] == ["role.grant", "role.grant"]
    assert len(recent) == 2
    rows = list(csv.reader(io.StringIO(to_csv(everything).decode("utf-8-sig"))))
    assert rows[0][:3] == ["at_utc", "actor_id", "action"]
    assert len(rows) == 4
    assert len(rows[2][6]) == 255  # detail is cut to the column


async def test_deleting_a_person_keeps_the_entry_without_them(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        admin = await _person(session, 1)
        ann = await _person(session, 2)
        await record(session, "role.grant", actor_id=admin.id, subject_person_id=ann.id)
    async with sessionmaker.begin() as session:
        await session.delete(await session.get(Person, ann.id))
    async with sessionmaker() as session:
        entry = await session.scalar(select(AuditEntry))
    assert entry is not None
    assert entry.subject_person_id is None
    assert entry.actor_id == admin.id


async def test_blocked_outweighs_every_other_role(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        person = await _person(session, 5)
        await grant_role(session, person, Role.ADMIN)
        assert (await roles_of(session, person)).has(Role.BUURTASSISTENT)
        await grant_role(session, person, Role.BLOCKED)
        roles = await roles_of(session, person)
    assert roles.blocked
    assert not roles.has(Role.ADMIN)
    assert not roles.has(Role.BUURTASSISTENT, 1)
    assert roles.has(Role.BLOCKED)
