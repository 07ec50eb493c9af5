"""Where personal data lives: the tables and columns that concern a person.

Most tables reach a person through a foreign key to ``person.id``; those are found by walking
``Base.metadata``, so a new table with such a key is exported without further work. A few hold
a Telegram id instead (a private chat); they are listed here. Erasing needs a decision per table
(delete, cut the link, blank the text), so every table must appear in ``models.privacy.erase``'s
rules or in ``NO_PERSONAL_DATA``; a test fails for a table that is in neither.
"""

from __future__ import annotations

from sqlalchemy import Column, Table

from models.base import Base

PERSON_TABLE = "person"

# Columns holding a person's Telegram id (their private chat) rather than a link to person.id.
TELEGRAM_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "flow_data": ("telegram_id",),
    "outbox_message": ("chat_id",),
    "broadcast": ("report_chat_id",),
}
# Columns holding a JSON list with the Telegram id in it (PTB's conversation keys).
TELEGRAM_KEY_COLUMNS: dict[str, str] = {"conversation_state": "key"}
# Rows about whoever owns their parent row, whoever wrote them: (link column, parent table,
# the parent's owner column). A buurtassistent's note on a request is about its requester.
ABOUT_PARENT_OWNER: dict[str, tuple[str, str, str]] = {
    "request_note": ("request_id", "help_request", "requester_id"),
}
# Tables with nothing about people in them: places, information points, group message ids.
NO_PERSONAL_DATA = frozenset(
    {"wijk", "buurt", "infopoint", "request_card", "activity_card", "request_escalation"}
)


def tables() -> list[Table]:
    """Return every table, parents before children."""
    return list(Base.metadata.sorted_tables)


def person_columns(table: Table) -> list[Column]:
    """Return the columns of a table that link to a person."""
    return [
        column
        for column in table.columns
        if any(fk.column.table.name == PERSON_TABLE for fk in column.foreign_keys)
    ]


def concerns_people(table: Table) -> bool:
    """Tell whether a table links to people directly (by person.id or Telegram id)."""
    return (
        table.name == PERSON_TABLE
        or bool(person_columns(table))
        or table.name in TELEGRAM_ID_COLUMNS
        or table.name in TELEGRAM_KEY_COLUMNS
    )
