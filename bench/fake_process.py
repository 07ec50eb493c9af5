"""The fake Telegram and its simulated people in a process of their own.

In a thread of the bot's process (bench_updates.FakeThread), the fake is a second busy Python
thread: every call by which the bot lets go of the GIL (each SQLite call, each socket read and
write) hands the GIL to the fake and waits to get it back, which no deployment does. Here the
fake runs in another process, as Telegram runs on another machine, and the bot's process has
nothing but the bot.

The parent sends one JSON line per command on the child's stdin and reads one JSON line back:
``start``, ``add_group``, ``calls``, ``cpu``, ``load`` (``mix`` or ``echo``), ``latencies``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any, Self

BENCH = Path(__file__).resolve().parent
SELF = str(BENCH / "fake_process.py")


class FakeProcess:
    """Start the fake in a child process; call(op, **args) runs one command there."""

    def __init__(self, *, flood_control: bool) -> None:
        self._flood_control = flood_control
        self._child: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        # What a bot needs to reach the fake: token, base_url, base_file_url.
        self.endpoint = SimpleNamespace()

    async def __aenter__(self) -> Self:
        self._child = await asyncio.create_subprocess_exec(
            sys.executable,
            SELF,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,  # the latencies come back in one line
        )
        self.endpoint = SimpleNamespace(
            **await self.call("start", flood_control=self._flood_control)
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        child = self._child
        if child is None:
            return
        if child.returncode is None:
            assert child.stdin is not None
            child.stdin.close()  # the child stops its fake and exits at the end of its input
            try:
                await asyncio.wait_for(child.wait(), 10)
            except TimeoutError:
                child.kill()
                await child.wait()

    async def call(self, op: str, **args: Any) -> Any:
        """Run one command in the child and return its answer."""
        assert self._child is not None
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        async with self._lock:
            self._child.stdin.write((json.dumps({"op": op, **args}) + "\n").encode())
            await self._child.stdin.drain()
            line = await self._child.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake's process ended during {op!r}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the fake's process failed {op!r}: {answer['error']}")
        return answer["result"]


async def _serve() -> None:
    """Read commands from stdin, run them against one fake, answer on stdout."""
    sys.path.insert(0, str(BENCH))
    sys.path.insert(0, str(BENCH.parent))
    # Imported here: only the child needs the loads, and they need the paths above.
    import throughput

    from bot.sandbox.telegram import FakeTelegram

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    fake: FakeTelegram | None = None
    out = sys.stdout.buffer
    while line := await reader.readline():
        command = json.loads(line)
        op = command.pop("op")
        try:
            if op == "start":
                fake = await FakeTelegram(flood_control=command["flood_control"]).start()
                result: Any = {
                    "token": fake.token,
                    "base_url": fake.base_url,
                    "base_file_url": fake.base_file_url,
                }
            else:
                assert fake is not None, "start first"
                result = await _run(throughput, fake, op, command)
            answer = {"result": result}
        except Exception as exc:  # the parent prints it and stops the run
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write((json.dumps(answer) + "\n").encode())
        out.flush()
    if fake is not None:
        await fake.stop()


async def _run(throughput: Any, fake: Any, op: str, args: dict[str, Any]) -> Any:
    """Run one command other than start."""
    if op == "add_group":
        return fake.add_group(title=args["title"], members=[]).id
    if op == "calls":
        return await throughput._calls(fake)
    if op == "cpu":
        times = os.times()
        return times.user + times.system  # this process is the fake and its people only
    if op == "load":
        if args["kind"] == "mix":
            updates, wall, mark = await throughput.mix_in_linked_group(fake, args["people"])
        else:
            updates, wall, mark = await throughput.echo_load(
                fake, args["people"], args["per_person"]
            )
        return [updates, wall, mark]
    if op == "latencies":
        return await throughput._latencies(fake, args["mark"])
    raise ValueError(f"unknown command {op!r}")


if __name__ == "__main__":
    asyncio.run(_serve())
