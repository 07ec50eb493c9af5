"""Opening hours of walk-in information points, in a subset of OpenStreetMap's syntax.

Supported syntax (keywords and day names ignore case; whitespace is free between tokens)::

    Mo-Fr 09:00-17:00; PH off
    Mo,We 09:00-12:00,13:00-17:00; Sa-Mo 10:00-12:00
    Fr 22:00-02:00; Su off "op afspraak"
    24/7; PH closed

- Rules are separated by ``;``. A later rule replaces what earlier rules said for the days it
  selects (OSM semantics): ``Mo-Fr 09:00-17:00; We 13:00-17:00`` opens Wednesday afternoon only.
- Day selector: ``Mo Tu We Th Fr Sa Su``, ranges ``Mo-Fr``, wrapping ranges ``Sa-Mo``, lists
  ``Mo,We,Fr`` and ``Mo-We,Fr``, and ``PH`` (Dutch public holidays) alone or in a list
  (``Sa,PH``). Without a selector a rule covers every day, holidays included.
- State: one or more time ranges ``09:00-12:00,13:00-17:00`` (two-digit ``HH:MM``, end
  exclusive, ``24:00`` allowed as an end), or ``off`` / ``closed``. An end at or before the
  start spills past midnight: ``Fr 22:00-02:00`` is open until Saturday 02:00. The spill-over
  belongs to Friday's rule, as in OSM, so it holds even when a later rule says ``Sa off``.
- ``24/7`` is a rule of its own: open every day, all day.
- A quoted comment, ``"op afspraak"``, may follow a rule or stand alone; comments end up in
  ``note`` (joined by ``; ``) and never change the schedule.

Times are wall-clock times in the zone, so ``09:00`` means 09:00 local on both sides of a
daylight-saving change; a time skipped by spring-forward is reached at the jump itself, and a
time the clock shows twice in autumn counts both times. ``PH`` uses the holidays in
``holidays.py``; the rule grammar lives in ``syntax.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from models.opening_hours.holidays import dutch_public_holidays, easter_sunday
from models.opening_hours.syntax import OpeningHoursError, Rule, parse_rules

__all__ = [
    "AMSTERDAM",
    "HORIZON",
    "OpeningHours",
    "OpeningHoursError",
    "Rule",
    "Status",
    "dutch_public_holidays",
    "easter_sunday",
    "parse",
]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HORIZON = timedelta(days=14)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Status:
    """Whether a place is open at a moment, and when that changes next."""

    open: bool
    until: datetime | None  # when open: the next closing, in the zone; None beyond the horizon
    next_open: datetime | None  # when closed: the next opening; None beyond the horizon


@dataclass(frozen=True)
class OpeningHours:
    """Parsed opening hours; create with parse(). Times it returns are aware, in tz.

    Do arithmetic on returned times in UTC: adding to a datetime in the zone is wall-clock
    arithmetic and goes wrong across a daylight-saving change.
    """

    text: str  # the text as given, whitespace collapsed to single spaces and trimmed
    note: str | None
    rules: tuple[Rule, ...]
    tz: tzinfo = AMSTERDAM

    def is_empty(self) -> bool:
        """Tell whether there is no rule at all (only a note, or nothing)."""
        return not self.rules

    def is_open(self, moment: datetime) -> bool:
        """Tell whether the place is open at an aware moment."""
        wall = _wall(moment, self.tz)
        # Yesterday's spans count too: they may run past midnight into today.
        days = (wall.date() - ONE_DAY, wall.date())
        return any(start <= wall < end for day in days for start, end in self._spans(day))

    def status(self, moment: datetime, horizon: timedelta = HORIZON) -> Status:
        """Return whether it is open and when that next changes, looking ahead up to horizon."""
        is_open = self.is_open(moment)  # also rejects a naive moment
        now = moment.astimezone(UTC)
        # The state only changes where the clock shows a span's start or end, or where it
        # jumps (daylight saving); collect those instants and test them in order.
        candidates: set[datetime] = set()
        first = now.astimezone(self.tz).date() - ONE_DAY
        last = (now + horizon).astimezone(self.tz).date()
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            for start, end in self._spans(day):
                candidates |= _instants(start, self.tz) | _instants(end, self.tz)
            candidates |= _transitions(day, self.tz)
        for instant in sorted(c for c in candidates if now < c <= now + horizon):
            if self.is_open(instant) != is_open:
                local = instant.astimezone(self.tz)
                return Status(is_open, local if is_open else None, None if is_open else local)
        return Status(is_open, None, None)

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the naive wall-clock intervals that the rule for day opens."""
        midnight = datetime.combine(day, time())
        for rule in reversed(self.rules):  # the last rule that selects a day wins
            if rule.selects(day):
                return [
                    (midnight + timedelta(minutes=s), midnight + timedelta(minutes=e))
                    for s, e in rule.spans
                ]
        return []


def parse(text: str, tz: tzinfo = AMSTERDAM) -> OpeningHours:
    """Parse opening hours; raise OpeningHoursError pointing at the first mistake."""
    rules, notes = parse_rules(text)
    return OpeningHours(" ".join(text.split()), "; ".join(notes) or None, rules, tz)


def _wall(moment: datetime, tz: tzinfo) -> datetime:
    """Return the naive wall-clock time of an aware moment in tz."""
    if moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(tz).replace(tzinfo=None)


def _instants(wall: datetime, tz: tzinfo) -> set[datetime]:
    """Return the UTC instants whose clock shows wall: none in a DST gap, two in an overlap."""
    folds = (wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    return {u for u in folds if _wall(u, tz) == wall}


def _transitions(day: date, tz: tzinfo) -> set[datetime]:
    """Return the instant the UTC offset changes on day, if it does (found by bisection)."""
    lo, hi = (datetime.combine(d, time(), tz).astimezone(UTC) for d in (day, day + ONE_DAY))

    def offset(instant: datetime) -> timedelta | None:
        """Return the zone's UTC offset at instant."""
        return instant.astimezone(tz).utcoffset()

    after = offset(hi)
    if offset(lo) == after:
        return set()
    low, high = int(lo.timestamp()), int(hi.timestamp())
    while high - low > 1:  # zones change offset on whole seconds
        mid = (low + high) // 2
        low, high = (low, mid) if offset(datetime.fromtimestamp(mid, UTC)) == after else (mid, high)
    return {datetime.fromtimestamp(high, UTC)}
