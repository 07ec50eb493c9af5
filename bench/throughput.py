"""Throughput and latency of a realistic mix, next to a bare python-telegram-bot echo bot.

A script, not a test: it prints figures and asserts nothing. --people simulated residents at once
(rate limiter off, the fake's flood control off) each go through onboarding, look up the nearest
information point by sharing a location, open /agenda, and either ask for help (/vraag: four taps
and a sentence) or accept someone's request in the wijk group. It prints updates per second and
p50/p95/p99 latency from the moment the fake queued an update to the bot's first answer to that
person. In the same run, the same number of people send the same number of texts, one at a time
each, to an echo bot on the same fake; the ratio Buurtbot/echo is the figure that travels.

The target is set against a bare python-telegram-bot echo bot (`echo`: PTB's default httpx
client on asyncio's own event loop). Buurtbot talks to Telegram over aiohttp (bot/transport.py),
which is cheaper per call, on uvloop where it is installed (bot/loop.py), so each round also runs
the same echo bot on that transport and loop (`echo/ours`), and both ratios are printed: against
bare PTB, and like for like.

    .venv/bin/python bench/throughput.py [--people 60] [--rounds 2] [--database-url ...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_updates import (
    BotFactory,
    Databases,
    FakeThread,
    Prepare,
    buurtbot_config,
    echo,
    echo_bot,
    percentile,
    running,
)
from fake_process import FakeProcess
from sqlalchemy import select
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bot import loop
from bot.app import build_application
from bot.config import BotConfig, LimitsConfig
from bot.sandbox.areas import INSIDE_NOORD_EAST, write_area_files
from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser
from bot.transport import AiohttpRequest
from models.areas import Wijk
from models.db import create_engine, create_sessionmaker
from models.groups import link_group
from models.infopoints import InfoPoint
from tests.people import onboarded
from tests.test_requests_flow import ask

# Information points near the residents: the nearest three are shown.
POINTS = 3
GROUP = "Buurtgroep Noord"
Load = tuple[int, float, int]  # updates queued, wall seconds, the stopwatch's mark


@dataclass(frozen=True)
class Run:
    name: str
    updates: int
    wall: float
    latencies: list[float]
    calls: int  # Bot API calls the bot made during the load, getUpdates left out
    bot_cpu: float  # CPU seconds outside the fake's thread (the bot) during the load
    fake_cpu: float  # CPU seconds of the fake's thread (server and simulated people)

    @property
    def rate(self) -> float:
        """Return updates per second."""
        return self.updates / self.wall


class Stopwatch:
    """Note when the fake queues each person's update, to pair it with the bot's answer."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.queued: list[tuple[int, float]] = []  # (person id, time.monotonic())
        world = fake.world
        original = world.enqueue_update

        def enqueue(kind: str, payload: dict[str, Any]) -> bool:
            sender = payload.get("from", {}).get("id")
            if sender is not None:
                self.queued.append((sender, time.monotonic()))
            return original(kind, payload)

        world.enqueue_update = enqueue  # type: ignore[method-assign]

    def latencies(self, since: int) -> list[float]:
        """Return, per update queued since index since, the time to the bot's first answer."""
        answers: dict[int, list[float]] = {}
        queries = self.fake.world.callback_queries
        for request in self.fake.requests:
            if not request.ok:
                continue
            if request.method == "answerCallbackQuery":
                record = queries.get(request.params.get("callback_query_id", ""))
                person = record.user_id if record else None
            else:
                chat = request.params.get("chat_id")
                person = int(chat) if chat is not None and int(chat) > 0 else None
            if person is not None:
                answers.setdefault(person, []).append(request.at)
        found = []
        for person, at in self.queued[since:]:
            later = [a for a in answers.get(person, []) if a >= at]
            if later:
                found.append(min(later) - at)
        return found


async def resident(
    fake: FakeTelegram, group: FakeGroup, number: int, cards: asyncio.Queue[int]
) -> None:
    """One person's visit: onboarding, nearest information point, agenda, ask or accept."""
    user = await onboarded(fake, f"Buur{number}")
    group.add_member(user)
    await user.send("/infopunt")
    await user.next_message()
    await user.next_message()
    await user.share_location(*INSIDE_NOORD_EAST)
    assert "dichtst bij jou" in (await user.next_message()).text
    for _ in range(POINTS):
        await user.next_message()
    await user.send("/agenda")
    assert "activiteiten" in (await user.next_message()).text
    if number % 2 == 0:
        await ask(user, f"Wie kan morgen boodschappen doen bij de supermarkt? ({number})")
        await cards.put(number)
    else:
        await cards.get()
        card = await _a_card(group)
        if card is not None:
            await user.press(card, "🤝 Ik help")
            await drain(user)


async def _a_card(group: FakeGroup, wait: float = 2.0) -> Any:
    """Return the newest card that can still be accepted, waiting for the outbox to post it.

    The asker is done once the bot said the request is in; the outbox posts its card in the group
    a moment later. Without the wait, an accepter sometimes found nothing to press, and a round
    had a few updates fewer (623-629 of 630 on PostgreSQL).
    """
    deadline = time.monotonic() + wait
    while True:
        card = next((m for m in reversed(group.messages) if _claimable(m)), None)
        if card is not None or time.monotonic() > deadline:
            return card
        await asyncio.sleep(0.005)


def _claimable(message: Any) -> bool:
    """Tell whether a group message is a card with an "Ik help" button."""
    return any(
        b.get("callback_data", "").startswith("req:claim") for row in message.buttons for b in row
    )


async def drain(user: FakeUser, quiet: float = 0.05) -> None:
    """Wait until the bot has said what it had to say to this person."""
    while True:
        try:
            await user.next_message(timeout=quiet)
        except AssertionError:
            return


async def echo_load(fake: FakeTelegram, people: int, per_person: int) -> tuple[int, float, int]:
    """Let people send texts one at a time each, waiting for each echo; like mix()."""
    watch = Stopwatch(fake)
    fake._watch = watch  # type: ignore[attr-defined]
    users = [fake.add_user(f"Echo{i}", language_code="nl") for i in range(people)]

    async def person(user: FakeUser) -> None:
        for n in range(per_person):
            await user.send(f"hallo {n}")
            await user.next_message()

    start = time.perf_counter()
    await asyncio.gather(*(person(u) for u in users))
    return len(watch.queued), time.perf_counter() - start, 0


async def aiohttp_echo_bot(fake: FakeTelegram) -> tuple[Application, Prepare]:
    """Build the echo bot of echo_bot() on Buurtbot's transport, wired as bot/app.py does."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app, _no_preparation


async def _no_preparation(users: list[FakeUser]) -> None:
    """Prepare nothing: an echo bot needs no residents set up."""


async def group_id(fake: Any) -> int:
    """Add the wijk group to the fake (in this process or its own); return its chat id."""
    if isinstance(fake, FakeTelegram):
        return fake.add_group(title=GROUP, members=[]).id
    return await fake.add_group(GROUP)  # type: ignore[no-any-return]


async def link_the_group(url: str, chat_id: int) -> None:
    """Link the wijk group of Noord and add three information points near the residents."""
    engine = create_engine(url)
    async with create_sessionmaker(engine).begin() as session:
        noord = await session.scalar(select(Wijk).where(Wijk.code == "N"))
        assert noord is not None
        await link_group(session, chat_id=chat_id, thread_id=None, wijk_id=noord.id,
                         title=GROUP, linked_by_id=None)  # fmt: skip
        for i in range(POINTS):
            session.add(
                InfoPoint(key=f"p{i}", name=f"Buurthuis {i}", kind="buurthuis", services=[],
                          latitude=52.15 + i * 0.001, longitude=5.08, wijk_id=noord.id)
            )  # fmt: skip
    await engine.dispose()


async def measure(name: str, build: BotFactory, load: Any) -> Run:
    """Start a bot against a fresh fake, run the load and collect the figures."""
    async with FakeThread(flood_control=False) as thread:
        fake = thread.fake
        app, prepare = await build(fake)
        async with running(app):
            await prepare([])
            before = await thread.run(_calls(fake))
            cpu, fake_cpu = time.process_time(), await thread.cpu_time()
            updates, wall, mark = await thread.run(load(fake))
            fake_cpu = await thread.cpu_time() - fake_cpu
            cpu = time.process_time() - cpu
            calls = await thread.run(_calls(fake)) - before
            latencies = await thread.run(_latencies(fake, mark))
    return Run(name, updates, wall, latencies, calls, cpu - fake_cpu, fake_cpu)


async def measure_apart(name: str, build: BotFactory, load: tuple[str, dict[str, int]]) -> Run:
    """measure(), with the fake and its people in a process of their own (fake_process.py)."""
    async with FakeProcess(flood_control=False) as child:
        endpoint = child.endpoint
        endpoint.add_group = lambda title: child.call("add_group", title=title)
        app, prepare = await build(endpoint)
        async with running(app):
            await prepare([])
            before = await child.call("calls")
            cpu, fake_cpu = time.process_time(), await child.call("cpu")
            updates, wall, mark = await child.call("load", kind=load[0], **load[1])
            fake_cpu = await child.call("cpu") - fake_cpu
            cpu = time.process_time() - cpu  # this process holds the bot only
            calls = await child.call("calls") - before
            latencies = await child.call("latencies", mark=mark)
    return Run(name, updates, wall, latencies, calls, cpu, fake_cpu)


async def _latencies(fake: FakeTelegram, mark: int) -> list[float]:
    return fake._watch.latencies(mark)  # type: ignore[attr-defined]


async def _calls(fake: FakeTelegram) -> int:
    return sum(1 for request in fake.requests if request.method != "getUpdates")


def report(run: Run) -> None:
    """Print one run's line."""
    ms = [1000 * x for x in run.latencies]
    p50, p95, p99 = (percentile(ms, share) for share in (0.5, 0.95, 0.99))
    print(
        f"{run.name:16} {run.updates:7d} {run.wall:7.2f} {run.rate:7.0f} "
        f"{p50:7.1f} {p95:7.1f} {p99:7.1f} {run.calls / run.updates:7.2f} "
        f"{1000 * run.bot_cpu / run.updates:7.2f} {1000 * run.fake_cpu / run.updates:7.2f}"
    )


def main(args: argparse.Namespace) -> None:
    """Alternate Buurtbot and the two echo runs and print the ratios.

    Each run has an event loop of its own: Buurtbot's the one `buurtbot run` uses (bot/loop.py,
    uvloop where installed), the bare echo bot asyncio's own, as a bare PTB bot would have, and
    the like-for-like echo bot Buurtbot's. The fake keeps asyncio's loop in every run.
    """
    with tempfile.TemporaryDirectory(prefix="buurtbot-throughput-") as tmp:
        folder = Path(tmp)
        areas = write_area_files(folder)
        databases = Databases(folder, args.database_url)
        config = BotConfig(rate_limiter=False)

        async def buurtbot(fake: FakeTelegram) -> tuple[Any, Any]:
            url = await databases.fresh()
            bot_config = buurtbot_config(fake, url, areas, config)
            # Simulated people act far faster than anyone types: the per-person limit stays off.
            bot_config = replace(bot_config, limits=LimitsConfig(updates_burst=100_000))
            app = build_application(bot_config)

            async def prepare(_users: list[FakeUser]) -> None:
                await link_the_group(url, await group_id(fake))

            return app, prepare

        async def buurtbot_mix(fake: FakeTelegram) -> tuple[int, float, int]:
            return await mix_in_linked_group(fake, args.people)

        def run(name: str, build: BotFactory, load: Any, kind: str) -> Run:
            if args.fake_process:
                return loop.run(measure_apart(name, build, load[1]), kind)
            return loop.run(measure(name, build, load[0]), kind)

        ours_loop = config.event_loop
        where = args.database_url.split("@")[-1] if args.database_url else "SQLite"
        apart = "the fake in its own process" if args.fake_process else "the fake in a thread"
        loop_name = loop.loop_factory(ours_loop).__module__.split(".")[0]
        print(
            f"{args.people} residents at once, realistic mix, limiter off, {where}, {apart}; "
            f"Buurtbot and echo/ours on {loop_name}, echo on asyncio"
        )
        columns = (
            "updates",
            "wall s",
            "upd/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "calls/u",
            "bot ms",
            "fake ms",
        )
        print(f"{'':16} " + " ".join(f"{c:>7}" for c in columns))
        rounds = []
        try:
            for number in range(1, args.rounds + 1):
                mix = (buurtbot_mix, ("mix", {"people": args.people}))
                ours = run(f"buurtbot #{number}", buurtbot, mix, ours_loop)
                per_person = max(1, round(ours.updates / args.people))

                async def echo_run(fake: FakeTelegram, n: int = per_person) -> Load:
                    return await echo_load(fake, args.people, n)

                texts = (echo_run, ("echo", {"people": args.people, "per_person": per_person}))
                bare = run(f"echo #{number}", echo_bot, texts, "asyncio")
                same = run(f"echo/ours #{number}", aiohttp_echo_bot, texts, ours_loop)
                for one in (ours, bare, same):
                    report(one)
                rounds.append((ours, bare, same))
        finally:
            loop.run(databases.close(), "asyncio")
        bare_ratio = statistics.median(o.rate / b.rate for o, b, _ in rounds)
        same_ratio = statistics.median(o.rate / s.rate for o, _, s in rounds)
        n = len(rounds)
        print(
            f"ratio buurtbot/echo (bare PTB: httpx, asyncio), updates/s (median of {n}): "
            f"{bare_ratio:.2f}x"
        )
        print(
            f"ratio buurtbot/echo/ours (same transport and loop) (median of {n}): {same_ratio:.2f}x"
        )
        # Buurtbot answers most updates with several calls (answer the button, edit it, send the
        # next step), the echo bot with one: the same ratio per Bot API call made.
        per_call = statistics.median((o.calls / o.wall) / (b.calls / b.wall) for o, b, _ in rounds)
        print(f"ratio buurtbot/echo (bare PTB), Bot API calls/s (median of {n}): {per_call:.2f}x")


async def mix_in_linked_group(fake: FakeTelegram, people: int) -> tuple[int, float, int]:
    """Run mix() in the group that prepare() linked."""
    group = next(iter(fake.world.groups.values()))
    watch = Stopwatch(fake)
    fake._watch = watch  # type: ignore[attr-defined]
    cards: asyncio.Queue[int] = asyncio.Queue()
    start = time.perf_counter()
    await asyncio.gather(*(resident(fake, group, i, cards) for i in range(people)))
    return len(watch.queued), time.perf_counter() - start, 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--fake-process",
        action="store_true",
        help="run the fake and its people in a process of their own, not in a thread",
    )
    main(parser.parse_args())
