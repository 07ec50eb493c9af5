"""When a request is for: turn "tomorrow afternoon" into a UTC time window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from models.help_requests.tables import DAY_PARTS, DayPart, When


def window(
    when: When, *, now: datetime, tz: tzinfo, day: date | None = None, part: DayPart | None = None
) -> tuple[datetime, datetime]:
    """Return the UTC start and end of the time a request is for, in the local time zone."""
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=tz)

    def at(d: date, hour: int) -> datetime:
        # Built from the wall clock in the zone, so daylight-saving changes come out right.
        return datetime(d.year, d.month, d.day, hour, tzinfo=tz)

    match when:
        case When.ASAP:
            start, end = local, local + timedelta(days=2)
        case When.TODAY:
            start, end = local, at(local.date() + timedelta(days=1), 0)
        case When.TOMORROW:
            tomorrow = local.date() + timedelta(days=1)
            start, end = at(tomorrow, 0), at(tomorrow + timedelta(days=1), 0)
        case When.WEEK:
            days_left = 7 - local.weekday()  # until the coming Monday 00:00
            start, end = local, at((midnight + timedelta(days=days_left)).date(), 0)
        case When.DAY:
            if day is None:
                raise ValueError("a day is needed")
            first, last = DAY_PARTS[part] if part else (0, 24)
            start = at(day, first)
            end = at(day, last) if last < 24 else at(day + timedelta(days=1), 0)
    return start.astimezone(UTC), end.astimezone(UTC)
