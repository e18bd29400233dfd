"""Working-day and deadline arithmetic (CATALOG.md §1.1, COMMON-CAL-001..010).

Every rule that counts days or hours goes through a :class:`WorkCalendar`, so the
precedence lives in one place: host calendar (COMMON-CAL-003) > loaded calendar file >
official table (COMMON-CAL-002) > provisional statutory year (COMMON-CAL-011) > Mon–Fri.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from cscore.calendar.datafile import CalendarData
from cscore.calendar.official import official_is_working_day
from cscore.calendar.schedule import OFFICE_HOURS, Schedule, add_hours
from cscore.calendar.statutory import PROVISIONAL_YEARS, provisional_year
from cscore.calendar.year import CalendarYear

# COMMON-CAL-001. China has had no DST since 1991, so a fixed offset is exact and
# avoids depending on the system tz database (absent on slim containers / Windows).
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# COMMON-CAL-007: working hours are 09:00–18:00 on working days (OFFICE_HOURS).
WORKDAY_START = time(9)
WORKDAY_END = time(18)

_ONE_DAY = timedelta(days=1)
_END_OF_DAY = time(23, 59, 59, tzinfo=CHINA_TZ)
_SATURDAY = 5  # date.weekday(): Mon=0 … Sat=5, Sun=6


def to_china_time(ts: datetime) -> datetime:
    """COMMON-CAL-001: naive timestamps are taken as +08:00; aware ones are converted to it."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        return ts.replace(tzinfo=CHINA_TZ)
    return ts.astimezone(CHINA_TZ)


def provisional_warning(year: int) -> str:
    return (
        f"calendar for {year} is provisional (statutory holidays only; load the official "
        f"notice as calendar/{year}.yaml in the rules folder, or send holiday_calendar)"
    )


def _fallback_warning(year: int) -> str:
    return (
        f"no holiday table for {year} (the statutory calendar covers "
        f"{PROVISIONAL_YEARS.start}–{PROVISIONAL_YEARS.stop - 1}): working days assumed "
        f"Mon–Fri (load calendar/{year}.yaml or send holiday_calendar to be exact)"
    )


class HostCalendar(BaseModel):
    """COMMON-CAL-003: the case fact ``holiday_calendar``, authoritative inside its range.

    Inside ``authoritative_range`` (inclusive) a date is non-working iff it is listed in
    ``non_working_days``, or it is a Saturday/Sunday not listed in ``adjusted_working_days``.
    """

    # Unknown keys are ignored with a warning, like any unknown fact (models.unknown).
    model_config = ConfigDict(extra="ignore", frozen=True)

    authoritative_range: tuple[date, date]
    non_working_days: tuple[date, ...] = ()
    adjusted_working_days: tuple[date, ...] = ()

    # Sets for O(1) look-ups; built once per model, the tuples stay the public, hashable form.
    _rest: frozenset[date] = PrivateAttr(default_factory=frozenset)
    _adjusted: frozenset[date] = PrivateAttr(default_factory=frozenset)

    @model_validator(mode="after")
    def _check_days(self) -> HostCalendar:
        start, end = self.authoritative_range
        if start > end:
            raise ValueError(
                f"authoritative_range start {start.isoformat()} is after its end "
                f"{end.isoformat()}; give [start, end] with start <= end"
            )
        for field in ("non_working_days", "adjusted_working_days"):
            for d in getattr(self, field):
                if not start <= d <= end:
                    raise ValueError(
                        f"{field}: {d.isoformat()} lies outside authoritative_range "
                        f"[{start.isoformat()}, {end.isoformat()}]; widen the range or drop the day"
                    )
        both = sorted(set(self.non_working_days) & set(self.adjusted_working_days))
        if both:
            days = ", ".join(d.isoformat() for d in both)
            raise ValueError(
                f"{days} listed both in non_working_days and adjusted_working_days; keep one"
            )
        return self

    def model_post_init(self, __context: object) -> None:
        # Private attributes may be set on a frozen model; only fields are frozen.
        self._rest = frozenset(self.non_working_days)
        self._adjusted = frozenset(self.adjusted_working_days)

    def covers(self, d: date) -> bool:
        """Whether ``d`` lies inside ``authoritative_range`` (both ends inclusive)."""
        return self.authoritative_range[0] <= d <= self.authoritative_range[1]

    def is_working_day(self, d: date) -> bool:
        """COMMON-CAL-003 answer for ``d``; only meaningful when :meth:`covers` is true."""
        if d in self._rest:
            return False
        if d.weekday() >= _SATURDAY:
            return d in self._adjusted
        return True


class WorkCalendar:
    """One per evaluation: answers working-day questions and collects warnings.

    Cheap to construct (no I/O, no table building): the official table and the statutory
    years are cached at module level; ``data``'s loaded years are read once here, so one
    evaluation sees one version even if a reload swaps them meanwhile.
    """

    __slots__ = ("_host", "_loaded", "_warned", "warnings")

    def __init__(self, host: HostCalendar | None = None, data: CalendarData | None = None) -> None:
        self._host = host
        self._loaded: dict[int, CalendarYear] = data.years if data is not None else {}
        self.warnings: list[str] = []  # de-duplicated, in first-seen order
        self._warned: set[str] = set()

    def warn(self, message: str) -> None:
        """Record ``message`` once; later duplicates are dropped, first-seen order is kept."""
        if message not in self._warned:
            self._warned.add(message)
            self.warnings.append(message)

    def is_working_day(self, d: date) -> bool:
        """COMMON-CAL-002/003/011: host calendar inside its range, else a loaded calendar
        file, else the official table, else the provisional statutory year, else Mon–Fri.

        The last two record a warning (once per year): a decision built on them may be
        off by the bridge days and 调休 of a notice not loaded.
        """
        host = self._host
        if host is not None and host.covers(d):
            return host.is_working_day(d)
        loaded = self._loaded.get(d.year) if self._loaded else None
        if loaded is not None:
            return loaded.is_working_day(d)
        official = official_is_working_day(d)
        if official is not None:
            return official
        statutory = provisional_year(d.year)
        if statutory is not None:
            self.warn(provisional_warning(d.year))
            return statutory.is_working_day(d)
        self.warn(_fallback_warning(d.year))
        return d.weekday() < _SATURDAY

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        # Terminates: every source has at most a few weeks of rest days in a row.
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def next_working_day_if_rest(self, d: date) -> date:
        """COMMON-CAL-006: a last day on a rest day moves to the next working day.

        An adjusted working Saturday/Sunday is a working day and is not moved.
        """
        return d if self.is_working_day(d) else self.next_working_day(d)

    def working_day_on_or_after(self, d: date) -> date:
        """``d`` if it is a working day, else the next one (same as COMMON-CAL-006)."""
        return self.next_working_day_if_rest(d)

    def add_days(self, d: date, n: int) -> date:
        """COMMON-CAL-005: ``d + n`` calendar days, no holiday extension."""
        return d + timedelta(days=n)

    def add_working_days(self, d: date, n: int) -> date:
        """COMMON-CAL-004: the ``n``-th working day after ``d``; ``d`` itself never counts.

        ``n == 0`` returns ``d``. Raises ``ValueError`` for ``n < 0``.
        """
        if n < 0:
            raise ValueError(f"add_working_days: n must be >= 0, got {n}")
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def add_working_hours(
        self, ts: datetime, hours: float, schedule: Schedule | None = None
    ) -> datetime:
        """COMMON-CAL-007: advance ``ts`` by ``hours`` of working time (09:00–18:00, working
        days), or of a rule file's named ``schedule`` (calendar/schedule.py).

        Time outside working hours is not consumed; a clock started outside them starts
        at the next opening (09:00 of a working day). A result landing exactly on the end
        of the hours (18:00) stays there that day. Returns a +08:00-aware datetime;
        raises ``ValueError`` for negative or non-finite ``hours``.
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"add_working_hours: hours must be a finite number >= 0, got {hours}")
        # Work on naive local wall time: with a fixed offset it is exact and cheaper.
        local = to_china_time(ts).replace(tzinfo=None)
        end = add_hours(local, hours, schedule or OFFICE_HOURS, self.is_working_day)
        return end.replace(tzinfo=CHINA_TZ)

    def in_hours(self, ts: datetime, schedule: Schedule | None = None) -> bool:
        """Whether ``ts`` falls inside the schedule's hours (the start included, the end not)."""
        local = to_china_time(ts).replace(tzinfo=None)
        chosen = schedule or OFFICE_HOURS
        if not chosen.runs_on(local.date(), self.is_working_day):
            return False
        clock = local - datetime.combine(local.date(), time())
        return any(begin <= clock < end for begin, end in chosen.intervals)

    def add_years(self, d: date, n: int) -> date:
        """COMMON-CAL-009: same month/day ``n`` years later; 29 Feb becomes 28 Feb if missing."""
        year = d.year + n
        try:
            return d.replace(year=year)
        except ValueError:  # only 29 Feb into a non-leap year; the month's last day is the 28th
            return d.replace(year=year, day=28)

    def end_of_day(self, d: date) -> datetime:
        """COMMON-CAL-004/005: the deadline instant of a date deadline, 23:59:59 +08:00."""
        return datetime.combine(d, _END_OF_DAY)
