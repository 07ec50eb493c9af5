"""The event loop the bot runs on: uvloop where it is installed, else asyncio's own.

uvloop does the loop's own work (sockets, timers, callbacks) in C. For the bot that is the
reading and writing of every Bot API call and every database round trip: about a twentieth of
its CPU per update in the realistic mix of bench/throughput.py. It is a dependency on Linux and
macOS; elsewhere (Windows) the bot runs on asyncio's loop.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["EVENT_LOOPS", "loop_factory", "run", "uvloop_installed"]

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]

# "auto": uvloop if it is installed; "uvloop": uvloop or refuse to start; "asyncio": never uvloop.
EVENT_LOOPS = ("auto", "uvloop", "asyncio")


def uvloop_installed() -> bool:
    """Tell whether uvloop can be imported here."""
    return importlib.util.find_spec("uvloop") is not None


def loop_factory(choice: str = "auto") -> LoopFactory:
    """Return what makes the loop for a configured ``bot.event_loop``."""
    if choice == "asyncio" or (choice == "auto" and not uvloop_installed()):
        return asyncio.new_event_loop
    import uvloop  # checked at start (bot/config_check.py) when asked for by name

    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], choice: str = "auto") -> T:
    """Run a coroutine to the end on a new loop of the chosen kind, as asyncio.run() does."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)
