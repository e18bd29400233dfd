"""Which table a year's working days come from, for ``cscore calendar YEAR``.

The same precedence as :meth:`WorkCalendar.is_working_day` without the per-case host
calendar: loaded calendar file > official table > provisional statutory year.
"""

from __future__ import annotations

from cscore.calendar.datafile import CalendarData
from cscore.calendar.official import official_year
from cscore.calendar.statutory import provisional_year
from cscore.calendar.year import CalendarYear


def year_in_force(year: int, data: CalendarData | None = None) -> CalendarYear | None:
    """The table the kernel uses for ``year``; ``None``: Mon–Fri with a warning."""
    loaded = data.years.get(year) if data is not None else None
    return loaded or official_year(year) or provisional_year(year)
