"""Benchmark what one update costs Buurtbot, next to a bare python-telegram-bot echo bot.

Prints figures and asserts nothing about speed. Everything talks to the fake Telegram of the tests
on 127.0.0.1 and to fresh, migrated databases (SQLite in a temp dir, or PostgreSQL on loopback):

1. throughput: --people residents each send --messages texts at once, rate limiter off;
2. the same load against an echo bot (one MessageHandler, no database, no limiter), and the
   ratio Buurtbot/echo, which means something on a noisy machine where absolute times do not;
3. reply latency at a steady, realistic load with the default config (rate limiter on, and the
   fake's flood control on).

The fake serves from its own event loop in its own thread, so its CPU time is that thread's; the
bot's is the rest of the process: its event loop thread (SQLite included) plus other threads.

    .venv/bin/python bench/bench_updates.py [--people 200 --messages 5] [--profile 30]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import logging
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests` is no installed package

import asyncpg
from sqlalchemy.engine import URL, make_url
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import build_application
from bot.config import (
    AreasConfig,
    BotConfig,
    Config,
    DatabaseConfig,
    OrganisationConfig,
    TelegramConfig,
)
from bot.sandbox.areas import write_area_files
from bot.sandbox.polling import polling
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models import migrate
from models.areas import list_wijken
from models.db import create_engine, create_sessionmaker
from models.people import get_person, set_home_area

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# What to do once the residents exist and before the timing starts.
Prepare = Callable[[list[FakeUser]], Awaitable[None]]
# Builds a bot against a fake; returns it and its Prepare.
BotFactory = Callable[[FakeTelegram], Awaitable[tuple[Application, Prepare]]]


class BenchError(Exception):
    """A run did not complete (replies missing), so it has no figures."""


# -- the fake, in a thread of its own --------------------------------------------------------


class FakeThread:
    """A FakeTelegram serving from its own event loop in its own thread."""

    def __init__(self, *, flood_control: bool) -> None:
        self._flood_control = flood_control
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake", daemon=True)
        self._fake: FakeTelegram | None = None

    async def __aenter__(self) -> Self:
        self._thread.start()
        self._fake = await self.run(_start_fake(self._flood_control))
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fake is not None:
            await self.run(self._fake.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join, 5)
        self._loop.close()

    @property
    def fake(self) -> FakeTelegram:
        """Return the fake; touch its state only from coroutines given to run()."""
        assert self._fake is not None
        return self._fake

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the fake's loop and return its result."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    async def cpu_time(self) -> float:
        """Return the CPU seconds the fake's thread has used so far."""
        return await self.run(_thread_time())


async def _start_fake(flood_control: bool) -> FakeTelegram:
    return await FakeTelegram(flood_control=flood_control).start()


async def _thread_time() -> float:
    return time.thread_time()


async def _rejected(fake: FakeTelegram) -> int:
    return len(fake.rejected())


# -- databases -------------------------------------------------------------------------------


class Databases:
    """Hand out fresh, migrated databases: SQLite files, or PostgreSQL databases on loopback."""

    def __init__(self, folder: Path, server_url: str | None) -> None:
        self._folder = folder
        self._server: URL | None = make_url(server_url) if server_url else None
        self._template: Path | None = None
        self._created: list[str] = []
        self._numbers = itertools.count(1)

    async def fresh(self) -> str:
        """Return the URL of a new, migrated, empty database."""
        number = next(self._numbers)
        if self._server is None:
            if self._template is None:
                self._template = self._folder / "template.db"
                await asyncio.to_thread(migrate.upgrade, f"sqlite+aiosqlite:///{self._template}")
            target = self._folder / f"run{number}.db"
            shutil.copyfile(self._template, target)
            return f"sqlite+aiosqlite:///{target}"
        name = f"buurtbot_bench_{os.getpid()}_{number}"
        await self._admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        self._created.append(name)
        url = self._server.set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(migrate.upgrade, url)
        return url

    async def close(self) -> None:
        """Drop the PostgreSQL databases made here (the SQLite files go with the folder)."""
        if self._created:
            await self._admin(
                *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self._created)
            )

    async def _admin(self, *statements: str) -> None:
        assert self._server is not None
        dsn = self._server.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()


# -- the bots --------------------------------------------------------------------------------


def buurtbot_config(
    fake: FakeTelegram, db_url: str, areas: tuple[Path, Path | None], bot: BotConfig
) -> Config:
    """Return a config that points Buurtbot at the fake and the database."""
    return Config(
        telegram=TelegramConfig(
            token=fake.token,
            api_base_url=fake.base_url,
            api_file_url=fake.base_file_url,
            poll_timeout=1,
        ),
        database=DatabaseConfig(url=db_url),
        bot=bot,
        areas=AreasConfig(file=str(areas[0]), buurten_file=str(areas[1] or "")),
        organisation=OrganisationConfig(name="Buurtnetwerk Bench", contact_email="b@example.org"),
        source="(bench)",
    )


async def give_home_wijken(db_url: str, users: list[FakeUser]) -> None:
    """Give the residents a home wijk, round robin, as onboarding would."""
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            wijken = await list_wijken(session)
            for user, wijk in zip(users, itertools.cycle(wijken), strict=False):
                person = await get_person(session, user.id)
                assert person is not None
                await set_home_area(session, person, wijk_id=wijk.id)
    finally:
        await engine.dispose()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    await context.bot.send_message(message.chat_id, message.text)


async def echo_bot(fake: FakeTelegram) -> tuple[Application, Prepare]:
    """Build the bare PTB bot to compare with: one handler, no database, no limiter."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app, _nothing


async def _nothing(users: list[FakeUser]) -> None:
    """Prepare nothing: the echo bot needs no residents set up."""


def running(app: Application) -> AbstractAsyncContextManager[Application]:
    """Run the Application polling the fake, as tests/conftest.py's BotRunner does."""
    return polling(app)


# -- simulated residents (coroutines that run on the fake's loop) -----------------------------


async def add_residents(fake: FakeTelegram, count: int) -> list[FakeUser]:
    """Create residents with a Dutch Telegram app."""
    return [fake.add_user(f"Bewoner{i}", language_code="nl") for i in range(count)]


async def flood(
    fake: FakeTelegram, users: list[FakeUser], count: int, text: str, within: float
) -> list[str | None]:
    """Let every user send count messages at once; return the replies once all arrived."""
    before = len(fake.sent)
    for _ in range(count):
        for user in users:
            await user.send(text)
    expected = count * len(users)
    try:
        await fake.wait_for(lambda: len(fake.sent) >= before + expected, within)
    except AssertionError:
        got = len(fake.sent) - before
        raise BenchError(f"only {got} of {expected} replies within {within:g} s") from None
    return [message.text for message in fake.sent[before:]]


async def steady_load(
    fake: FakeTelegram, residents: int, interval: float, duration: float, text: str, seed: int
) -> list[float]:
    """Let residents send a text every ~interval s for duration s; return reply latencies."""
    rng = random.Random(seed)
    users = await add_residents(fake, residents)
    sent_at: dict[int, list[float]] = {user.id: [] for user in users}
    start = time.monotonic()

    async def resident(user: FakeUser) -> None:
        due = start + rng.uniform(0, interval)  # spread the first messages
        while due < start + duration:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            sent_at[user.id].append(time.monotonic())
            await user.send(text)
            due += rng.uniform(0.5 * interval, 1.5 * interval)

    await asyncio.gather(*(resident(user) for user in users))
    expected = sum(len(times) for times in sent_at.values())
    try:
        await fake.wait_for(lambda: len(fake.sent) >= expected, 30)
    except AssertionError:
        raise BenchError(f"only {len(fake.sent)} of {expected} replies within 30 s") from None
    replied_at: dict[int, list[float]] = {user.id: [] for user in users}
    for request in fake.requests:  # ``at``: time.monotonic() once the fake had stored the reply
        if request.method == "sendMessage" and request.ok:
            replied_at[int(request.params["chat_id"])].append(request.at)
    # Updates are handled one at a time, so a chat's replies come in the order of its messages.
    return [
        reply - sent
        for uid, times in sent_at.items()
        for sent, reply in zip(times, replied_at[uid], strict=True)
    ]


# -- measurements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    """One throughput run: wall and CPU seconds spent on a number of updates."""

    name: str
    updates: int
    wall: float
    cpu: float  # the whole process
    loop_cpu: float  # the bot's event loop thread
    fake_cpu: float  # the fake's thread (server and simulated residents)
    distinct_replies: int
    rejected: int

    @property
    def rate(self) -> float:
        """Return updates per second."""
        return self.updates / self.wall

    def ms(self, seconds: float) -> float:
        """Return milliseconds per update."""
        return 1000 * seconds / self.updates

    @property
    def bot_ms(self) -> float:
        """Return CPU ms per update outside the fake's thread."""
        return self.ms(self.cpu - self.fake_cpu)


async def throughput(
    name: str, build: BotFactory, args: argparse.Namespace, profile: cProfile.Profile | None = None
) -> Throughput:
    """Warm the bot up with one text per resident, then time --messages more per resident."""
    async with FakeThread(flood_control=False) as thread:
        fake = thread.fake
        app, prepare = await build(fake)
        async with running(app):
            users = await thread.run(add_residents(fake, args.people))
            await thread.run(flood(fake, users, 1, args.text, args.timeout))
            await prepare(users)
            fake_before = await thread.cpu_time()
            loop_before = time.thread_time()
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            if profile is not None:
                profile.enable()  # profiles this thread (the bot's event loop) only
            replies = await thread.run(flood(fake, users, args.messages, args.text, args.timeout))
            if profile is not None:
                profile.disable()
            wall, cpu = time.perf_counter() - wall_before, time.process_time() - cpu_before
            loop_cpu = time.thread_time() - loop_before
            fake_cpu = await thread.cpu_time() - fake_before
            rejected = await thread.run(_rejected(fake))
    return Throughput(
        name, len(replies), wall, cpu, loop_cpu, fake_cpu, len(set(replies)), rejected
    )


async def latency(
    databases: Databases, areas: tuple[Path, Path | None], args: argparse.Namespace
) -> tuple[list[float], int]:
    """Run the steady load against Buurtbot's default config; return latencies and errors."""
    async with FakeThread(flood_control=True) as thread:
        fake = thread.fake
        config = buurtbot_config(fake, await databases.fresh(), areas, BotConfig())
        async with running(build_application(config)):
            found = await thread.run(
                steady_load(
                    fake, args.residents, args.interval, args.duration, args.text, args.seed
                )
            )
            rejected = await thread.run(_rejected(fake))
    return found, rejected


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile, share between 0 and 1."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# -- report ----------------------------------------------------------------------------------


def print_throughput_header() -> None:
    """Print the column names of the throughput lines."""
    print(
        f"{'':12} {'updates':>7} {'wall s':>7} {'upd/s':>6} {'CPU ms/upd':>10} = "
        f"{'loop':>5} + {'thrds':>5} + {'fake':>5}  {'texts':>5}"
    )


def print_throughput(run: Throughput, label: str) -> None:
    """Print one run: CPU per update split into the bot's loop, its other threads, the fake."""
    other = max(0.0, run.cpu - run.loop_cpu - run.fake_cpu)  # clock granularity
    print(
        f"{label:12} {run.updates:7d} {run.wall:7.2f} {run.rate:6.0f} {run.ms(run.cpu):10.2f} = "
        f"{run.ms(run.loop_cpu):5.2f} + {run.ms(other):5.2f} + {run.ms(run.fake_cpu):5.2f}  "
        f"{run.distinct_replies:5d}"
    )
    if run.rejected:
        print(f"  WARNING: the fake rejected {run.rejected} request(s): figures are suspect")


def print_ratios(pairs: list[tuple[Throughput, Throughput]]) -> None:
    """Print the median over rounds of the Buurtbot/echo ratios (each round's pair ran together)."""
    cpu = statistics.median(b.ms(b.cpu) / e.ms(e.cpu) for b, e in pairs)
    bot = statistics.median(b.bot_ms / e.bot_ms for b, e in pairs)
    rate = statistics.median(b.rate / e.rate for b, e in pairs)
    print(
        f"ratio buurtbot/echo (median of {len(pairs)} rounds): CPU ms/update {cpu:.2f}x "
        f"(without the fake {bot:.2f}x), updates/s {rate:.2f}x"
    )
    for name, runs in (("buurtbot", [b for b, _ in pairs]), ("echo", [e for _, e in pairs])):
        print(
            f"  {name}: median {statistics.median(r.rate for r in runs):.0f} updates/s, "
            f"{statistics.median(r.bot_ms for r in runs):.2f} CPU ms/update without the fake"
        )


def print_profile(profile: cProfile.Profile, lines: int) -> None:
    """Print own time by package, then the functions with the most own and cumulative time."""
    stats = pstats.Stats(profile, stream=sys.stdout)
    own: Counter[str] = Counter()
    for function, found in stats.get_stats_profile().func_profiles.items():
        own[_package(found.file_name, function)] += found.tottime
    total = sum(own.values())
    print(f"\n-- cProfile of Buurtbot's event loop thread: own time by package ({total:.2f} s) --")
    for package, seconds in own.most_common(lines):
        print(f"{seconds:7.3f} s {100 * seconds / total:5.1f}%  {package}")
    for order in ("tottime", "cumulative"):
        print(f"\n-- by {order} --")
        stats.strip_dirs().sort_stats(order).print_stats(lines)


def _package(path: str, function: str) -> str:
    """Name where a profiled function lives: a site package, our code, the stdlib, a builtin."""
    if path == "~":
        return f"builtin {function}"
    if found := re.search(r"site-packages/([^/]+)", path):
        return found.group(1)
    if path.startswith(str(ROOT)):
        return "ours: " + Path(path).relative_to(ROOT).parts[0]
    if found := re.search(r"python3\.\d+/([^/]+)", path):
        return "stdlib " + found.group(1).removesuffix(".py")
    return path


# -- main ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    """Run the measurements and print their figures."""
    with tempfile.TemporaryDirectory(prefix="buurtbot-bench-") as tmp:
        folder = Path(tmp)
        areas: tuple[Path, Path | None]
        if args.areas:
            buurten = args.areas / "buurt.geojson"
            areas = (args.areas / "wijk.geojson", buurten if buurten.exists() else None)
        else:
            areas = write_area_files(folder)
        databases = Databases(folder, args.database_url)

        async def buurtbot(fake: FakeTelegram) -> tuple[Application, Prepare]:
            url = await databases.fresh()
            app = build_application(
                buurtbot_config(fake, url, areas, BotConfig(rate_limiter=False))
            )

            async def prepare(users: list[FakeUser]) -> None:
                if args.onboarded:
                    await give_home_wijken(url, users)

            return app, prepare

        where = args.database_url.split("@")[-1] if args.database_url else "SQLite"
        try:
            print(
                f"== 1+2. throughput: {args.people} residents x {args.messages} x {args.text!r} at "
                f"once (after 1 each to warm up), limiter off, {where}, {args.rounds} round(s)"
                + (", residents with a home wijk" if args.onboarded else "")
            )
            print_throughput_header()
            pairs = []
            for number in range(1, args.rounds + 1):
                pair = (
                    await throughput("buurtbot", buurtbot, args),
                    await throughput("echo", echo_bot, args),
                )
                print_throughput(pair[0], f"buurtbot #{number}")
                print_throughput(pair[1], f"echo #{number}")
                pairs.append(pair)
            print_ratios(pairs)
            if args.duration:
                print(
                    f"\n== 3. latency: {args.residents} residents, a {args.text!r} every "
                    f"~{args.interval:g} s each for {args.duration:g} s "
                    f"(~{args.residents / args.interval:.0f}/s), default config (limiter on)"
                )
                found, errors = await latency(databases, areas, args)
                print(
                    f"replies {len(found)}  p50 {1000 * percentile(found, 0.5):.1f} ms  "
                    f"p95 {1000 * percentile(found, 0.95):.1f} ms  "
                    f"max {1000 * max(found):.1f} ms  (fake error answers: {errors})"
                )
            if args.profile:
                profile = cProfile.Profile()
                await throughput("profiled", buurtbot, args, profile)
                print_profile(profile, args.profile)
        except BenchError as exc:
            raise SystemExit(f"bench_updates: {exc}") from None
        finally:
            await databases.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read and bound the options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add = parser.add_argument
    add("--people", type=int, default=200, help="residents in the throughput runs (200)")
    add("--messages", type=int, default=5, help="texts per resident in the throughput runs (5)")
    add("--rounds", type=int, default=3, help="throughput rounds, buurtbot then echo (3)")
    add("--text", default="/help", help="what residents send (/help)")
    add("--timeout", type=float, default=60, help="seconds to wait for one run's replies (60)")
    add("--onboarded", action="store_true", help="give residents a home wijk before timing")
    add("--areas", type=Path, help="folder with wijk.geojson (and buurt.geojson) to load")
    add("--residents", type=int, default=20, help="residents in the latency run (20)")
    add("--interval", type=float, default=2.0, help="seconds between one's texts (~2)")
    add("--duration", type=float, default=20.0, help="seconds the latency run sends; 0: skip")
    add("--seed", type=int, default=1, help="seed for the latency run's timing")
    add("--profile", type=int, default=0, metavar="N", help="also profile a run; show N lines")
    add(
        "--database-url",
        help="postgresql+asyncpg://user@127.0.0.1:5432/db: use PostgreSQL instead of SQLite "
        "(creates a database per run there, drops them at the end)",
    )
    args = parser.parse_args(argv)
    if not (1 <= args.people <= 5000 and 1 <= args.messages <= 100 and 1 <= args.rounds <= 20):
        parser.error("--people must be 1-5000, --messages 1-100, --rounds 1-20")
    if not (1 <= args.residents <= 1000 and args.interval >= 0.1 and 0 <= args.duration <= 300):
        parser.error("--residents must be 1-1000, --interval at least 0.1, --duration 0-300")
    if not 1 <= args.timeout <= 600:
        parser.error("--timeout must be 1-600")
    if args.areas and not (args.areas / "wijk.geojson").is_file():
        parser.error(f"--areas: no {args.areas / 'wijk.geojson'}")
    if args.database_url:
        url = make_url(args.database_url)
        if url.get_backend_name() != "postgresql" or url.host not in LOOPBACK:
            parser.error("--database-url must be a postgresql+asyncpg:// URL on 127.0.0.1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark from the command line."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
