"""Telegram groups (and forum topics) linked to a wijk: where request cards go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import outbox
from models.activities import ActivityCard
from models.areas import Buurt, Wijk
from models.audit import record
from models.base import Base, TimestampMixin, utcnow
from models.errors import NotFound
from models.help_requests.tables import RequestCard


class GroupLink(TimestampMixin, Base):
    """One group, or one topic of a forum group, that shows the cards of one wijk."""

    __tablename__ = "group_link"
    __table_args__ = (UniqueConstraint("chat_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # 0 for the group itself: a NULL would escape the unique constraint.
    thread_id: Mapped[int] = mapped_column(default=0)
    wijk_id: Mapped[int] = mapped_column(ForeignKey("wijk.id", ondelete="CASCADE"), index=True)
    # Set when the group is about one buurt: then only that buurt's requests come here.
    buurt_id: Mapped[int | None] = mapped_column(ForeignKey("buurt.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    unlinked_at: Mapped[datetime | None]


async def link_group(
    session: AsyncSession,
    *,
    chat_id: int,
    thread_id: int | None,
    wijk_id: int,
    title: str,
    linked_by_id: int | None,
) -> GroupLink:
    """Link a group or topic to a wijk (re-linking moves it to the new wijk)."""
    if await session.get(Wijk, wijk_id) is None:
        raise NotFound("wijk")
    thread = thread_id or 0
    link = await session.scalar(
        select(GroupLink).where(GroupLink.chat_id == chat_id, GroupLink.thread_id == thread)
    )
    if link is None:
        link = GroupLink(chat_id=chat_id, thread_id=thread, wijk_id=wijk_id)
        session.add(link)
    link.wijk_id, link.title, link.active, link.buurt_id = wijk_id, title[:255], True, None
    link.linked_by_id, link.unlinked_at = linked_by_id, None
    await session.flush()
    await record(
        session,
        "group.link",
        actor_id=linked_by_id,
        wijk_id=wijk_id,
        target=f"chat:{chat_id}",
        detail=f"thread:{thread}",
    )
    return link


async def narrow_link(
    session: AsyncSession,
    *,
    chat_id: int,
    thread_id: int | None,
    buurt_id: int,
    actor_id: int | None,
) -> tuple[GroupLink, Buurt]:
    """Make a linked group (or topic) show only one buurt of its wijk."""
    link = await session.scalar(
        select(GroupLink).where(
            GroupLink.chat_id == chat_id,
            GroupLink.thread_id == (thread_id or 0),
            GroupLink.active.is_(True),
        )
    )
    buurt = await session.get(Buurt, buurt_id)
    if link is None or buurt is None or buurt.wijk_id != link.wijk_id:
        raise NotFound("link or buurt")
    link.buurt_id = buurt.id
    await record(
        session,
        "group.link",
        actor_id=actor_id,
        wijk_id=link.wijk_id,
        target=f"chat:{chat_id}",
        detail=f"thread:{link.thread_id} buurt:{buurt.id}",
    )
    return link, buurt


async def unlink_group(
    session: AsyncSession, *, chat_id: int, thread_id: int | None, actor_id: int | None
) -> GroupLink | None:
    """Switch off the link of a group or topic; return it, or None when it was not linked."""
    link = await session.scalar(
        select(GroupLink).where(
            GroupLink.chat_id == chat_id,
            GroupLink.thread_id == (thread_id or 0),
            GroupLink.active.is_(True),
        )
    )
    if link is None:
        return None
    await _switch_off(session, link, actor_id=actor_id, detail=f"thread:{link.thread_id}")
    return link


async def unlink_chat(
    session: AsyncSession, chat_id: int, *, actor_id: int | None, reason: str
) -> list[GroupLink]:
    """Switch off every link of a chat (the bot was removed); return those that were on."""
    links = list(
        await session.scalars(
            select(GroupLink).where(GroupLink.chat_id == chat_id, GroupLink.active.is_(True))
        )
    )
    for link in links:
        await _switch_off(
            session, link, actor_id=actor_id, detail=f"thread:{link.thread_id} {reason}"
        )
    return links


async def _switch_off(
    session: AsyncSession, link: GroupLink, *, actor_id: int | None, detail: str
) -> None:
    """Switch a link off and write it to the audit log."""
    link.active, link.unlinked_at = False, utcnow()
    await record(
        session,
        "group.unlink",
        actor_id=actor_id,
        wijk_id=link.wijk_id,
        target=f"chat:{link.chat_id}",
        detail=detail,
    )


async def migrate_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """Move a group that became a supergroup: its links, posted cards and queued messages.

    Telegram announces a migration twice (in the old chat and in the new one), and a send may
    find out first; the second call finds nothing left to move and returns False.
    """
    links = list(await session.scalars(select(GroupLink).where(GroupLink.chat_id == old_chat_id)))
    taken = set(
        await session.scalars(select(GroupLink.thread_id).where(GroupLink.chat_id == new_chat_id))
    )
    for link in links:
        if link.thread_id in taken:
            await session.delete(link)  # the new chat was linked already; that link wins
        else:
            link.chat_id = new_chat_id
    moved = bool(links)
    for table in (RequestCard, ActivityCard):
        result = await session.execute(
            update(table).where(table.chat_id == old_chat_id).values(chat_id=new_chat_id)
        )
        moved = moved or bool(getattr(result, "rowcount", 0))
    await outbox.move_chat(session, old_chat_id, new_chat_id)
    if moved:
        await record(
            session,
            "group.migrate",
            actor_id=None,
            target=f"chat:{new_chat_id}",
            detail=f"from chat:{old_chat_id}",
        )
    await session.flush()
    return moved


async def active_links_of_chat(session: AsyncSession, chat_id: int) -> list[GroupLink]:
    """Return the active links of a chat: the group itself and its topics."""
    rows = await session.scalars(
        select(GroupLink)
        .where(GroupLink.chat_id == chat_id, GroupLink.active.is_(True))
        .order_by(GroupLink.thread_id)
    )
    return list(rows)


async def links_for_wijk(session: AsyncSession, wijk_id: int) -> list[GroupLink]:
    """Return the active groups and topics of a wijk."""
    rows = await session.scalars(
        select(GroupLink).where(GroupLink.wijk_id == wijk_id, GroupLink.active.is_(True))
    )
    return list(rows)


async def links_for_request(
    session: AsyncSession, wijk_id: int, buurt_id: int | None
) -> list[GroupLink]:
    """Return where a request's card goes: its wijk's groups, except those of other buurten."""
    return [
        link
        for link in await links_for_wijk(session, wijk_id)
        if link.buurt_id is None or link.buurt_id == buurt_id
    ]


async def link_of_chat(
    session: AsyncSession, chat_id: int, thread_id: int | None = None
) -> GroupLink | None:
    """Return the active link of a group (or of one of its topics)."""
    rows = await session.scalars(
        select(GroupLink).where(GroupLink.chat_id == chat_id, GroupLink.active.is_(True))
    )
    links = {link.thread_id: link for link in rows}
    return links.get(thread_id or 0) or links.get(0)


async def forget_card(session: AsyncSession, card: Any, *, unlink: bool) -> None:
    """Stop editing a posted card (a request's or an activity's).

    With unlink, the bot can no longer post in that chat at all (removed, or the chat is gone),
    so the chat's links are switched off too.
    """
    stored = await session.get(type(card), card.id)
    if stored is not None:
        await session.delete(stored)
    if unlink:
        await session.execute(
            update(GroupLink).where(GroupLink.chat_id == card.chat_id).values(active=False)
        )
