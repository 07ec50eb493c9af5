"""Read opening-hours text into rules; see the package docstring for the syntax."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from typing import NoReturn

from models.opening_hours.holidays import holiday_names

DAY_NAMES = ("mo", "tu", "we", "th", "fr", "sa", "su")
ALL_WEEK = frozenset(range(7))
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?![0-9])")  # [0-9], not \d: no other scripts' digits
_OFF = ("off", "closed")
_LETTERS = frozenset(string.ascii_letters)


class OpeningHoursError(ValueError):
    """Text is not valid opening hours: says where it went wrong and what was expected."""

    def __init__(self, text: str, position: int, reason: str) -> None:
        self.text, self.position, self.reason = text, position, reason
        before, after = text[max(0, position - 20) : position], text[position : position + 20]
        context = ("…" if position > 20 else "") + before + "▶" + after
        context = " ".join((context + ("…" if position + 20 < len(text) else "")).split())
        super().__init__(f"{reason} at position {position}: {context}")


@dataclass(frozen=True)
class Rule:
    """Select days and say when they are open; no spans means closed on those days."""

    weekdays: frozenset[int]  # 0 = Monday; all seven when the rule has no selector
    holidays: bool  # also selects Dutch public holidays (PH)
    spans: tuple[tuple[int, int], ...]  # minutes after midnight; an end past 1440 spills over

    def selects(self, day: date) -> bool:
        """Tell whether the rule speaks about this local date."""
        return day.weekday() in self.weekdays or (self.holidays and day in holiday_names(day.year))


def parse_rules(text: str) -> tuple[tuple[Rule, ...], list[str]]:
    """Return the rules and comments of text; raise OpeningHoursError at the first mistake."""
    return _Parser(text).parse()


class _Parser:
    """Read the text left to right, keeping the position for error messages."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def fail(self, reason: str, position: int | None = None) -> NoReturn:
        raise OpeningHoursError(self.text, self.pos if position is None else position, reason)

    def peek(self) -> str:
        """Skip whitespace and return the next character, or "" at the end."""
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos : self.pos + 1]

    def word(self) -> str:
        """Consume and return a run of ASCII letters (lowercased)."""
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _LETTERS:
            self.pos += 1
        return self.text[start : self.pos].lower()

    def parse(self) -> tuple[tuple[Rule, ...], list[str]]:
        """Parse all rules separated by ';'."""
        rules: list[Rule] = []
        notes: list[str] = []
        if not self.peek():
            return (), notes
        while True:
            if self.peek() in ("", ";"):
                self.fail("empty rule")
            if self.peek() != '"':
                rules.append(self.rule())
            if self.peek() == '"':
                notes.append(self.comment())
            if not self.peek():
                return tuple(rules), notes
            if self.peek() != ";":
                self.fail("expected ';' or the end of the text")
            self.pos += 1

    def rule(self) -> Rule:
        """Parse an optional day selector and a state, or 24/7."""
        start = self.pos
        if self.text.startswith("24/7", start):
            self.pos += 4
            return Rule(ALL_WEEK, False, ((0, 1440),))
        has_days = self.peek().isalpha() and self.word() not in _OFF
        self.pos = start  # the word was only a look ahead
        weekdays, holidays = self.selector() if has_days else (ALL_WEEK, False)
        return Rule(weekdays, holidays, self.state())

    def selector(self) -> tuple[frozenset[int], bool]:
        """Parse days, ranges and PH separated by ','."""
        days: set[int] = set()
        holidays = False
        while True:
            first = self.day()
            if self.peek() == "-":
                if first is None:
                    self.fail("PH cannot be part of a range")
                self.pos += 1
                self.peek()
                at, last = self.pos, self.day()
                if last is None:
                    self.fail("PH cannot be part of a range", at)
                days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
            elif first is None:
                holidays = True
            else:
                days.add(first)
            if self.peek() != ",":
                return frozenset(days), holidays
            self.pos += 1

    def day(self) -> int | None:
        """Parse a day name: 0-6 for Mo-Su, None for PH."""
        self.peek()
        at, name = self.pos, self.word()
        if name == "ph":
            return None
        if name in DAY_NAMES:
            return DAY_NAMES.index(name)
        if name:
            known = "Mo, Tu, We, Th, Fr, Sa, Su or PH"
            self.fail(f"unknown day name {self.text[at : self.pos]!r}, expected {known}", at)
        raise OpeningHoursError(self.text, at, "expected a day name like Mo or PH")

    def state(self) -> tuple[tuple[int, int], ...]:
        """Parse 'off'/'closed' or time ranges separated by ','."""
        self.peek()
        at = self.pos
        if self.text[at : at + 1].isalpha() and self.word() in _OFF:
            return ()
        if not self.text[at : at + 1].isdigit():
            self.fail("expected a time like 09:00, or off", at)
        if self.text.startswith("24/7", self.pos):
            self.fail("24/7 must be a rule of its own; use 00:00-24:00 after days")
        spans = [self.span()]
        while self.peek() == ",":
            self.pos += 1
            spans.append(self.span())
        return tuple(spans)

    def span(self) -> tuple[int, int]:
        """Parse one 'HH:MM-HH:MM' range; an end at or before the start is on the next day."""
        self.peek()
        at, start = self.pos, self.time()
        if start == 1440:
            self.fail("a range cannot start at 24:00", at)
        if self.peek() != "-":
            self.fail("expected '-' between the start and end time")
        self.pos += 1
        self.peek()
        end = self.time()
        if end == start:
            self.fail("start and end time are equal", at)
        return (start, end if end > start else end + 1440)

    def time(self) -> int:
        """Parse 'HH:MM' and return minutes after midnight."""
        at = self.pos
        if not (match := _TIME.match(self.text, at)):
            self.fail("expected a time like 09:00")
        hours, minutes = int(match[1]), int(match[2])
        if hours > 24:
            self.fail("hours out of range, expected 00 to 24")
        if minutes > 59:
            self.fail("minutes out of range, expected 00 to 59", at + 3)
        if hours == 24 and minutes:
            self.fail("24:00 is the latest time")
        self.pos = match.end()
        return hours * 60 + minutes

    def comment(self) -> str:
        """Parse a quoted comment and return its text with whitespace collapsed."""
        at = self.pos
        end = self.text.find('"', at + 1)
        if end < 0:
            self.fail("unterminated comment, expected a closing '\"'")
        if not (note := " ".join(self.text[at + 1 : end].split())):
            self.fail("empty comment")
        self.pos = end + 1
        return note
