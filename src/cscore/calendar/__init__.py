"""Calendar and time arithmetic for deadlines (CATALOG.md §1.1 COMMON-CAL, DESIGN.md §6)."""

from __future__ import annotations

from cscore.calendar.official import OFFICIAL_YEARS, official_is_working_day
from cscore.calendar.workcalendar import (
    CHINA_TZ,
    WORKDAY_END,
    WORKDAY_START,
    HostCalendar,
    WorkCalendar,
    to_china_time,
)

__all__ = [
    "CHINA_TZ",
    "OFFICIAL_YEARS",
    "WORKDAY_END",
    "WORKDAY_START",
    "HostCalendar",
    "WorkCalendar",
    "official_is_working_day",
    "to_china_time",
]
