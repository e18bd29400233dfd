"""The official PRC working-day table (COMMON-CAL-002), from the ``chinese_calendar`` package.

The package carries the 国务院办公厅 holiday notices, including make-up working days
(调休上班日). It raises ``NotImplementedError`` for years it does not know; here that
becomes ``None`` so the caller can fall back (to the provisional statutory year of
COMMON-CAL-011, with a warning).
"""

from __future__ import annotations

import importlib.metadata
from datetime import date
from functools import lru_cache

import chinese_calendar

from cscore.calendar.year import CalendarYear


def _covered_years() -> range:
    """The span of years the installed package has tables for, derived once at import.

    Both dicts are keyed by date; min/max over a few hundred keys is cheap and keeps this
    in step with whatever ``chinese-calendar`` release is installed (1.11 covers 2004–2026).
    """
    days = chinese_calendar.holidays.keys() | chinese_calendar.workdays.keys()
    return range(min(days).year, max(days).year + 1)


OFFICIAL_YEARS: range = _covered_years()

# Every covered day fits: ~23 years x 366 days. Bounded all the same so that a caller
# passing datetimes (distinct keys per instant) cannot grow the cache without limit.
_CACHE_SIZE = 16384


@lru_cache(maxsize=_CACHE_SIZE)
def _official_lookup(d: date) -> bool | None:
    # chinese_calendar.is_workday recomputes its year span on every call, hence the cache.
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:  # year not in the installed tables after all
        return None


def official_is_working_day(d: date) -> bool | None:
    """COMMON-CAL-002: is ``d`` an official working day? ``None`` if its year is not covered.

    The year check comes first so that uncovered years never touch the cache.
    """
    if d.year not in OFFICIAL_YEARS:
        return None
    return _official_lookup(d)


_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
_VERSION = importlib.metadata.version("chinese-calendar")
SOURCE = f"official table (chinese-calendar {_VERSION}, 国务院办公厅 notices)"


@lru_cache(maxsize=32)
def official_year(year: int) -> CalendarYear | None:
    """The official table of ``year`` as a :class:`CalendarYear` (for ``cscore calendar``).

    Rest days are the package's holiday days that are not worked; working days are its
    weekend 调休 days. ``None`` if the year is not covered.
    """
    if year not in OFFICIAL_YEARS:
        return None
    rest = {
        d: f"{_CHINESE_NAMES.get(name, name)} (official table)"
        for d, name in sorted(chinese_calendar.holidays.items())
        if d.year == year and not official_is_working_day(d)
    }
    working = {
        d: f"调休 working day for {_CHINESE_NAMES.get(name, name)} (official table)"
        for d, name in sorted(chinese_calendar.workdays.items())
        if d.year == year and d.weekday() >= 5
    }
    return CalendarYear(year=year, rest_days=rest, working_days=working, source=SOURCE)
