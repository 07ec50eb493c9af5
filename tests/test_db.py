"""The engine: SQLite runs with WAL and foreign keys on."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import TokenFilter


async def test_sqlite_uses_wal_and_foreign_keys(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas; this run uses PostgreSQL")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


def test_token_is_blanked_in_log_lines() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /bot%s/getMe", ("1:abc",), None)
    assert TokenFilter("1:abc").filter(record)
    assert record.getMessage() == "GET /bot<token>/getMe"


async def test_a_connection_the_server_cut_is_replaced_without_an_error(
    engine: AsyncEngine,
) -> None:
    """A restart or failover cuts the pooled connections; the next session just works."""
    if engine.dialect.name != "postgresql":
        pytest.skip("cut connections are PostgreSQL's; this run uses SQLite")
    async with engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
    # The pooled connection is cut from outside the pool, as a server restart would.
    url = engine.url
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the socket's end reaches the driver
    for _ in range(3):  # every pooled connection, the cut one among them
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
