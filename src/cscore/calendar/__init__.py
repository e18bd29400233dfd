"""Calendar and time arithmetic for deadlines (CATALOG.md §1.1 COMMON-CAL, DESIGN.md §6)."""

from __future__ import annotations

from cscore.calendar.datafile import CalendarData, CalendarDir, read_calendar_file
from cscore.calendar.official import OFFICIAL_YEARS, official_is_working_day, official_year
from cscore.calendar.statutory import PROVISIONAL_YEARS, provisional_year, statutory_days
from cscore.calendar.workcalendar import (
    CHINA_TZ,
    WORKDAY_END,
    WORKDAY_START,
    HostCalendar,
    WorkCalendar,
    provisional_warning,
    to_china_time,
)
from cscore.calendar.year import CalendarYear

__all__ = [
    "CHINA_TZ",
    "OFFICIAL_YEARS",
    "PROVISIONAL_YEARS",
    "WORKDAY_END",
    "WORKDAY_START",
    "CalendarData",
    "CalendarDir",
    "CalendarYear",
    "HostCalendar",
    "WorkCalendar",
    "official_is_working_day",
    "official_year",
    "provisional_warning",
    "provisional_year",
    "read_calendar_file",
    "statutory_days",
    "to_china_time",
]
