"""The time, from one place, so tests can move it forward instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class ShiftedClock:
    """The real clock plus an offset that only grows: ``buurtbot demo`` fast-forwards with it.

    Time keeps running, so the demo feels live; moving it forward makes reminders, follow-ups and
    escalations fall due at the scheduler's next round.
    """

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        """Return the current UTC time, shifted."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward (never back: the database's order of events must hold)."""
        if delta > timedelta():
            self.offset += delta
        return self.now()
