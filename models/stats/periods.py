"""The periods of /stats: whole local days, months or years, as half-open UTC ranges."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo


class Period(enum.StrEnum):
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    THIS_MONTH = "month"
    LAST_MONTH = "lastmonth"
    THIS_YEAR = "year"


@dataclass(frozen=True)
class Span:
    """A period as a half-open range [start, end) of aware UTC times."""

    period: Period
    start: datetime
    end: datetime


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def span(period: Period, *, now: datetime, tz: tzinfo) -> Span:
    """Turn a period into whole local days, months or years (in tz) that include today.

    "This month" is the whole month, so an activity later this month counts in it; the future
    holds no requests or deliveries, so for those it is the month up to now.
    """
    today = now.astimezone(tz).date()
    tomorrow = today + timedelta(days=1)
    first_of_month = today.replace(day=1)
    next_month = (first_of_month + timedelta(days=31)).replace(day=1)
    if period is Period.LAST_7_DAYS:
        first, after = today - timedelta(days=6), tomorrow
    elif period is Period.LAST_30_DAYS:
        first, after = today - timedelta(days=29), tomorrow
    elif period is Period.THIS_MONTH:
        first, after = first_of_month, next_month
    elif period is Period.LAST_MONTH:
        first, after = (first_of_month - timedelta(days=1)).replace(day=1), first_of_month
    else:
        first, after = (
            today.replace(month=1, day=1),
            today.replace(year=today.year + 1, month=1, day=1),
        )
    return Span(period, _midnight(first, tz), _midnight(after, tz))
