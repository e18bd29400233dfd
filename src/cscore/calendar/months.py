"""Calendar-month arithmetic: month starts and ends, days in a month, months between
dates, and ``YYYY-MM`` month texts (billing months). Pure functions on dates."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable

_MONTH_TEXT = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def days_in_month(d: dt.date) -> int:
    """28…31: how many days the month of ``d`` has (29 in February of a leap year)."""
    return calendar.monthrange(d.year, d.month)[1]


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=days_in_month(d))


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day ``n`` months later (or earlier); a day the target month lacks becomes
    its last day (31 Jan + 1 month = 28/29 Feb), as COMMON-CAL-009 does for years."""
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    first = dt.date(year, month + 1, 1)
    return first.replace(day=min(d.day, days_in_month(first)))


def months_between(start: dt.date, end: dt.date) -> int:
    """Calendar months from the month of ``start`` to the month of ``end`` (days ignored):
    2026-01-31 → 2026-04-01 is 3; negative when ``end`` is in an earlier month."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def month_of(text: str) -> dt.date:
    """The first day of a ``YYYY-MM`` month text ("2026-04" → 2026-04-01)."""
    match = _MONTH_TEXT.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f'expected a month like "2026-04", got {text!r}')
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def earliest_month(months: Iterable[str]) -> dt.date:
    """The first day of the earliest month of a list of ``YYYY-MM`` texts."""
    return min(_months(months))


def latest_month(months: Iterable[str]) -> dt.date:
    """The first day of the latest month of a list of ``YYYY-MM`` texts."""
    return max(_months(months))


def _months(months: Iterable[str]) -> list[dt.date]:
    parsed = [month_of(text) for text in months]
    if not parsed:
        raise ValueError("the list of months is empty")
    return parsed
