"""The buurtbot command, run as a real process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.telegram import FakeTelegram
from models import migrate
from models.areas import Buurt, Wijk
from models.people import get_person
from tests.conftest import PG_URL


async def buurtbot(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``python -m bot ARGS``; return the exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    code, _, err = await buurtbot("run", env={"BUURTBOT_CONFIG": str(tmp_path / "none.toml")})
    assert code == 2
    assert "file not found" in err
    code, _out, err = await buurtbot("--config", str(_write(tmp_path, "")), "run")
    assert code == 2
    assert "@BotFather" in err
    assert len(err.strip().splitlines()) == 2
    assert "Traceback" not in err


async def test_bad_config_is_reported_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, "[bot]\ntimezone = 'Nowhere/Else'\n")
    code, _, err = await buurtbot("--config", str(path), "check-config")
    assert code == 2
    assert str(path) in err
    assert "bot.timezone" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [[], ["run"], ["db"], ["db", "upgrade"], ["check-config"], ["areas"], ["areas", "import"]],
)
async def test_help_on_every_command(args: list[str]) -> None:
    code, out, _ = await buurtbot(*args, "--help")
    assert code == 0
    assert "usage: buurtbot" in out


async def test_db_upgrade_and_area_import(
    tmp_path: Path, area_files: tuple[Path, Path], db_url: str
) -> None:
    # On SQLite a brand-new file, to show "db upgrade" from nothing; on PostgreSQL the suite's
    # database, emptied for this test (db_url).
    url = PG_URL or f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env = {"BUURTBOT_DATABASE_URL": url, "BUURTBOT_CONFIG": str(_write(tmp_path, ""))}
    code, out, _ = await buurtbot("db", "upgrade", env=env)
    assert code == 0, out
    code, out, _ = await buurtbot("db", "current", env=env)
    assert migrate.head_revision() in out
    code, out, err = await buurtbot("areas", "import", *map(str, area_files), env=env)
    assert code == 0, err
    assert "Wijken: 2 added" in out
    assert "Buurten: 2 added" in out
    code, out, err = await buurtbot("areas", "import", str(area_files[1]), env=env)
    assert code == 0, err
    assert "Buurten: 0 added, 2 updated" in out
    code, _, err = await buurtbot("areas", "import", str(tmp_path / "nope.geojson"), env=env)
    assert code == 1
    assert "file not found" in err


def _write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_buurtbot_run_survives_being_killed_halfway_through_onboarding(
    tmp_path: Path,
    telegram: FakeTelegram,
    db_url: str,
    area_files: tuple[Path, Path],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The real command against the fake Telegram: kill -9 between two steps, then go on."""
    config = _write(
        tmp_path,
        f"""
[telegram]
token = "{telegram.token}"
api_base_url = "{telegram.base_url}"
api_file_url = "{telegram.base_file_url}"
poll_timeout = 1

[database]
url = "{db_url}"

[areas]
file = "{area_files[0]}"
buurten_file = "{area_files[1]}"
""",
    )

    async def start() -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config),
            "run",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        polls = len([r for r in telegram.requests if r.method == "getUpdates"])
        await telegram.wait_for(
            lambda: len([r for r in telegram.requests if r.method == "getUpdates"]) > polls,
            timeout=30,
        )
        return proc

    proc = await start()
    try:
        ann = telegram.add_user(first_name="Ann", language_code="en")
        await ann.send("/start")
        await ann.press(await ann.next_message(timeout=15), "English")
        consent = await ann.next_message(timeout=15)
        proc.kill()  # no goodbye: SIGKILL
        await proc.wait()

        proc = await start()
        await ann.press(consent, "✅ I agree")
        wijken = await ann.next_message(timeout=15)
        assert "Which wijk" in wijken.text
        await ann.next_message(timeout=15)
        await ann.press(wijken, "Noord")
        welcome = await ann.next_message(timeout=15)
        assert welcome.text.startswith("Welcome, Ann!")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
            assert proc.returncode == 0, err.decode()[-2000:]
            assert telegram.token not in err.decode()
    async with sessionmaker() as session:
        person = await get_person(session, ann.id)
        assert await session.scalar(select(func.count()).select_from(Wijk)) == 2
        assert await session.scalar(select(func.count()).select_from(Buurt)) == 2
    assert person is not None
    assert person.language == "en"
    assert person.home_wijk_id is not None
    assert telegram.rejected() == []
