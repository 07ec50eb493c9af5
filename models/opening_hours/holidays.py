"""Dutch public holidays, for the ``PH`` selector in opening hours.

Nieuwjaarsdag, Eerste and Tweede Paasdag, Koningsdag, Bevrijdingsdag, Hemelvaartsdag, Eerste
and Tweede Pinksterdag, Eerste and Tweede Kerstdag.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def easter_sunday(year: int) -> date:
    """Return Easter Sunday (anonymous Gregorian algorithm)."""
    a, (b, c) = year % 19, divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def holiday_names(year: int) -> dict[date, str]:
    """Compute the holidays of a year once (shared; callers get a copy)."""
    easter = easter_sunday(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # never on a Sunday: moved to the Saturday before
        kings_day -= timedelta(days=1)
    # Goede Vrijdag is left out on purpose: it is not a general day off in the Netherlands.
    # Koningsdag follows the rules since 2014; Bevrijdingsdag counts every year.
    named = [
        (date(year, 1, 1), "Nieuwjaarsdag"),
        (easter, "Eerste Paasdag"),
        (easter + timedelta(days=1), "Tweede Paasdag"),
        (kings_day, "Koningsdag"),
        (date(year, 5, 5), "Bevrijdingsdag"),
        (easter + timedelta(days=39), "Hemelvaartsdag"),
        (easter + timedelta(days=49), "Eerste Pinksterdag"),
        (easter + timedelta(days=50), "Tweede Pinksterdag"),
        (date(year, 12, 25), "Eerste Kerstdag"),
        (date(year, 12, 26), "Tweede Kerstdag"),
    ]
    holidays: dict[date, str] = {}
    for day, name in named:  # Hemelvaartsdag can fall on 5 May (2016): keep both names
        holidays[day] = f"{holidays[day]} en {name}" if day in holidays else name
    return dict(sorted(holidays.items()))


def dutch_public_holidays(year: int) -> dict[date, str]:
    """Return the Dutch public holidays of a year, date -> Dutch name."""
    return dict(holiday_names(year))
