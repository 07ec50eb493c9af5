"""The SQLite connection that runs a statement in one trip: the cursor behaves as aiosqlite's.

SQLite only by nature (it is the SQLite driver); every other test on SQLite runs through it too.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from models.sqlite_driver import BufferedConnection, connect


async def test_cursor_reads_writes_and_counts(tmp_path: Path) -> None:
    connection = await connect(str(tmp_path / "driver.db"), check_same_thread=False)
    try:
        assert isinstance(connection, BufferedConnection)
        cursor = connection.cursor()
        await cursor.execute("CREATE TABLE buur (id INTEGER PRIMARY KEY, naam TEXT UNIQUE)")
        await cursor.execute("INSERT INTO buur (naam) VALUES (?)", ("Ann",))
        assert cursor.lastrowid == 1
        assert cursor.rowcount == 1
        await cursor.executemany("INSERT INTO buur (naam) VALUES (?)", [("Bo",), ("Cas",), ("🙂",)])
        assert cursor.rowcount == 3
        await cursor.execute("UPDATE buur SET naam = naam || '!' WHERE id > ?", (2,))
        assert cursor.rowcount == 2
        await cursor.execute("SELECT id, naam FROM buur ORDER BY id")
        assert [d[0] for d in cursor.description] == ["id", "naam"]
        assert await cursor.fetchone() == (1, "Ann")
        assert await cursor.fetchmany(2) == [(2, "Bo"), (3, "Cas!")]
        assert await cursor.fetchall() == [(4, "🙂!")]
        assert await cursor.fetchone() is None
        await cursor.execute("INSERT INTO buur (naam) VALUES ('Dirk') RETURNING id")
        assert await cursor.fetchall() == [(5,)]
        with pytest.raises(sqlite3.IntegrityError):
            await cursor.execute("INSERT INTO buur (naam) VALUES ('Ann')")
        await connection.commit()
    finally:
        await connection.close()
