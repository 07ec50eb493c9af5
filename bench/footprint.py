"""Start-up time and memory of a real ``buurtbot run`` process.

A script, not a test: it starts the fake Telegram in this process and ``python -m bot run`` as a
child against it (SQLite in a temp dir, or --database-url), then prints:

1. the time from starting the process until its first getUpdates reaches the fake (imports,
   migrations, areas, menus included; target under 2 s), for a fresh database and then for the
   migrated one, --starts (5) times each (a new SQLite file each time; with --database-url only
   the first start finds an empty database), and the medians;
   The bot's own modules are compiled to bytecode first, as an installed bot has them (pip
   compiles a package at install, and a bot writes its caches at its first start): where
   PYTHONDONTWRITEBYTECODE is set, as on our build machines, nothing would write them, and every
   start would compile the sources again (about a quarter of the start-up on this machine).
2. the process's resident memory (RSS) before and after --updates (10,000) updates, and its
   peak (target under 150 MB after 10,000); --updates 0 skips this part.

    .venv/bin/python bench/footprint.py [--starts 5] [--updates 10000] [--people 100]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox.areas import write_area_files
from bot.sandbox.telegram import FakeTelegram
from tests.instances import Instance, write_config


def memory_mb(pid: int) -> tuple[float, float]:
    """Return the resident and the peak resident memory of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def first_poll(fake: FakeTelegram, config: Path) -> tuple[Instance, float]:
    """Start the bot; return it and the seconds until its first getUpdates reached the fake.

    The fake records a getUpdates only when it answers, a long poll (poll_timeout) later, so this
    waits for the poll to be open instead; first for the previous instance's poll to end.
    """
    await fake.wait_for(lambda: not fake.is_polling, 30)
    start = time.monotonic()
    instance = await Instance("bot", config).start()
    try:
        await fake.wait_for(lambda: fake.is_polling, 30)
    except AssertionError:
        raise SystemExit(f"the bot did not start polling:\n{instance.log[-3000:]}") from None
    return instance, time.monotonic() - start


def compile_the_bot() -> None:
    """Write the bytecode caches of the bot's own packages (see the module's docstring)."""
    root = Path(__file__).resolve().parents[1]
    for package in ("bot", "handlers", "models"):
        compileall.compile_dir(root / package, quiet=1)


async def main(args: argparse.Namespace) -> None:
    """Measure start-up on new and on migrated databases, then memory under load."""
    with tempfile.TemporaryDirectory(prefix="buurtbot-footprint-") as tmp:
        folder = Path(tmp)
        wijken, buurten = write_area_files(folder)
        async with FakeTelegram(flood_control=False) as fake:
            new: list[float] = []
            migrated: list[float] = []
            for i in range(args.starts):
                url = args.database_url or f"sqlite+aiosqlite:///{folder}/bot{i}.db"
                config = write_config(folder / "config.toml", fake, url)
                with config.open("a", encoding="utf-8") as f:
                    f.write(
                        f'\n[areas]\nfile = "{wijken}"\nbuurten_file = "{buurten}"\n'
                        f'[bot]\nrate_limiter = false\nevent_loop = "{args.event_loop}"\n'
                        "[limits]\nupdates_burst = 10000\n"
                    )
                if i == 0 or not args.database_url:
                    instance, seconds = await first_poll(fake, config)
                    new.append(seconds)
                    instance.terminate()
                    await instance.wait()
                instance, seconds = await first_poll(fake, config)
                migrated.append(seconds)
                if i < args.starts - 1:
                    instance.terminate()
                    await instance.wait()
            print(f"start to first getUpdates, new database: {_seconds(new)}")
            print(f"start to first getUpdates, migrated:     {_seconds(migrated)}")
            assert instance.process is not None
            pid = instance.process.pid
            if args.updates <= 0:
                instance.terminate()
                await instance.wait()
                return
            rss, _ = memory_mb(pid)
            print(f"memory after start: {rss:.0f} MB")
            users = [fake.add_user(f"Buur{i}", language_code="nl") for i in range(args.people)]
            sent_before = len(fake.sent)
            per_person = args.updates // args.people
            start = time.monotonic()
            for round_ in range(per_person):
                for user in users:
                    await user.send("/help")
                if round_ % 10 == 9:  # keep the queue short, as real traffic would
                    expected = sent_before + (round_ + 1) * len(users)
                    await fake.wait_for(lambda e=expected: len(fake.sent) >= e, 120)
            total = per_person * len(users)
            await fake.wait_for(lambda: len(fake.sent) >= sent_before + total, 300)
            wall = time.monotonic() - start
            rss, peak = memory_mb(pid)
            rate = total / wall
            print(f"after {total:,} updates ({wall:.1f} s, {rate:.0f}/s): RSS {rss:.0f} MB, "
                  f"peak {peak:.0f} MB")  # fmt: skip
            instance.terminate()
            code = await instance.wait()
            print(f"stopped with SIGTERM: exit code {code}")


def _seconds(figures: list[float]) -> str:
    """Describe start-up times: each one, and their median."""
    each = ", ".join(f"{f:.2f}" for f in figures)
    return f"median {statistics.median(figures):.2f} s ({each})"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--event-loop", default="auto", help="bot.event_loop: auto, uvloop or asyncio"
    )
    os.environ.pop("BUURTBOT_TOKEN", None)
    compile_the_bot()
    asyncio.run(main(parser.parse_args()))
