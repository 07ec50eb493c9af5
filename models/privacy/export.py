"""Everything stored about a person (/mijngegevens), found by walking the tables.

A row concerns a person when a column links to them (a foreign key to person.id, or their
Telegram id, see ``registry``), when it is about the owner of its parent row (a note on their
request, whoever wrote it), or when it belongs to such a row and links to no one itself (a
request's group cards). Links to *other* people are left out, so one person's export never
shows who else asked or helped.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.people import Person
from models.privacy.registry import (
    ABOUT_PARENT_OWNER,
    PERSON_TABLE,
    TELEGRAM_ID_COLUMNS,
    TELEGRAM_KEY_COLUMNS,
    concerns_people,
    person_columns,
    tables,
)

OTHER_PERSON = "someone else"

Rows = dict[str, list[dict[str, Any]]]


def _plain(value: Any) -> Any:
    """Turn a column value into something JSON can hold."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    return value


async def _rows_of(
    session: AsyncSession, table: Table, person: Person, found: dict[str, set[Any]]
) -> list[dict[str, Any]]:
    """Return the rows of one table that concern the person."""
    if table.name == PERSON_TABLE:
        condition = table.c.id == person.id
    elif concerns_people(table):
        conditions = [c == person.id for c in person_columns(table)]
        conditions += [
            table.c[name] == person.telegram_id for name in TELEGRAM_ID_COLUMNS.get(table.name, ())
        ]
        key = TELEGRAM_KEY_COLUMNS.get(table.name)
        if key is not None:
            conditions.append(table.c[key].contains(str(person.telegram_id)))
        if table.name in ABOUT_PARENT_OWNER:
            link, parent_name, owner = ABOUT_PARENT_OWNER[table.name]
            parent = table.metadata.tables[parent_name]
            owned = select(parent.c.id).where(parent.c[owner] == person.id)
            conditions.append(table.c[link].in_(owned))
        condition = or_(*conditions) if conditions else false()
    else:
        # A child of rows found already (e.g. a request's group cards), linking to no one itself.
        conditions = [
            column.in_(found[fk.column.table.name])
            for column in table.columns
            for fk in column.foreign_keys
            if found.get(fk.column.table.name)
        ]
        if not conditions:
            return []
        condition = or_(*conditions)
    result = await session.execute(select(table).where(condition))
    rows = [dict(row._mapping) for row in result]
    key = TELEGRAM_KEY_COLUMNS.get(table.name)
    if key is not None:
        rows = [r for r in rows if person.telegram_id in json.loads(r[key])]
    primary = list(table.primary_key.columns)
    if len(primary) == 1:
        found[table.name] = {r[primary[0].name] for r in rows}
    links = {c.name for c in person_columns(table)}
    return [
        {
            name: (
                OTHER_PERSON if name in links and value not in (None, person.id) else _plain(value)
            )
            for name, value in row.items()
        }
        for row in rows
    ]


async def personal_rows(session: AsyncSession, person: Person) -> Rows:
    """Return, per table, every row that concerns the person (tables without any left out)."""
    found: dict[str, set[Any]] = {}
    collected: Rows = {}
    for table in tables():
        rows = await _rows_of(session, table, person, found)
        if rows:
            collected[table.name] = rows
    return collected


def to_json(rows: Rows, *, about: dict[str, Any]) -> bytes:
    """Render the export as a readable UTF-8 JSON document."""
    document = {"about": about, "tables": rows}
    # default=str: a column type added later still ends up in the file, as text.
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")
