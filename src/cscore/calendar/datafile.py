"""Calendar data files: a year's official notice, loaded by the operator (COMMON-CAL-011).

When the State Council publishes a year's holiday notice, business staff write it down
as ``calendar/<year>.yaml`` in the rules folder; it replaces the provisional statutory
year (and even the packaged official table) without a release::

    source: 国务院办公厅关于2027年部分节假日安排的通知
    rest_days:
      - 2027-01-01
      - 2027-02-05..2027-02-11      # a range, both ends included
    working_days:                   # 调休: Saturdays/Sundays that are worked
      - 2027-02-20

A file is checked whole when it is read: known keys only, valid dates, every date inside
the file's year, no day both rest and working, working days on a weekend. Each problem
is one line naming ``file:line``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from cscore.calendar.year import CalendarYear
from cscore.errors import RuleFileError, RuleLoadError, did_you_mean

KEYS = ("year", "source", "rest_days", "working_days")
_NAME = re.compile(r"^(\d{4})\.ya?ml$")
_RANGE = ".."
_SATURDAY = 5


class _DatesAsText(RoundTripConstructor):
    """Dates stay text so that a wrong one (2027-02-30) is reported with its line.

    A subclass: ``add_constructor`` on ruamel's own class would change every YAML reader
    in the process, the rule files' included.
    """


_DatesAsText.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda constructor, node: str(constructor.construct_scalar(node)),
)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _DatesAsText
    return yaml


@dataclass(frozen=True)
class CalendarDir:
    """A folder of calendar files, and how its paths are shown (``rules/calendar``)."""

    path: Path
    label: str

    def files(self) -> list[Path]:
        """Its ``*.yaml``/``*.yml`` files; other files (a README) are not calendar data."""
        if not self.path.is_dir():
            return []
        return sorted(
            f for f in self.path.iterdir() if f.is_file() and f.suffix in (".yaml", ".yml")
        )

    def display(self, file: Path) -> str:
        return f"{self.label}/{file.name}"


def _line(node: Any, index: int | None = None, key: str | None = None) -> int | None:
    try:
        if index is not None and isinstance(node, CommentedSeq):
            return int(node.lc.item(index)[0]) + 1
        if key is not None and isinstance(node, CommentedMap):
            return int(node.lc.value(key)[0]) + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        pass
    return None


def _parse_day(text: str, display: str, line: int | None, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RuleFileError(
            display, line, f"{field}: '{text.strip()}' is not a date (write YYYY-MM-DD)"
        ) from None


def _days(
    node: Any, field: str, year: int, display: str, fallback: int | None
) -> dict[date, int | None]:
    """The dates of one list, each with its line; ``A..B`` ranges are expanded."""
    if node is None:
        return {}
    if not isinstance(node, list):
        raise RuleFileError(display, fallback, f"{field}: give a list of dates (- YYYY-MM-DD)")
    found: dict[date, int | None] = {}
    for index, item in enumerate(node):
        line = _line(node, index=index) or fallback
        text = str(item)
        first_text, sep, last_text = text.partition(_RANGE)
        first = _parse_day(first_text, display, line, field)
        last = _parse_day(last_text, display, line, field) if sep else first
        if last < first:
            raise RuleFileError(display, line, f"{field}: range '{text}' ends before it starts")
        for d in (first, last):
            if d.year != year:
                raise RuleFileError(
                    display, line, f"{field}: {d.isoformat()} is not in {year}, this file's year"
                )
        d = first
        while d <= last:
            found.setdefault(d, line)
            d += timedelta(days=1)
    return found


def read_calendar_file(file: Path, display: str) -> CalendarYear:
    """Read and check one ``<year>.yaml``; raise :class:`RuleFileError` naming file:line."""
    match = _NAME.match(file.name)
    if match is None:
        raise RuleFileError(display, None, "name a calendar file after its year: <YYYY>.yaml")
    year = int(match.group(1))
    try:
        data = _yaml().load(file.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise RuleFileError(display, line, f"YAML error: {exc.problem or exc.context}") from None
    except (YAMLError, UnicodeDecodeError, OSError) as exc:
        raise RuleFileError(display, None, f"cannot be read: {exc}") from None
    if not isinstance(data, CommentedMap):
        raise RuleFileError(display, 1, f"expected a mapping with {', '.join(KEYS)}")
    for key in data:
        if key not in KEYS:
            line = int(data.lc.key(key)[0]) + 1
            raise RuleFileError(
                display,
                line,
                f"unknown key '{key}'{did_you_mean(str(key), KEYS)} (keys: {', '.join(KEYS)})",
            )
    if "year" in data and data["year"] != year:
        raise RuleFileError(
            display,
            _line(data, key="year"),
            f"year: {data['year']} does not match the file name {file.name}",
        )
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise RuleFileError(
            display,
            _line(data, key="source") or 1,
            "source: name the notice this calendar copies (e.g. 国务院办公厅关于…的通知)",
        )
    if "rest_days" not in data:
        raise RuleFileError(display, 1, "rest_days: missing (the notice's days off)")
    rest = _days(data.get("rest_days"), "rest_days", year, display, _line(data, key="rest_days"))
    working = _days(
        data.get("working_days"), "working_days", year, display, _line(data, key="working_days")
    )
    for d, line in working.items():
        if d in rest:
            raise RuleFileError(
                display,
                line,
                f"working_days: {d.isoformat()} is also in rest_days (line {rest[d]}); keep one",
            )
        if d.weekday() < _SATURDAY:
            raise RuleFileError(
                display,
                line,
                f"working_days: {d.isoformat()} is a weekday, a working day anyway; "
                "list only the Saturdays/Sundays worked (调休)",
            )
    where = f"{display} ({source.strip()})"
    return CalendarYear(
        year=year,
        rest_days={d: f"loaded file {display}:{line}" for d, line in sorted(rest.items())},
        working_days={d: f"loaded file {display}:{line}" for d, line in sorted(working.items())},
        source=where,
    )


class CalendarData:
    """The calendar files loaded from some folders, by year; later folders win a year.

    The kernel builds one and gives it to every :class:`WorkCalendar`, which reads
    :attr:`years` once per evaluation; a reload swaps the whole mapping at once.
    """

    def __init__(self, dirs: Sequence[CalendarDir] = ()) -> None:
        self.dirs = list(dirs)
        self.years: dict[int, CalendarYear] = {}
        self.version = ""  # of the loaded files' content; "" when none is loaded
        self._lock = threading.Lock()

    def _set(self, years: dict[int, CalendarYear]) -> None:
        self.years = years
        digest = hashlib.sha256()
        for year in sorted(years):
            loaded = years[year]
            days = sorted(d.isoformat() for d in loaded.rest_days)
            worked = sorted(d.isoformat() for d in loaded.working_days)
            digest.update(f"{year}:{','.join(days)}|{','.join(worked)}\n".encode())
        self.version = f"files sha256:{digest.hexdigest()[:16]}" if years else ""

    def files(self) -> list[Path]:
        """Every calendar file of every folder (for the rule library's change signature)."""
        return [file for folder in self.dirs for file in folder.files()]

    def _read_all(
        self, keep: Callable[[int], CalendarYear | None]
    ) -> tuple[dict[int, CalendarYear], list[RuleFileError]]:
        years: dict[int, CalendarYear] = {}
        errors: list[RuleFileError] = []
        for folder in self.dirs:
            seen: dict[int, str] = {}
            for file in folder.files():
                display = folder.display(file)
                match = _NAME.match(file.name)
                if match is not None and int(match.group(1)) in seen:
                    errors.append(
                        RuleFileError(
                            display,
                            None,
                            f"a second file for {match.group(1)} besides "
                            f"{seen[int(match.group(1))]}; keep one",
                        )
                    )
                    continue
                try:
                    year = read_calendar_file(file, display)
                except RuleFileError as exc:
                    errors.append(exc)
                    previous = keep(int(match.group(1))) if match else None
                    if previous is not None:  # a broken edit keeps the last good year
                        years[previous.year] = previous
                    continue
                seen[year.year] = display
                years[year.year] = year
        return years, errors

    def load(self) -> None:
        """Read every file (at start-up): any problem is raised, all of them listed."""
        years, errors = self._read_all(lambda _year: None)
        if errors:
            raise RuleLoadError(errors)
        self._set(years)

    def reload(self) -> tuple[list[str], list[RuleFileError]]:
        """Re-read every file; a broken one keeps its year's last good version serving.

        Returns the years that changed (as ``calendar <year>``) and the problems found.
        """
        with self._lock:
            years, errors = self._read_all(self.years.get)
            changed = [
                f"calendar {year}"
                for year in sorted(years.keys() | self.years.keys())
                if years.get(year) != self.years.get(year)
            ]
            self._set(years)
            return changed, errors
