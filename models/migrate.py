"""Run Alembic migrations from code (the CLI and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock held while migrating ("BUURTMIG"), so instances migrate one at a time.
MIGRATION_LOCK_KEY = 0x4255555254_4D4947


def alembic_config(url: str) -> AlembicConfig:
    """Build an Alembic config for the packaged migrations and this database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Date + slug file names, as the house style asks.
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database up to a revision (blocking: call outside the event loop)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database down to a revision (blocking)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """Return the newest revision in the code."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision_sync(connection: Connection) -> str | None:
    """Return the database's revision, given a sync connection."""
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(url: str) -> str | None:
    """Return the database's revision, or None for an empty database."""
    from models.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current_revision_sync)
    finally:
        await engine.dispose()
