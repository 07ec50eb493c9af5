"""Start-up time and memory of a real ``buurtbot run`` process.

A script, not a test: it starts the fake Telegram in this process and ``python -m bot run`` as a
child against it (SQLite in a temp dir, or --database-url), then prints:

1. the time from starting the process to its first getUpdates (imports, migrations, areas,
   menus included; target under 2 s), measured twice (a fresh database, then a migrated one);
2. the process's resident memory (RSS) before and after --updates (10,000) updates, and its
   peak (target under 150 MB after 10,000).

    .venv/bin/python bench/footprint.py [--updates 10000] [--people 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
    """Start the bot; return it and the seconds until its first getUpdates reached the fake."""
    before = sum(1 for r in fake.requests if r.method == "getUpdates")
    start = time.monotonic()
    instance = await Instance("bot", config).start()
    try:
        await fake.wait_for(
            lambda: sum(1 for r in fake.requests if r.method == "getUpdates") > before, 30
        )
    except AssertionError:
        raise SystemExit(f"the bot did not start polling:\n{instance.log[-3000:]}") from None
    return instance, time.monotonic() - start


async def main(args: argparse.Namespace) -> None:
    """Measure start-up twice, then memory under load."""
    with tempfile.TemporaryDirectory(prefix="buurtbot-footprint-") as tmp:
        folder = Path(tmp)
        wijken, buurten = write_area_files(folder)
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bot.db"
        async with FakeTelegram(flood_control=False) as fake:
            config = write_config(folder / "config.toml", fake, url)
            with config.open("a", encoding="utf-8") as f:
                f.write(
                    f'\n[areas]\nfile = "{wijken}"\nbuurten_file = "{buurten}"\n'
                    "[bot]\nrate_limiter = false\n"
                    "[limits]\nupdates_burst = 10000\n"
                )
            instance, cold = await first_poll(fake, config)
            instance.terminate()
            await instance.wait()
            instance, warm = await first_poll(fake, config)
            assert instance.process is not None
            pid = instance.process.pid
            print(
                f"start to first getUpdates: {cold:.2f} s (new database), {warm:.2f} s (migrated)"
            )
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    os.environ.pop("BUURTBOT_TOKEN", None)
    asyncio.run(main(parser.parse_args()))
