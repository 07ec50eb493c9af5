"""Opening hours: parsing, errors, Dutch holidays, daylight saving, and status as a property."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.opening_hours import (
    OpeningHours,
    OpeningHoursError,
    Status,
    dutch_public_holidays,
    parse,
)

AMS = ZoneInfo("Europe/Amsterdam")
OFFICE = "Mo-Fr 09:00-17:00; PH off"


def at(*args: int) -> datetime:
    """Return an Amsterdam wall-clock moment (fold 0 where the clock shows it twice)."""
    return datetime(*args, tzinfo=AMS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def same_instant(a: datetime | None, b: datetime) -> bool:
    """Compare as instants: same-zone comparison of aware datetimes ignores fold."""
    return a is not None and a.astimezone(UTC) == b.astimezone(UTC) and a.tzinfo is AMS


# --- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mo-Fr 09:00-17:00",
        "mo-fr 09:00 - 17:00 ; ph OFF",
        "Mo,We,Fr 09:00-12:00,13:00-17:00",
        "Mo-We,Fr 10:00-12:00; Sa-Mo 10:00-11:00",
        "Sa,PH 10:00-12:00",
        "09:00-17:00; Su closed",
        "Fr 22:00-02:00",
        "Mo-Su 00:00-24:00",
        "24/7",
        '24/7; PH off "gesloten op feestdagen"',
        '"op afspraak"',
        '"op afspraak"; Mo 09:00-10:00',
    ],
)
def test_valid_texts_parse(text: str) -> None:
    assert isinstance(parse(text), OpeningHours)


def test_text_is_normalised_and_note_kept() -> None:
    hours = parse('  mo-fr   09:00-17:00;\tPH off  "op   afspraak" ')
    assert hours.text == 'mo-fr 09:00-17:00; PH off "op afspraak"'
    assert hours.note == "op afspraak"
    assert hours.tz is AMS
    assert len(hours.rules) == 2


def test_empty_and_comment_only_schedules() -> None:
    assert parse("").is_empty()
    assert parse("   ").note is None
    only_note = parse('"op afspraak"')
    assert only_note.is_empty()
    assert only_note.note == "op afspraak"
    assert not only_note.is_open(at(2026, 4, 1, 10))
    assert only_note.status(at(2026, 4, 1, 10)) == Status(False, None, None)
    assert not parse("Mo off").is_empty()


def test_several_comments_are_joined() -> None:
    assert parse('Mo 09:00-12:00 "ochtend"; "bel eerst"').note == "ochtend; bel eerst"


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("Mo-Fx 09:00-17:00", 3, "unknown day name 'Fx'"),
        ("Mon 09:00-17:00", 0, "unknown day name"),
        ("Mo-Fr 25:00-17:00", 6, "hours out of range"),
        ("Mo-Fr 09:60-17:00", 9, "minutes out of range"),
        ("Mo-Fr 09:00-24:30", 12, "24:00 is the latest"),
        ("Mo-Fr 09:00 17:00", 12, "expected '-'"),
        ("Mo-Fr 09:00-09:00", 6, "start and end time are equal"),
        ("00:00-00:00", 0, "start and end time are equal"),
        ("24:00-02:00", 0, "cannot start at 24:00"),
        ("Mo-Fr 09:00-17:00;; Sa off", 18, "empty rule"),
        ("Mo-Fr 09:00-17:00;", 18, "empty rule"),
        ("; Mo off", 0, "empty rule"),
        ('Mo-Fr 09:00-17:00 "op afspraak', 18, "unterminated comment"),
        ('Mo off "  " ', 7, "empty comment"),
        ('Mo "op afspraak"', 3, "expected a time like 09:00, or off"),
        ("Mo-Fr", 5, "expected a time like 09:00"),
        ("Mo-Fr 9:00-17:00", 6, "expected a time like 09:00"),
        ("Mo-Fr 09:000-17:00", 6, "expected a time like 09:00"),
        ("Mo-Fr 09:00-", 12, "expected a time like 09:00"),
        ("Mo-Fr 09:00-17:00 Sa 10:00-12:00", 18, "expected ';'"),
        ("Mo-Fr open", 6, "expected a time like 09:00, or off"),
        ("Mo-", 3, "expected a day name"),
        ("Mo,,Tu off", 3, "expected a day name"),
        ("PH-Mo off", 2, "PH cannot be part of a range"),
        ("Mo-PH off", 3, "PH cannot be part of a range"),
        ("Mo-Fr 24/7", 6, "24/7 must be a rule of its own"),
        ("24/7 Mo", 5, "expected ';'"),
    ],
)
def test_errors_say_where_and_what(text: str, position: int, reason: str) -> None:
    with pytest.raises(OpeningHoursError) as caught:
        parse(text)
    error = caught.value
    assert error.position == position
    assert reason in error.reason
    assert isinstance(error, ValueError)
    assert str(error).startswith(f"{error.reason} at position {position}: ")
    assert "\n" not in str(error)


def test_error_context_shows_the_spot_in_long_text() -> None:
    text = "Mo-Fr 09:00-17:00; Sa 10:00-12:00;\nSu 10:00-25:00; PH off; We 08:00-09:00"
    with pytest.raises(OpeningHoursError) as caught:
        parse(text)
    assert caught.value.position == text.index("25:00")
    assert str(caught.value).endswith(": …:00-12:00; Su 10:00-▶25:00; PH off; We 08…")


# --- evaluation --------------------------------------------------------------------------


def test_office_hours_edges() -> None:
    hours = parse("Mo-Fr 09:00-17:00")
    tuesday = (2026, 6, 2)
    assert hours.is_open(at(*tuesday, 9, 0))
    assert hours.is_open(at(*tuesday, 16, 59, 59))
    assert not hours.is_open(at(*tuesday, 17, 0))
    assert not hours.is_open(at(*tuesday, 8, 59, 59))
    assert not hours.is_open(at(2026, 6, 6, 12))  # Saturday
    # The same moment given in UTC is evaluated in Amsterdam (CEST, UTC+2).
    assert hours.is_open(utc(*tuesday, 7, 0))
    assert not hours.is_open(utc(*tuesday, 6, 59))


def test_naive_moment_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse("24/7").is_open(datetime(2026, 1, 1, 12))


def test_several_ranges_a_day() -> None:
    hours = parse("Mo-Fr 09:00-12:00,13:00-17:00")
    assert hours.is_open(at(2026, 6, 2, 11, 59))
    assert not hours.is_open(at(2026, 6, 2, 12, 30))
    assert hours.is_open(at(2026, 6, 2, 13, 0))
    status = hours.status(at(2026, 6, 2, 10))
    assert status.open
    assert same_instant(status.until, at(2026, 6, 2, 12))
    assert same_instant(hours.status(at(2026, 6, 2, 12)).next_open, at(2026, 6, 2, 13))


def test_span_past_midnight_belongs_to_the_day_it_starts() -> None:
    hours = parse("Fr 22:00-02:00; Sa off")
    assert hours.is_open(at(2026, 6, 5, 23))  # Friday
    assert hours.is_open(at(2026, 6, 6, 1, 59))  # Saturday, still Friday's evening
    assert not hours.is_open(at(2026, 6, 6, 2, 0))
    assert not hours.is_open(at(2026, 6, 5, 1))  # Friday night belongs to Thursday: closed
    assert same_instant(hours.status(at(2026, 6, 5, 22, 30)).until, at(2026, 6, 6, 2))


def test_span_past_midnight_across_the_week_boundary() -> None:
    hours = parse("Su 20:00-03:00; Mo off")
    assert hours.is_open(at(2026, 6, 8, 2, 30))  # Monday morning, from Sunday's rule
    assert not hours.is_open(at(2026, 6, 8, 3))
    status = hours.status(at(2026, 6, 8, 4))
    assert same_instant(status.next_open, at(2026, 6, 14, 20))
    assert parse("Su 22:00-24:00").is_open(at(2026, 6, 7, 23, 59))
    assert not parse("Su 22:00-24:00").is_open(at(2026, 6, 8, 0, 0))


def test_wrap_around_day_range() -> None:
    hours = parse("Sa-Mo 10:00-12:00")
    opened = [d for d in range(1, 8) if hours.is_open(at(2026, 6, d, 11))]
    assert opened == [1, 6, 7]  # 1 June 2026 is a Monday


def test_later_rules_override_earlier_ones_for_their_days() -> None:
    hours = parse("Mo-Fr 09:00-17:00; We 13:00-17:00; Fr off")
    assert hours.is_open(at(2026, 6, 2, 10))  # Tuesday
    assert not hours.is_open(at(2026, 6, 3, 10))  # Wednesday morning replaced
    assert hours.is_open(at(2026, 6, 3, 14))
    assert not hours.is_open(at(2026, 6, 5, 10))  # Friday off
    every_day = parse("Su off; 10:00-11:00")  # a later rule without days covers them all
    assert every_day.is_open(at(2026, 6, 7, 10, 30))


def test_ph_off_on_koningsdag_and_tweede_paasdag_2026() -> None:
    hours = parse(OFFICE)
    assert date(2026, 4, 27).weekday() == 0
    assert not hours.is_open(at(2026, 4, 27, 10))  # Koningsdag, a Monday
    assert not hours.is_open(at(2026, 4, 6, 10))  # Tweede Paasdag
    assert hours.is_open(at(2026, 4, 28, 10))
    friday = hours.status(at(2026, 4, 24, 18))
    assert friday == Status(False, None, friday.next_open)
    assert same_instant(friday.next_open, at(2026, 4, 28, 9))
    assert same_instant(hours.status(at(2026, 4, 3, 18)).next_open, at(2026, 4, 7, 9))


def test_ph_in_a_list_opens_holidays() -> None:
    hours = parse("Mo-Fr 09:00-17:00; Sa,PH 10:00-12:00")
    assert hours.is_open(at(2025, 4, 26, 11))  # Koningsdag 2025, a Saturday
    assert hours.is_open(at(2026, 4, 27, 11))  # Koningsdag 2026: PH rule replaces Mo-Fr
    assert not hours.is_open(at(2026, 4, 27, 14))


def test_status_until_and_next_open() -> None:
    hours = parse("Mo-Fr 09:00-17:00")
    friday = hours.status(at(2026, 6, 5, 18))
    assert not friday.open
    assert friday.until is None
    assert same_instant(friday.next_open, at(2026, 6, 8, 9))
    working = hours.status(at(2026, 6, 5, 10))
    assert working.open
    assert working.next_open is None
    assert same_instant(working.until, at(2026, 6, 5, 17))
    assert same_instant(hours.status(at(2026, 6, 5, 9)).until, at(2026, 6, 5, 17))
    assert same_instant(hours.status(at(2026, 6, 5, 17)).next_open, at(2026, 6, 8, 9))


def test_status_within_horizon_only() -> None:
    assert parse("24/7").status(at(2026, 6, 5, 18)) == Status(True, None, None)
    assert parse("Mo-Su off").status(at(2026, 6, 5, 18)) == Status(False, None, None)
    christmas = parse("Mo-Su off; PH 10:00-11:00")
    assert christmas.status(at(2026, 12, 1, 9)).next_open is None  # 24 days away
    assert same_instant(christmas.status(at(2026, 12, 20, 9)).next_open, at(2026, 12, 25, 10))
    assert same_instant(parse("24/7; Su off").status(at(2026, 6, 5, 18)).until, at(2026, 6, 7, 0))


def test_horizon_need_not_be_whole_days() -> None:
    hours = parse("Mo 09:00-10:00")
    saturday = at(2026, 6, 6, 12)
    wide = hours.status(saturday, horizon=timedelta(hours=45))
    assert same_instant(wide.next_open, at(2026, 6, 8, 9))
    assert hours.status(saturday, horizon=timedelta(hours=44)) == Status(False, None, None)


def test_office_hours_across_daylight_saving() -> None:
    hours = parse("Mo-Fr 09:00-17:00")
    # Friday before spring-forward (CET, UTC+1) to Monday after it (CEST, UTC+2).
    spring = hours.status(at(2026, 3, 27, 18))
    assert same_instant(spring.next_open, utc(2026, 3, 30, 7))
    assert spring.next_open is not None
    assert spring.next_open.utcoffset() == timedelta(hours=2)
    autumn = hours.status(at(2026, 10, 23, 18))
    assert same_instant(autumn.next_open, utc(2026, 10, 26, 8))
    assert hours.is_open(utc(2026, 10, 26, 8))
    assert not hours.is_open(utc(2026, 10, 26, 7, 59))


def test_spring_forward_2026() -> None:
    # 29 March 2026: at 01:00 UTC the clock jumps from 02:00 CET to 03:00 CEST.
    night = parse("Su 01:00-04:00")
    assert night.is_open(utc(2026, 3, 29, 0, 0))  # 01:00 CET
    assert night.is_open(utc(2026, 3, 29, 1, 0))  # 03:00 CEST
    assert same_instant(night.status(utc(2026, 3, 29, 0, 30)).until, utc(2026, 3, 29, 2))
    skipped_start = parse("Su 02:30-05:00")  # 02:30 does not exist: it opens at the jump
    status = skipped_start.status(utc(2026, 3, 29, 0, 0))
    assert same_instant(status.next_open, utc(2026, 3, 29, 1, 0))
    assert status.next_open is not None
    assert (status.next_open.hour, status.next_open.minute) == (3, 0)
    skipped_end = parse("Su 01:00-02:30")
    assert same_instant(skipped_end.status(utc(2026, 3, 29, 0, 30)).until, utc(2026, 3, 29, 1))
    never = parse("Su 02:00-02:59; Mo-Sa off")
    assert same_instant(never.status(utc(2026, 3, 28, 12)).next_open, at(2026, 4, 5, 2))


def test_fall_back_2026() -> None:
    # 25 October 2026: at 01:00 UTC the clock goes back from 03:00 CEST to 02:00 CET.
    night = parse("Su 01:00-04:00")
    status = night.status(utc(2026, 10, 24, 23, 30))  # 01:30 CEST
    assert status.open
    assert same_instant(status.until, utc(2026, 10, 25, 3))  # 04:00 CET: four real hours
    twice = parse("Su 01:00-02:30")  # 02:00-02:30 happens twice
    first = twice.status(utc(2026, 10, 25, 0, 15))  # 02:15 CEST
    assert same_instant(first.until, utc(2026, 10, 25, 0, 30))
    between = twice.status(utc(2026, 10, 25, 0, 45))  # 02:45 CEST
    assert not between.open
    assert same_instant(between.next_open, utc(2026, 10, 25, 1))  # 02:00 CET
    assert between.next_open is not None
    assert between.next_open.fold == 1
    assert same_instant(twice.status(utc(2026, 10, 25, 1, 10)).until, utc(2026, 10, 25, 1, 30))
    late = parse("Su 02:30-05:00")
    assert late.is_open(utc(2026, 10, 25, 0, 59))  # 02:59 CEST
    after_jump = late.status(utc(2026, 10, 25, 1, 0))  # 02:00 CET: back before the opening
    assert not after_jump.open
    assert same_instant(after_jump.next_open, utc(2026, 10, 25, 1, 30))
    assert same_instant(late.status(utc(2026, 10, 25, 0, 45)).until, utc(2026, 10, 25, 1))


def test_other_time_zones() -> None:
    hours = parse("Mo-Fr 09:00-17:00", tz=UTC)
    assert hours.is_open(utc(2026, 6, 2, 9))
    status = hours.status(utc(2026, 6, 5, 18))
    assert status.next_open == utc(2026, 6, 8, 9)


# --- holidays ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter(year: int, easter: date) -> None:
    holidays = dutch_public_holidays(year)
    assert holidays[easter] == "Eerste Paasdag"
    assert holidays[easter + timedelta(days=1)] == "Tweede Paasdag"
    assert holidays[easter + timedelta(days=39)].endswith("Hemelvaartsdag")
    assert holidays[easter + timedelta(days=49)] == "Eerste Pinksterdag"
    assert holidays[easter + timedelta(days=50)] == "Tweede Pinksterdag"


def test_holidays_2025() -> None:
    assert dutch_public_holidays(2025) == {
        date(2025, 1, 1): "Nieuwjaarsdag",
        date(2025, 4, 20): "Eerste Paasdag",
        date(2025, 4, 21): "Tweede Paasdag",
        date(2025, 4, 26): "Koningsdag",  # 27 April 2025 is a Sunday
        date(2025, 5, 5): "Bevrijdingsdag",
        date(2025, 5, 29): "Hemelvaartsdag",
        date(2025, 6, 8): "Eerste Pinksterdag",
        date(2025, 6, 9): "Tweede Pinksterdag",
        date(2025, 12, 25): "Eerste Kerstdag",
        date(2025, 12, 26): "Tweede Kerstdag",
    }


def test_holiday_details() -> None:
    assert dutch_public_holidays(2026)[date(2026, 4, 27)] == "Koningsdag"
    assert date(2026, 4, 3) not in dutch_public_holidays(2026)  # Goede Vrijdag
    assert dutch_public_holidays(2016)[date(2016, 5, 5)] == "Bevrijdingsdag en Hemelvaartsdag"
    dutch_public_holidays(2026).clear()  # callers get a copy, not the cache
    assert len(dutch_public_holidays(2026)) == 10


# --- properties --------------------------------------------------------------------------

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
TRANSITIONS = [utc(2025, 3, 30, 1), utc(2025, 10, 26, 1), utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)]
CLOCK = st.one_of(st.integers(0, 1439), st.sampled_from([0, 60, 120, 150, 180, 540, 1020, 1380]))


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def schedules(draw: st.DrawFn) -> str:
    """Draw a valid schedule from parts, with untidy whitespace and case."""

    def gap() -> str:
        return draw(st.sampled_from(["", "", " ", "  ", "\t"]))

    def day() -> str:
        name = draw(st.sampled_from(DAYS))
        return draw(st.sampled_from([name, name.lower(), name.upper()]))

    def span() -> str:
        start = draw(CLOCK)
        end = (start + draw(st.integers(1, 1439))) % 1440
        end_text = "24:00" if end == 0 and draw(st.booleans()) else hhmm(end)
        return f"{hhmm(start)}{gap()}-{gap()}{end_text}"

    rules = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["24/7", "comment", "rule", "rule", "rule", "rule"]))
        if kind == "24/7":
            rules.append("24/7")
            continue
        if kind == "comment":
            rules.append('"op afspraak"')
            continue
        items = []
        for _ in range(draw(st.integers(0, 3))):
            item = draw(st.sampled_from(["day", "range", "PH"]))
            if item == "range":
                items.append(f"{day()}{gap()}-{gap()}{day()}")
            else:
                items.append(day() if item == "day" else draw(st.sampled_from(["PH", "ph"])))
        selector = f"{gap()},{gap()}".join(items)
        if draw(st.booleans()):
            state = draw(st.sampled_from(["off", "closed", "OFF"]))
        else:
            state = f"{gap()},{gap()}".join(span() for _ in range(draw(st.integers(1, 3))))
        rules.append(f"{selector} {gap()}{state}".strip())
    return gap() + f"{gap()};{gap()}".join(rules) + gap()


MOMENTS = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda t, s: t + timedelta(seconds=s),
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 86400, 3 * 86400),
    ),
)


@given(schedules())
def test_parse_is_idempotent_on_text(text: str) -> None:
    hours = parse(text)
    again = parse(hours.text)
    assert again.text == hours.text
    assert (again.rules, again.note) == (hours.rules, hours.note)


@given(schedules(), MOMENTS, st.lists(st.floats(0, 0.999), max_size=20))
def test_status_agrees_with_is_open(text: str, moment: datetime, samples: list[float]) -> None:
    hours = parse(text)
    status = hours.status(moment)
    assert status.open == hours.is_open(moment)
    change = status.until if status.open else status.next_open
    assert (status.next_open if status.open else status.until) is None
    # In UTC: arithmetic on datetimes in the zone would be wall-clock arithmetic.
    end = (change or moment + timedelta(days=14)).astimezone(UTC)
    assert end > moment
    # Every sampled moment before the change keeps the current state; the change flips it.
    fractions = [*samples, *(i / 25 for i in range(25))]
    for fraction in fractions:
        assert hours.is_open(moment + (end - moment) * fraction) == status.open
    assert hours.is_open(end - timedelta(microseconds=1)) == status.open
    if change is not None:
        assert change.tzinfo is AMS
        assert hours.is_open(change) != status.open
