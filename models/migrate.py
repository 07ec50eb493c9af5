"""Run Alembic migrations from code (the CLI and the tests use this).

Alembic is imported only where it is used: with its templates and their syntax highlighter it
costs about a tenth of a second, which ``buurtbot run`` need not pay when the database is at the
newest revision already (every start but the first after an upgrade); see :func:`is_current`.
"""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from models.db import create_engine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock held while migrating ("BUURTMIG"), so instances migrate one at a time.
MIGRATION_LOCK_KEY = 0x4255555254_4D4947
VERSION_TABLE = "alembic_version"  # Alembic's default
# The header lines of a migration file (see migrations/script.py.mako).
_HEADER = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(url: str) -> AlembicConfig:
    """Build an Alembic config for the packaged migrations and this database."""
    from alembic.config import Config as AlembicConfig  # lazily: see the module docstring

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Date + slug file names, as the house style asks.
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database up to a revision (blocking: call outside the event loop).

    A database at the newest revision already is left alone without starting Alembic; anything
    else (empty, older, unknown revisions) goes through Alembic, under the migration lock.
    """
    if revision == "head" and is_current(url):
        return
    from alembic import command  # lazily: see the module docstring

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database down to a revision (blocking)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """Return the newest revision in the code."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def code_heads() -> frozenset[str] | None:
    """Return the revisions no migration builds on, read from the files without Alembic.

    None when a file does not have the header the template writes: then only Alembic can tell.
    Alembic loads every ``.py`` in versions/ but ``__init__.py``; so does this.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name.startswith("__init__"):
            continue
        header = dict(m.groups() for m in _HEADER.finditer(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(header["revision"])
            down = ast.literal_eval(header.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        revised.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - revised)


def is_current(url: str) -> bool:
    """Tell whether the database is at the newest revision (blocking).

    Read without the migration lock: an instance migrating holds its version row in an open
    transaction, so until it commits this sees the older revision and goes on to Alembic, which
    waits for the lock.
    """
    heads = code_heads()
    if not heads:
        return False
    return asyncio.run(_database_revisions(url)) == heads


async def _database_revisions(url: str) -> frozenset[str]:
    """Return the revisions in the database's version table (none for an empty database)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_revisions_sync)
    finally:
        await engine.dispose()


def _revisions_sync(connection: Connection) -> frozenset[str]:
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # noqa: S608
    return frozenset(str(row[0]) for row in rows)


def current_revision_sync(connection: Connection) -> str | None:
    """Return the database's revision, given a sync connection."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(url: str) -> str | None:
    """Return the database's revision, or None for an empty database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current_revision_sync)
    finally:
        await engine.dispose()
