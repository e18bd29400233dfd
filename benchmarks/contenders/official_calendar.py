"""The official 2025–2026 calendar (国务院办公厅 notices, CATALOG.md §8, COMMON-CAL-002),
typed in once for the contenders that cannot use cscore's calendar."""

from __future__ import annotations

import datetime as dt

REST_RANGES = (
    ("2025-01-01", "2025-01-01"),
    ("2025-01-28", "2025-02-04"),
    ("2025-04-04", "2025-04-06"),
    ("2025-05-01", "2025-05-05"),
    ("2025-05-31", "2025-06-02"),
    ("2025-10-01", "2025-10-08"),
    ("2026-01-01", "2026-01-03"),
    ("2026-02-15", "2026-02-23"),
    ("2026-04-04", "2026-04-06"),
    ("2026-05-01", "2026-05-05"),
    ("2026-06-19", "2026-06-21"),
    ("2026-09-25", "2026-09-27"),
    ("2026-10-01", "2026-10-07"),
)
ADJUSTED_WORKING_DAYS = (  # 调休上班日
    "2025-01-26",
    "2025-02-08",
    "2025-04-27",
    "2025-09-28",
    "2025-10-11",
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
)


def rest_days() -> list[dt.date]:
    days = []
    for first, last in REST_RANGES:
        day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        while day <= end:
            days.append(day)
            day += dt.timedelta(days=1)
    return days
