"""Alembic environment: run migrations with the project's async engine."""

from __future__ import annotations

import asyncio
from typing import Literal

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import models
from models.base import UTCDateTime
from models.db import create_engine
from models.migrate import MIGRATION_LOCK_KEY

config = context.config
target_metadata = models.Base.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    """Write our UTC timestamp type as a plain DateTime, so migrations need no app imports."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on one connection."""
    # Batch mode lets ALTER TABLE work on SQLite, which cannot alter most constraints.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """Connect with the async engine and run the migrations."""
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Several instances may start at once: one migrates, the others wait here and
                # then find nothing left to do. The lock ends with this transaction.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
