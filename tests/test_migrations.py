"""Migrations: upgrade from empty, down one step and back up, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import inspect

import models
from models import migrate
from models.db import create_engine
from tests.conftest import PG_URL


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


async def test_upgrade_from_empty_then_down_one_step_and_back(
    tmp_path: Path, migrated_database: str
) -> None:
    # On PostgreSQL the suite's database is reused: it is at head before and after this test.
    url = PG_URL or f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    if PG_URL:
        await asyncio.to_thread(migrate.downgrade, url, "base")
    assert await table_names(url) <= {"alembic_version"}

    await asyncio.to_thread(migrate.upgrade, url)
    expected = set(models.Base.metadata.tables) | {"alembic_version"}
    assert await table_names(url) == expected
    assert await migrate.current_revision(url) == migrate.head_revision()

    await asyncio.to_thread(migrate.downgrade, url, "-1")
    assert await migrate.current_revision(url) != migrate.head_revision()
    assert not await asyncio.to_thread(migrate.is_current, url)
    await asyncio.to_thread(migrate.upgrade, url)
    assert await table_names(url) == expected
    assert await migrate.current_revision(url) == migrate.head_revision()


def test_the_newest_revisions_read_without_alembic_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.code_heads() == frozenset(script.get_heads())


async def test_only_a_database_at_the_newest_revision_is_current(
    tmp_path: Path, migrated_database: str
) -> None:
    assert await asyncio.to_thread(migrate.is_current, migrated_database)
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    assert not await asyncio.to_thread(migrate.is_current, empty)
    older = f"sqlite+aiosqlite:///{tmp_path / 'older.db'}"
    await asyncio.to_thread(migrate.upgrade, older, "0001")
    assert not await asyncio.to_thread(migrate.is_current, older)


async def test_models_and_migrations_agree(db_url: str) -> None:
    """Autogenerate finds nothing to do: the migrations build exactly what the models say."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(db_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), models.Base.metadata)
        )
    await engine.dispose()
    assert diff == []
