"""Working-hour schedules: on which days, and in which hours of them, a clock runs.

COMMON-CAL-007 is the default (09:00–18:00 on working days); a rule file may name
others in its ``schedules:`` section (a 24 h property hotline, an office with a lunch
break). A schedule is data; :func:`add_hours` moves a timestamp through it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# Which days a schedule runs: the working days of the calendar (调休 included), every
# day, or named weekdays.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_RULES = ("working", "every")

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")
_ONE_DAY = timedelta(days=1)


class ScheduleError(ValueError):
    """A schedule written wrongly; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a clock runs. ``intervals`` are offsets from midnight, sorted, disjoint."""

    name: str
    days: str | frozenset[int]  # "working", "every", or weekday numbers (Mon=0)
    intervals: tuple[tuple[timedelta, timedelta], ...]

    def __str__(self) -> str:  # how a rule's text shows it (`add_working_hours(t, 2, office)`)
        return self.name

    def runs_on(self, day: date, is_working_day: Callable[[date], bool]) -> bool:
        if self.days == "working":
            return is_working_day(day)
        if self.days == "every":
            return True
        assert isinstance(self.days, frozenset)
        return day.weekday() in self.days

    def describe(self) -> str:
        days = (
            self.days
            if isinstance(self.days, str)
            else ", ".join(WEEKDAYS[d] for d in sorted(self.days))
        )
        hours = ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in self.intervals)
        return f"{days} {hours}"


def _clock(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


OFFICE_HOURS = Schedule("working_hours", "working", ((timedelta(hours=9), timedelta(hours=18)),))


def parse_schedule(name: str, days: object, hours: object) -> Schedule:
    """A schedule from a rule file's ``days:`` and ``hours:``; ScheduleError if wrong."""
    return Schedule(name, _parse_days(days), _parse_hours(hours))


def _parse_days(raw: object) -> str | frozenset[int]:
    if raw is None:
        return "working"
    if isinstance(raw, str) and raw in DAY_RULES:
        return raw
    items = raw if isinstance(raw, list) else [raw]
    found: set[int] = set()
    for item in items:
        text = str(item).strip().lower()[:3]
        if text not in WEEKDAYS:
            raise ScheduleError(
                f"days: '{item}' is not a day; write working, every, or a list of "
                f"weekdays such as [{', '.join(WEEKDAYS[:5])}]"
            )
        found.add(WEEKDAYS.index(text))
    if not found:
        raise ScheduleError("days: name at least one day")
    return frozenset(found)


def _parse_hours(raw: object) -> tuple[tuple[timedelta, timedelta], ...]:
    items = raw if isinstance(raw, list) else [raw]
    intervals: list[tuple[timedelta, timedelta]] = []
    for item in items:
        match = _HOURS.match(str(item)) if isinstance(item, str) else None
        if match is None:
            raise ScheduleError(
                f"hours: '{item}' is not a time range; write \"09:00-18:00\" (quoted), or a "
                'list such as ["08:30-12:00", "13:30-17:30"]'
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2):
            raise ScheduleError(f"hours: '{item}' is not a time of day (00:00 to 24:00)")
        start, end = timedelta(hours=h1, minutes=m1), timedelta(hours=h2, minutes=m2)
        if start >= end:
            raise ScheduleError(
                f"hours: '{item}' ends before it starts (a range past midnight is two: "
                '["22:00-24:00", "00:00-06:00"])'
            )
        intervals.append((start, end))
    if not intervals:
        raise ScheduleError("hours: give at least one time range")
    intervals.sort()
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if start < end:
            raise ScheduleError(f"hours: {_clock(start)} starts before {_clock(end)} ends")
    return tuple(intervals)


def add_hours(
    start: datetime,
    hours: float,
    schedule: Schedule,
    is_working_day: Callable[[date], bool],
) -> datetime:
    """``start`` moved by ``hours`` of the schedule's time (naive local wall time in and out).

    Time outside the schedule is not consumed; a clock started outside it starts at the
    next opening. A result landing exactly on the end of a range stays there (18:00
    stays 18:00 that day, 12:00 before a lunch break stays 12:00)."""
    remaining = timedelta(hours=hours)
    cur = start
    day = cur.date()
    while True:
        if schedule.runs_on(day, is_working_day):
            midnight = datetime.combine(day, time())
            for begin, end in schedule.intervals:
                opens, closes = midnight + begin, midnight + end
                if cur < opens:
                    cur = opens
                if cur <= closes:  # "<=": what fits exactly up to the end ends there
                    available = closes - cur
                    if remaining <= available:
                        return cur + remaining
                    remaining -= available
                    cur = closes
        day += _ONE_DAY
        cur = max(cur, datetime.combine(day, time()))
