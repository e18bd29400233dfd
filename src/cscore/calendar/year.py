"""One year's working-day table, whatever it came from (loaded notice, official, statutory).

Every source of a year — an operator's calendar file (COMMON-CAL-011), the official table
(COMMON-CAL-002), the statutory rest days of a year without a notice (COMMON-CAL-011) —
is turned into this one shape, so the working-day rule and ``cscore calendar`` read them
the same way. Each listed day keeps the reason it is listed, for the command to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

_SATURDAY = 5  # date.weekday(): Mon=0 … Sat=5, Sun=6


@dataclass(frozen=True)
class CalendarYear:
    """Rest days and make-up working days (调休) of one year; other days follow Mon–Fri.

    :param rest_days: non-working days (weekdays off, and the weekend days of a holiday
        block), each with why it is off.
    :param working_days: Saturdays/Sundays worked (调休上班日), each with why.
    :param source: where the whole year comes from, as shown to people.
    :param provisional: the statutory minimum of a year whose notice is not loaded.
    """

    year: int
    rest_days: Mapping[date, str]
    working_days: Mapping[date, str]
    source: str
    provisional: bool = False

    def is_working_day(self, d: date) -> bool:
        if d in self.rest_days:
            return False
        if d.weekday() >= _SATURDAY:
            return d in self.working_days
        return True
