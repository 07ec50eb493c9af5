"""Benchmark fairness: ten people use the bot normally while one person sends 1,000 updates.

Prints figures and asserts nothing. The bot is the real Application with the default config
(rate limiter on) against the fake Telegram of the tests, with its flood control on, in its own
thread, and a fresh SQLite database (or PostgreSQL on loopback) per run.

The ten each do, in turn, /help, /agenda and a press on the agenda's "Ik kom"/"Misschien"
button, every ~2.5 s, and time each action until the bot's first answer (a message, or the
answer to the press). The flooder sends --flood /help at once, 2 s into the run. Every setting
runs twice, without and with the flood:

- one at a time, no limits: how the bot worked before (python-telegram-bot's default);
- one at a time, with the [limits] rate;
- side by side (limits.concurrent_updates), no rate limit;
- side by side, with the rate limit: the default now.

    .venv/bin/python bench/flood.py [--duration 20] [--flood 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from pathlib import Path

# bench_updates.py lives next to this file; it adds the repository to the path.
from bench_updates import (
    LOOPBACK,
    Databases,
    FakeThread,
    buurtbot_config,
    percentile,
    running,
)
from sqlalchemy.engine import make_url

from bot.app import build_application
from bot.clock import SystemClock
from bot.config import BotConfig, LimitsConfig
from bot.sandbox.areas import write_area_files
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models import activities
from models.areas import list_wijken
from models.db import create_engine, create_sessionmaker
from models.people import get_person

NORMAL = 10
# "No limits": a bucket no one can empty within a run.
UNLIMITED = replace(LimitsConfig(), updates_per_minute=10_000, updates_burst=10_000)


@dataclass(frozen=True)
class Setting:
    name: str
    limits: LimitsConfig


SETTINGS = (
    Setting("one at a time, no limits (before)", replace(UNLIMITED, concurrent_updates=1)),
    Setting("one at a time, rate limit", replace(LimitsConfig(), concurrent_updates=1)),
    Setting("side by side, no rate limit", UNLIMITED),
    Setting("side by side, rate limit (now)", LimitsConfig()),
)


@dataclass
class Result:
    latencies: list[float]
    unanswered: int
    flood_replies: int
    rejected: int


# -- setting up ------------------------------------------------------------------------------


async def add_people(fake: FakeTelegram) -> tuple[list[FakeUser], FakeUser]:
    """Create the ten residents and the flooder; each says /help once (their row exists)."""
    users = [fake.add_user(f"Bewoner{i}", language_code="nl") for i in range(NORMAL)]
    flooder = fake.add_user("Veelschrijver", language_code="nl")
    for user in [*users, flooder]:
        await user.send("/help")
    await fake.wait_for(lambda: len(fake.sent) >= NORMAL + 1, 30)
    return users, flooder


async def add_activity(db_url: str, organiser_id: int) -> int:
    """Publish one activity tomorrow, so /agenda shows it with its buttons."""
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            organiser = await get_person(session, organiser_id)
            assert organiser is not None
            wijk = (await list_wijken(session))[0]
            now = SystemClock().now()
            outcome = await activities.create(
                session,
                organiser=organiser,
                draft=activities.Draft(
                    title="Koffie-ochtend",
                    description="Samen koffie drinken.",
                    starts_at=now + timedelta(days=1),
                    ends_at=now + timedelta(days=1, hours=2),
                    place="Buurthuis",
                    wijk_ids=[wijk.id],
                    theme="meet",
                ),
                publish=True,
                reviewers=[],
                now=now,
            )
            return outcome.activity.id
    finally:
        await engine.dispose()


# -- the people (coroutines on the fake's loop) -----------------------------------------------


async def use_the_bot(
    fake: FakeTelegram,
    user: FakeUser,
    activity_id: int,
    start: float,
    args: argparse.Namespace,
    seed: int,
) -> tuple[list[float], int]:
    """Do /help, /agenda, a press, ... until the run ends; return latencies and misses."""
    rng = random.Random(seed)
    latencies: list[float] = []
    unanswered = 0
    step = 0
    await asyncio.sleep(rng.uniform(0, args.interval))
    while time.monotonic() - start < args.duration:
        messages, answers = len(user.messages), len(user.answers)
        sent = time.monotonic()
        action = step % 3
        if action == 2:
            cards = [m for m in user.messages if f"act:yes:{activity_id}" in str(m.buttons)]
            target = cards[-1] if cards else user.messages[-1]
            answer = "yes" if step % 2 else "maybe"
            await user.press_data(target, f"act:{answer}:{activity_id}")
        else:
            await user.send("/help" if action == 0 else "/agenda")
        try:
            await fake.wait_for(
                partial(_answered, user, action == 2, messages, answers), args.patience
            )
            latencies.append(time.monotonic() - sent)
        except AssertionError:
            unanswered += 1
        step += 1
        await asyncio.sleep(rng.uniform(0.6, 1.4) * args.interval)
    return latencies, unanswered


def _answered(user: FakeUser, press: bool, messages: int, answers: int) -> bool:
    """Tell whether the bot answered since the user had this many messages and answers."""
    return len(user.answers) > answers if press else len(user.messages) > messages


async def flood(flooder: FakeUser, count: int, delay: float) -> None:
    """Send count /help at once, after delay seconds."""
    await asyncio.sleep(delay)
    for _ in range(count):
        await flooder.send("/help")


async def measure(
    fake: FakeTelegram,
    users: list[FakeUser],
    flooder: FakeUser,
    activity_id: int,
    args: argparse.Namespace,
    with_flood: bool,
) -> Result:
    """Let the ten use the bot (and the flooder flood); return their latencies."""
    start = time.monotonic()
    before = len(flooder.messages)
    people = [
        use_the_bot(fake, user, activity_id, start, args, seed=args.seed + i)
        for i, user in enumerate(users)
    ]
    flooding = [flood(flooder, args.flood, 2.0)] if with_flood else []
    found = await asyncio.gather(*people, *flooding)
    latencies = [value for pair in found[:NORMAL] for value in pair[0]]
    unanswered = sum(pair[1] for pair in found[:NORMAL])
    flood_replies = len(flooder.messages) - before
    rejected = len(fake.rejected())
    # Measured. Let the rest of a flood through at once, so the bot can stop in seconds.
    fake.world.flood = None
    return Result(latencies, unanswered, flood_replies, rejected)


# -- a run -----------------------------------------------------------------------------------


async def run_one(
    databases: Databases,
    areas: tuple[Path, Path | None],
    setting: Setting,
    args: argparse.Namespace,
    with_flood: bool,
) -> Result:
    """Start a bot with this setting against a fresh fake and database; measure once."""
    async with FakeThread(flood_control=True) as thread:
        fake = thread.fake
        url = await databases.fresh()
        config = replace(buurtbot_config(fake, url, areas, BotConfig()), limits=setting.limits)
        async with running(build_application(config)):
            users, flooder = await thread.run(add_people(fake))
            activity_id = await add_activity(url, users[0].id)
            result = await thread.run(measure(fake, users, flooder, activity_id, args, with_flood))
            await thread.run(fake.wait_for(lambda: not fake.updates, 120))
    return result


def describe(result: Result) -> str:
    """Format one run's figures."""
    found = result.latencies
    if not found:
        return f"no answers at all ({result.unanswered} unanswered)"
    text = (
        f"{len(found):4d} answers  p50 {1000 * percentile(found, 0.5):7.0f} ms  "
        f"p95 {1000 * percentile(found, 0.95):7.0f} ms  max {1000 * max(found):7.0f} ms"
    )
    if result.unanswered:
        text += f"  unanswered {result.unanswered}"
    return text


async def run(args: argparse.Namespace) -> None:
    """Run every setting without and with the flood; print the figures."""
    with tempfile.TemporaryDirectory(prefix="buurtbot-flood-") as tmp:
        areas = write_area_files(Path(tmp))
        databases = Databases(Path(tmp), args.database_url)
        where = args.database_url.split("@")[-1] if args.database_url else "SQLite"
        print(
            f"== {NORMAL} people: /help, /agenda, a press, every ~{args.interval:g} s for "
            f"{args.duration:g} s; the flood: {args.flood} x /help at once after 2 s; "
            f"rate limiter on, the fake's flood control on, {where}"
        )
        print(f"{'':36} {'flood':5}  the ten's answer latency")
        try:
            for setting in SETTINGS:
                for with_flood in (False, True):
                    result = await run_one(databases, areas, setting, args, with_flood)
                    notes = [f"flooder got {result.flood_replies} messages"] if with_flood else []
                    if result.rejected:
                        notes.append(f"{result.rejected} requests refused (429)")
                    extra = f"  ({', '.join(notes)})" if notes else ""
                    print(
                        f"{setting.name:36} {'yes' if with_flood else 'no':5}  "
                        f"{describe(result)}{extra}",
                        flush=True,
                    )
        finally:
            await databases.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read and bound the options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add = parser.add_argument
    add("--duration", type=float, default=20.0, help="seconds the ten use the bot (20)")
    add("--interval", type=float, default=2.5, help="seconds between one's actions (~2.5)")
    add("--flood", type=int, default=1000, help="updates the flooder sends (1000)")
    add("--patience", type=float, default=30.0, help="seconds to wait for an answer (30)")
    add("--seed", type=int, default=1, help="seed for the people's timing")
    add(
        "--database-url",
        help="postgresql+asyncpg://user@127.0.0.1:5432/db: use PostgreSQL instead of SQLite",
    )
    args = parser.parse_args(argv)
    if not (1 <= args.duration <= 300 and args.interval >= 0.5 and 1 <= args.flood <= 100_000):
        parser.error("--duration must be 1-300, --interval at least 0.5, --flood 1-100000")
    if args.database_url:
        url = make_url(args.database_url)
        if url.get_backend_name() != "postgresql" or url.host not in LOOPBACK:
            parser.error("--database-url must be a postgresql+asyncpg:// URL on 127.0.0.1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark from the command line."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
