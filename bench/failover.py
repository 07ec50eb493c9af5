"""Failover benchmark: real ``buurtbot run`` processes on one PostgreSQL database.

A script, not a test: it prints figures and asserts nothing. Three instances share a fresh
database (created on the server for the run and dropped at the end) and the fake Telegram of the
tests, with its overall flood limit scaled up so the broadcast takes seconds. During one
broadcast to --people recipients:

1. the leader is killed with SIGKILL at --kill-at of the way (the standby must take over);
2. a third instance starts as standby; the new leader gets SIGTERM at --term-at (a planned
   handover: it finishes what is in hand, lets go, and the third one leads).

Prints: for each switch, the time until the next leader logged its leadership and until the next
message reached Telegram; the graceful stop's duration and exit code; then duplicates (people
who got the announcement more than once, with the in-flight window as the bound) and lost
(people who never got it).

Run: ``.venv/bin/python bench/failover.py --database-url postgresql+asyncpg://postgres@127.0.0.1/postgres``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.sandbox.telegram import FakeTelegram, FloodLimits  # noqa: E402
from models import migrate  # noqa: E402
from models.db import create_engine, create_sessionmaker  # noqa: E402
from models.outbox import Status  # noqa: E402
from tests.instances import (  # noqa: E402
    Instance,
    add_recipients,
    copies,
    seed_broadcast,
    statuses,
    write_config,
)

TEXT = "Buurtbericht: de brug is dicht tot vrijdag."


async def _admin(url: str, sql: str) -> None:
    """Run one statement on the server's postgres database, outside a transaction."""
    engine = create_engine(make_url(url).set(database="postgres").render_as_string(False))
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(sql))
    await engine.dispose()


def _first_send_after(fake: FakeTelegram, moment: float) -> float | None:
    """Return when the first sendMessage after a moment reached the fake."""
    times = [r.at for r in fake.requests if r.method == "sendMessage" and r.ok and r.at > moment]
    return min(times) if times else None


async def run(args: argparse.Namespace) -> None:
    """Run the broadcast through a kill -9 and a SIGTERM handover; print the figures."""
    server = make_url(args.database_url)
    name = "buurtbot_failover_bench"
    url = server.set(database=name).render_as_string(False)
    await _admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(args.database_url, f'CREATE DATABASE "{name}"')
    limits = FloodLimits(overall_rate=args.rate * 2, overall_burst=args.rate * 2)
    instances: list[Instance] = []
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        async with FakeTelegram(flood_limits=limits) as fake:
            users = add_recipients(fake, args.people)
            with tempfile.TemporaryDirectory() as tmp:
                config = write_config(
                    Path(tmp) / "bench.toml", fake, url,
                    per_second=args.rate, in_flight=args.in_flight, shutdown_seconds=20,
                )  # fmt: skip
                a, b, c = (Instance(n, config) for n in ("A", "B", "C"))
                instances += [a, b, c]
                await a.start()
                await a.logged("Taking updates as the leader")
                await b.start()
                await b.logged("Standby: another instance leads")

                started = time.monotonic()
                await seed_broadcast(sessionmaker, users, TEXT)
                await fake.wait_for(
                    lambda: len(copies(fake, TEXT)) >= args.kill_at * args.people, timeout=120
                )
                a.kill()
                killed = time.monotonic()
                await a.wait()
                b_leads = await b.logged("This instance is now the leader", timeout=30) - killed
                await c.start()
                await c.logged("Standby: another instance leads")
                await fake.wait_for(
                    lambda: len(copies(fake, TEXT)) >= args.term_at * args.people, timeout=120
                )
                b.terminate()
                termed = time.monotonic()
                b_code = await b.wait(timeout=60)
                b_stopped = time.monotonic() - termed
                c_leads = await c.logged("This instance is now the leader", timeout=30) - termed

                deadline = time.monotonic() + 120
                while (await statuses(sessionmaker))[Status.SENT] < args.people:
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.1)
                wall = time.monotonic() - started
                c.terminate()
                c_code = await c.wait(timeout=60)
                first_after_kill = _first_send_after(fake, killed)
                first_after_term = _first_send_after(fake, termed + b_stopped)
        await engine.dispose()
    finally:
        for instance in instances:
            await instance.stop()
        await _admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    arrived = copies(fake, TEXT)
    duplicates = sum(arrived.values()) - len(arrived)
    lost = len({u.id for u in users} - set(arrived))

    def gap(moment: float | None, since: float) -> str:
        return f"{moment - since:5.2f} s" if moment is not None else "  n/a"

    print(f"{args.people} recipients, {args.rate} msg/s, in_flight {args.in_flight}")
    print(f"kill -9 of the leader at {args.kill_at:.0%}:")
    print(f"  standby leads after        {b_leads:5.2f} s   (ha.takeover_seconds = 10)")
    print(f"  next message sent after    {gap(first_after_kill, killed)}")
    print(f"SIGTERM of the leader at {args.term_at:.0%}:")
    print(f"  old leader stopped after   {b_stopped:5.2f} s   exit code {b_code}")
    print(f"  standby leads after        {c_leads:5.2f} s   (from the SIGTERM)")
    print(f"  next message sent after    {gap(first_after_term, termed + b_stopped)}")
    print(f"last leader stopped with exit code {c_code}")
    print(f"wall time {wall:.1f} s for the broadcast")
    print(f"duplicates {duplicates} (bound: in_flight = {args.in_flight}), lost {lost}")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgresql+asyncpg://… (server)")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=200, help="messages a second (bot and fake)")
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--kill-at", type=float, default=0.25)
    parser.add_argument("--term-at", type=float, default=0.6)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
