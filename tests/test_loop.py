"""The event loop: uvloop where it is installed, asyncio's own when asked for (bot/loop.py)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot import loop


async def _loop_kind() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not exist for Windows")
def test_uvloop_is_installed_with_the_bot() -> None:
    # pyproject.toml asks for it on every platform but Windows: without it "auto" falls back
    # silently, and the bot would be slower without anyone noticing.
    assert loop.uvloop_installed()


@pytest.mark.skipif(not loop.uvloop_installed(), reason="uvloop is not installed here")
def test_auto_and_uvloop_run_on_uvloop() -> None:
    assert loop.run(_loop_kind(), "auto").startswith("uvloop")
    assert loop.run(_loop_kind(), "uvloop").startswith("uvloop")


def test_asyncio_runs_on_asyncios_own_loop() -> None:
    assert loop.run(_loop_kind(), "asyncio").startswith("asyncio")


async def test_the_tests_run_on_the_bots_loop() -> None:
    expected = "uvloop" if loop.uvloop_installed() else "asyncio"
    assert (await _loop_kind()).startswith(expected)
