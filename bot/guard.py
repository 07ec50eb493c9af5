"""Protection against abuse: who is blocked, and how fast one person may send updates.

Both answer from memory, so the check in front of every update costs next to nothing: the
blocked list is read from the database (the source of truth) every few seconds or when told it
changed, and the update rate is a token bucket per person, which a restart may forget.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update

from bot.config import LimitsConfig
from models.people import blocked_telegram_ids

# A person may be warned about their rate at most this often, in seconds: a warning to every
# ignored update would be a flood of our own.
WARN_EVERY = 60.0
# Buckets kept before idle (full) ones are dropped.
_PRUNE_AT = 10_000


class Verdict(enum.Enum):
    ALLOW = "allow"  # handle the update
    WARN = "warn"  # ignore it, and tell the person to slow down
    IGNORE = "ignore"  # ignore it silently (they were told already)


class _Bucket:
    __slots__ = ("tokens", "updated", "warned")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens = tokens
        self.updated = now
        self.warned = -WARN_EVERY


class UpdateRate:
    """Per-person token buckets: a steady rate per minute with a burst on top."""

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = per_minute / 60
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._prune_at = _PRUNE_AT

    def check(self, person_id: int) -> Verdict:
        """Take one update from the person's bucket; say what to do with it."""
        now = self._clock()
        bucket = self._buckets.get(person_id)
        if bucket is None:
            if len(self._buckets) >= self._prune_at:
                self._prune(now)
            bucket = self._buckets[person_id] = _Bucket(self._burst, now)
        else:
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.ALLOW
        if now - bucket.warned >= WARN_EVERY:
            bucket.warned = now
            return Verdict.WARN
        return Verdict.IGNORE

    def _prune(self, now: float) -> None:
        """Forget people whose bucket has filled up again: they start full anyway."""
        self._buckets = {
            person: bucket
            for person, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self._rate < self._burst
            or now - bucket.warned < WARN_EVERY
        }
        # Many people busy at once: grow instead of scanning again at every newcomer.
        self._prune_at = max(_PRUNE_AT, 2 * len(self._buckets))


class BlockList:
    """The Telegram ids of blocked people, read from the database at most every few seconds."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._refresh = refresh_seconds
        self._clock = clock
        self._ids: frozenset[int] = frozenset()
        self._expires = -1.0
        self._generation = 0
        self._lock = asyncio.Lock()

    async def is_blocked(self, telegram_id: int) -> bool:
        """Tell whether the person is blocked."""
        if self._clock() >= self._expires:
            await self._load()
        return telegram_id in self._ids

    def invalidate(self) -> None:
        """Read the list again before the next update (call after blocking or unblocking)."""
        self._expires = -1.0
        self._generation += 1

    async def _load(self) -> None:
        async with self._lock:
            if self._clock() < self._expires:
                return  # another update read it while this one waited
            generation = self._generation
            expires = self._clock() + self._refresh
            async with self._sessionmaker.begin() as session:
                ids = await blocked_telegram_ids(session)
            self._ids = frozenset(ids)
            # An invalidate() during the read may have missed the change: read again next time.
            if generation == self._generation:
                self._expires = expires


@dataclass
class Guard:
    """What the check in front of every update needs.

    The rate is counted when an update arrives (admit), not when its turn comes: a person's
    updates wait for each other, and counting at their turn would let a flood through at the
    pace the bot works through it.
    """

    blocked: BlockList
    rate: UpdateRate
    # Verdicts of admitted updates whose turn has not come yet, by update id.
    _early: dict[int, Verdict] = field(default_factory=dict)

    @classmethod
    def from_config(
        cls, limits: LimitsConfig, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> Guard:
        """Build the guard from the [limits] section."""
        return cls(
            blocked=BlockList(sessionmaker, limits.blocked_refresh_seconds),
            rate=UpdateRate(limits.updates_per_minute, limits.updates_burst),
        )

    def admit(self, update: object) -> None:
        """Count an update against its person's rate as it arrives."""
        if not isinstance(update, Update):
            return
        user = update.effective_user
        if user is None or user.is_bot:
            return  # the check lets these through without a verdict
        if len(self._early) >= _PRUNE_AT * 10:
            # Only updates stopped before the check (none in register_all) leave one behind.
            self._early.clear()
        self._early[update.update_id] = self.rate.check(user.id)

    def verdict(self, update: Update, person_id: int) -> Verdict:
        """Return what admit() decided for the update, or decide now if it was not admitted."""
        early = self._early.pop(update.update_id, None)
        return early if early is not None else self.rate.check(person_id)

    def forget(self, update: Update) -> None:
        """Drop the verdict of an update that is ignored for another reason."""
        self._early.pop(update.update_id, None)
