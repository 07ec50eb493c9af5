"""Broadcast benchmark: 10,000 recipients against the fake Telegram, with a crash half-way.

A script, not a test: it prints figures and asserts nothing. The fake enforces Telegram's flood
limits scaled up by --scale (so the run takes well under a minute; the ratio is what counts) and
injects 429s, 5xx answers and people who blocked the bot. The sender runs as a separate process
(bench/_sender.py) and is killed with SIGKILL at about half-way, then started again.

Prints: the achieved rate as a share of the configured ceiling, duplicates (a person who got the
announcement more than once), lost (a reachable person who never got it), and unreachable.

Run: ``.venv/bin/python bench/broadcast.py`` (about 40 s), ``--help`` for options.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.sandbox.telegram import FakeTelegram, FloodLimits  # noqa: E402
from models import broadcasts, migrate  # noqa: E402
from models.broadcasts import Audience  # noqa: E402
from models.db import create_engine, create_sessionmaker  # noqa: E402
from models.outbox import OutboxMessage  # noqa: E402
from models.outbox import Status as Delivery  # noqa: E402
from models.people import Person  # noqa: E402

TEXT = "Buurtfeest zaterdag om 15:00 in het park. Iedereen welkom!"
BASE_ID = 1_000_000_000


async def prepare(url: str, people: int) -> None:
    """Create the people and the broadcast, and start it (one outbox row per person)."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        rows = [
            {"telegram_id": BASE_ID + i, "display_name": f"Buur {i}", "language": "nl",
             "consent_at": now, "consent_version": "bench", "started_at": now, "blocked_bot": False,
             "created_at": now, "updated_at": now}
            for i in range(people)
        ]  # fmt: skip
        for start in range(0, len(rows), 2000):
            await session.execute(insert(Person), rows[start : start + 2000])
        admin = await session.scalar(select(Person).limit(1))
        assert admin is not None
        await broadcasts.schedule(
            session, sender=admin, text=TEXT, audience=Audience.EVERYONE, wijk_id=None,
            send_at=now, report_chat_id=admin.telegram_id, now=now,
        )  # fmt: skip
        await broadcasts.start_due(session, now=now)
    await engine.dispose()


async def outcome(url: str) -> Counter[str]:
    """Count the outbox rows by status."""
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        counts = Counter({status: count for status, count in rows})
    await engine.dispose()
    return counts


async def start_sender(
    fake: FakeTelegram, url: str, rate: int, in_flight: int, event_loop: str
) -> asyncio.subprocess.Process:
    """Start bench/_sender.py against the fake."""
    script = str(ROOT / "bench" / "_sender.py")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        url,
        fake.base_url,
        fake.token,
        str(rate),
        str(in_flight),
        event_loop,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def run(args: argparse.Namespace, *, crash: bool) -> dict[str, float]:
    """Send one announcement to everyone; with crash, SIGKILL the sender half-way and restart."""
    rate = 30 * args.scale
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/broadcast.db"
        await asyncio.to_thread(migrate.upgrade, url)
        await prepare(url, args.people)
        limits = FloodLimits(overall_rate=rate, overall_burst=rate + 10)
        async with FakeTelegram(flood_limits=limits) as fake:
            users = []
            for i in range(args.people):
                user = fake.add_user(first_name=f"Buur {i}", user_id=BASE_ID + i)
                user.started = True
                user.blocked = i % args.blocked_every == args.blocked_every - 1
                users.append(user)
            fake.fail_next("sendMessage", error_code=429, retry_after=1, count=args.floods)
            fake.fail_next("sendMessage", error_code=502, count=args.server_errors)

            def delivered() -> int:
                return sum(1 for m in fake.sent if m.text == TEXT)

            started = time.monotonic()
            sender = await start_sender(fake, url, rate, args.in_flight, args.event_loop)
            if crash:
                await fake.wait_for(lambda: delivered() >= args.people // 2, timeout=args.timeout)
                sender.send_signal(signal.SIGKILL)  # a crash: no goodbye, no cleanup
                await sender.wait()
                fake.fail_next("sendMessage", error_code=500, count=args.server_errors)
                sender = await start_sender(fake, url, rate, args.in_flight, args.event_loop)
            _, err = await asyncio.wait_for(sender.communicate(), timeout=args.timeout)
            if sender.returncode:
                print(err.decode()[-2000:])
            counts = await outcome(url)
            sends = [m for m in fake.sent if m.text == TEXT]
            per_chat = Counter(m.chat_id for m in sends)
            # Time from the first to the last delivery, less the pauses Telegram's 429s imposed.
            span = time.monotonic() - started
    reachable = {u.id for u in users if not u.blocked}
    return {
        "rate": rate,
        "sends": len(sends),
        "span": span,
        "pauses": float(args.floods),
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "lost": len(reachable - set(per_chat)),
        "unreachable": counts.get(Delivery.FAILED, 0),
        "left": counts.get(Delivery.PENDING, 0) + counts.get(Delivery.SENDING, 0),
    }


async def main(args: argparse.Namespace) -> None:
    """Run without and with a crash; print the figures."""
    print(
        f"{args.people} recipients; ceiling 30 msg/s x {args.scale}; {args.floods} injected 429s,"
    )
    print(
        f"{args.server_errors} 5xx per sender start; every {args.blocked_every}th person blocked us"
    )
    for crash in (False, True):
        r = await run(args, crash=crash)
        achieved = r["sends"] / r["span"]
        busy = r["sends"] / max(r["span"] - r["pauses"], 1e-9)
        label = "with a SIGKILL half-way" if crash else "clean run"
        print(f"== {label}")
        share, busy_share = achieved / r["rate"], busy / r["rate"]
        print(f"   {r['sends']:.0f} sent in {r['span']:.1f} s (incl. process start):")
        print(f"   {achieved:.0f} msg/s = {share:.0%} of the ceiling;")
        print(f"   {busy_share:.0%} not counting the {r['pauses']:.0f} s Telegram's 429s imposed")
        print(f"   duplicates {r['duplicates']:.0f}, lost {r['lost']:.0f}, ", end="")
        print(f"unreachable {r['unreachable']:.0f}, left unsent {r['left']:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=10, help="multiply Telegram's 30/s by this")
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--event-loop", default="auto", help="the sender's: auto, uvloop, asyncio")
    parser.add_argument("--blocked-every", type=int, default=50, help="every Nth person blocked us")
    parser.add_argument(
        "--server-errors", type=int, default=20, help="5xx answers per sender start"
    )
    parser.add_argument("--floods", type=int, default=2, help="429 answers (retry after 1 s)")
    parser.add_argument("--timeout", type=float, default=120.0)
    asyncio.run(main(parser.parse_args()))
