"""The engine: SQLite runs with WAL and foreign keys on."""

from __future__ import annotations

import logging

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
