"""Which calendar data a decision was made with, as one comparable text.

Working days come from the installed ``chinese-calendar`` tables (COMMON-CAL-002) and,
where a host gives one, its holiday calendar (COMMON-CAL-003). Either can change a
deadline, so the decision log keeps this text beside each decision and a replay warns
when it differs. (A case's own ``holiday_calendar`` fact travels with the case.)
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from cscore.calendar.official import OFFICIAL_YEARS
from cscore.calendar.workcalendar import HostCalendar


@lru_cache(maxsize=1)
def _official() -> str:
    try:
        installed = version("chinese-calendar")
    except PackageNotFoundError:  # vendored or renamed: the covered years still tell
        installed = "unknown"
    return f"chinese-calendar {installed} ({OFFICIAL_YEARS.start}-{OFFICIAL_YEARS.stop - 1})"


def calendar_version(host: HostCalendar | None = None, files: str = "") -> str:
    """``chinese-calendar 1.11.0 (2004-2026)``, plus ``; files sha256:…`` of the loaded
    calendar files (a year's notice) and ``; host sha256:…`` of the host's calendar."""
    parts = [_official()]
    if files:
        parts.append(files)
    if host is not None:
        digest = hashlib.sha256(host.model_dump_json().encode()).hexdigest()
        parts.append(f"host sha256:{digest[:16]}")
    return "; ".join(parts)
