"""The person behind an update: created or refreshed in one statement, on every update."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, cast, column, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_insert, session_dialect, utcnow
from models.people.person import Person
from models.people.roles import RoleAssignment, Roles, roles_from


@cache
def _touch_statement(dialect: str, private_chat: bool, with_roles: bool = False) -> Any:
    """Build the upsert of touch_person once per dialect, chat kind and with or without roles.

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
    if not with_roles:
        return select(Person).from_statement(upsert.returning(*Person.__table__.c))
    return select(Person, column("roles")).from_statement(
        upsert.returning(*Person.__table__.c, _ROLES_OF_ROW.label("roles"))
    )


# The row as stored now, also where the session holds an older copy of the person.
_FRESH = {"populate_existing": True}

# The roles of the row being upserted, as "role:wijk_id" pairs joined by commas (wijk_id empty
# for city-wide). SQLAlchemy does not correlate a subquery in RETURNING with the upserted table,
# so the row's id is named literally: both databases resolve it to the row being returned.
_ROLES_OF_ROW = (
    select(
        func.aggregate_strings(
            RoleAssignment.role + ":" + func.coalesce(cast(RoleAssignment.wijk_id, String), ""),
            ",",
        )
    )
    .where(RoleAssignment.person_id == literal_column("person.id"))
    .scalar_subquery()
)


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
    stmt = _touch_statement(session_dialect(session), private_chat)
    params = _params(telegram_id, display_name, username)
    result = await session.scalars(stmt, params, execution_options=_FRESH)
    return result.one()


async def touch_person_with_roles(
    session: AsyncSession,
    *,
    telegram_id: int,
    display_name: str,
    username: str | None,
    private_chat: bool,
) -> tuple[Person, Roles]:
    """Do what touch_person does and read the person's roles in the same statement.

    Most updates need both; one statement instead of two is one round trip less on PostgreSQL.
    """
    stmt = _touch_statement(session_dialect(session), private_chat, with_roles=True)
    params = _params(telegram_id, display_name, username)
    result = await session.execute(stmt, params, execution_options=_FRESH)
    person, pairs = result.one()
    return person, roles_from(_split(pairs))


def _params(telegram_id: int, display_name: str, username: str | None) -> dict[str, Any]:
    """Return the upsert's parameters."""
    return {
        "telegram_id": telegram_id,
        "display_name": display_name,
        "username": username,
        "now": utcnow(),
    }


def _split(pairs: str | None) -> list[tuple[str, int | None]]:
    """Parse "role:wijk_id,role:" into (role, wijk_id) pairs."""
    found: list[tuple[str, int | None]] = []
    for pair in (pairs or "").split(","):
        if pair:
            role, _, wijk = pair.partition(":")
            found.append((role, int(wijk) if wijk else None))
    return found
