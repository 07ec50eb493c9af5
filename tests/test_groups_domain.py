"""Roles and group links against the real database: revoking, the last admin, migrating."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import outbox
from models.areas import Buurt, Wijk
from models.audit import entries
from models.errors import NotFound
from models.groups import (
    GroupLink,
    link_group,
    links_for_request,
    migrate_chat,
    narrow_link,
    unlink_chat,
    unlink_group,
)
from models.outbox import Kind, OutboxMessage
from models.people import Person, Role, grant_role, touch_person
from models.role_changes import (
    LastAdmin,
    ensure_not_last_admin,
    find_by_username,
    recent_people,
    revoke_role,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def person(
    session: AsyncSession, telegram_id: int, name: str, username: str | None = None
) -> Person:
    """Create a person."""
    return await touch_person(
        session, telegram_id=telegram_id, display_name=name, username=username, private_chat=True
    )


async def test_revoking_and_the_last_admin(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        ann, bob = await person(session, 1, "Ann"), await person(session, 2, "Bob")
        await grant_role(session, ann, Role.ADMIN)
        assert not await revoke_role(session, ann, Role.VOLUNTEER)
        with pytest.raises(LastAdmin):
            await revoke_role(session, ann, Role.ADMIN)
        with pytest.raises(LastAdmin):
            await ensure_not_last_admin(session, ann)
        # A blocked admin is no admin to fall back on.
        await grant_role(session, bob, Role.ADMIN)
        await grant_role(session, bob, Role.BLOCKED)
        with pytest.raises(LastAdmin):
            await revoke_role(session, ann, Role.ADMIN)
        assert await revoke_role(session, bob, Role.BLOCKED)
        assert await revoke_role(session, ann, Role.ADMIN)
        await grant_role(session, bob, Role.BUURTASSISTENT, wijk_id=None)
        assert not await revoke_role(session, bob, Role.BUURTASSISTENT, wijk_id=5)
        assert await revoke_role(session, bob, Role.BUURTASSISTENT)


async def test_people_by_username_and_recent(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        await person(session, 1, "Ann", "Ann_N")
        await person(session, 2, "", None)  # nameless: not offered
        await person(session, 3, "Cem")
        found = await find_by_username(session, "@ann_n")
        assert found is not None
        assert found.display_name == "Ann"
        assert await find_by_username(session, "nobody") is None
        assert {p.display_name for p in await recent_people(session)} == {"Ann", "Cem"}


async def test_links_unlink_and_migrate(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        session.add(Wijk(code="N", name="Noord"))
        await session.flush()
        wijk = await session.scalar(select(Wijk))
        assert wijk is not None
        for chat, thread in ((-1, 0), (-1, 7), (-100, 0)):
            await link_group(
                session,
                chat_id=chat,
                thread_id=thread,
                wijk_id=wijk.id,
                title="",
                linked_by_id=None,
            )
        assert await unlink_group(session, chat_id=-1, thread_id=7, actor_id=None) is not None
        assert await unlink_group(session, chat_id=-1, thread_id=7, actor_id=None) is None
        await outbox.enqueue(session, kind=Kind.TEXT, chat_id=-1, now=NOW, payload={"text": "x"})
        # -100 was linked already: its own link wins, the old chat's duplicate goes.
        assert await migrate_chat(session, -1, -100)
        assert not await migrate_chat(session, -1, -100)
        rows = list(await session.scalars(select(GroupLink).order_by(GroupLink.thread_id)))
        assert [(r.chat_id, r.thread_id, r.active) for r in rows] == [
            (-100, 0, True),
            (-100, 7, False),
        ]
        assert (await session.scalar(select(OutboxMessage))).chat_id == -100  # type: ignore[union-attr]
        removed = await unlink_chat(session, -100, actor_id=None, reason="bot removed")
        assert [link.thread_id for link in removed] == [0]
        actions = [e.action for e in await entries(session)]
    assert actions == [
        "group.link",
        "group.link",
        "group.link",
        "group.unlink",
        "group.migrate",
        "group.unlink",
    ]


async def test_a_link_narrowed_to_one_buurt(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        noord, zuid = Wijk(code="N", name="Noord"), Wijk(code="Z", name="Zuid")
        session.add_all([noord, zuid])
        await session.flush()
        west = Buurt(code="N1", name="West", wijk_id=noord.id)
        elsewhere = Buurt(code="Z1", name="Elders", wijk_id=zuid.id)
        session.add_all([west, elsewhere])
        await session.flush()
        for chat in (-1, -2):
            await link_group(
                session, chat_id=chat, thread_id=0, wijk_id=noord.id, title="", linked_by_id=None
            )
        with pytest.raises(NotFound):  # a buurt of another wijk
            await narrow_link(
                session, chat_id=-1, thread_id=0, buurt_id=elsewhere.id, actor_id=None
            )
        with pytest.raises(NotFound):  # a chat that is not linked
            await narrow_link(session, chat_id=-9, thread_id=0, buurt_id=west.id, actor_id=None)
        await narrow_link(session, chat_id=-1, thread_id=0, buurt_id=west.id, actor_id=None)
        chats = {link.chat_id for link in await links_for_request(session, noord.id, west.id)}
        assert chats == {-1, -2}
        assert {link.chat_id for link in await links_for_request(session, noord.id, None)} == {-2}
        # Linking to a wijk again shows the whole wijk again.
        await link_group(
            session, chat_id=-1, thread_id=0, wijk_id=noord.id, title="", linked_by_id=None
        )
        assert {link.chat_id for link in await links_for_request(session, noord.id, None)} == {
            -1,
            -2,
        }
