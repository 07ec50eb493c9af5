"""The person behind an update: created or refreshed in one statement, on every update."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_insert, session_dialect, utcnow
from models.people.person import Person


@cache
def _touch_statement(dialect: str, private_chat: bool) -> Any:
    """Build the upsert of touch_person once per dialect and chat kind.

    It runs on every update; a statement built anew each time costs more to build and to key
    for SQLAlchemy's compile cache than the database takes to run it.
    """
    insert = dialect_insert(dialect)
    now = bindparam("now", type_=Person.__table__.c.last_seen_at.type)
    stmt = insert(Person).values(
        telegram_id=bindparam("telegram_id", type_=BigInteger()),
        display_name=bindparam("display_name", type_=String()),
        username=bindparam("username", type_=String()),
        last_seen_at=now,
        started_at=now if private_chat else None,
        blocked_bot=False,
        created_at=now,
        updated_at=now,
    )
    changes: dict[str, Any] = {
        "display_name": func.coalesce(
            func.nullif(stmt.excluded.display_name, ""), Person.display_name
        ),
        "username": stmt.excluded.username,
        "last_seen_at": stmt.excluded.last_seen_at,
        "updated_at": stmt.excluded.updated_at,
    }
    if private_chat:
        # Writing to the bot in private means Telegram lets the bot write back.
        changes["started_at"] = func.coalesce(Person.started_at, stmt.excluded.started_at)
        changes["blocked_bot"] = False
    upsert = stmt.on_conflict_do_update(index_elements=["telegram_id"], set_=changes)
    # Read back as an ORM select: cheaper than the ORM's bulk-insert path for one row.
    return select(Person).from_statement(upsert.returning(*Person.__table__.c))


async def touch_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    display_name: str,
    username: str | None,
    private_chat: bool,
) -> Person:
    """Create or refresh the person behind an update, in one statement.

    INSERT ... ON CONFLICT DO UPDATE is atomic, so two first updates at once make one person,
    and it locks the row for the rest of the transaction on PostgreSQL.
    """
    dialect = session_dialect(session)
    params = {
        "telegram_id": telegram_id,
        "display_name": display_name,
        "username": username,
        "now": utcnow(),
    }
    stmt = _touch_statement(dialect, private_chat)
    result = await session.scalars(stmt, params, execution_options={"populate_existing": True})
    return result.one()
