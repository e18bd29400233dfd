"""Calendar data files (COMMON-CAL-011): a year's official notice, loaded by the operator.

Checked at load with one-line file:line errors; loaded from <rules_dir>/calendar/;
replacing the provisional statutory year on Kernel.reload(); precedence host calendar >
loaded file > official table > provisional statutory year.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from cscore.calendar import (
    CalendarData,
    CalendarDir,
    WorkCalendar,
    provisional_warning,
    read_calendar_file,
)
from cscore.errors import RuleFileError, RuleLoadError
from cscore.kernel import Kernel

from .conftest import return_case

# The provisional 2027 of CATALOG §8, written down as a notice would be.
NOTICE_2027 = """\
source: 国务院办公厅关于2027年部分节假日安排的通知 (test copy)
rest_days:
  - 2027-01-01
  - 2027-02-05..2027-02-10
working_days:
  - 2027-02-20
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    existed = path.exists()
    path.write_text(text, encoding="utf-8")
    if existed:  # make the edit visible within one mtime tick
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    return path


def _read(tmp_path: Path, text: str, name: str = "2027.yaml"):
    return read_calendar_file(_write(tmp_path, name, text), f"rules/calendar/{name}")


# --- reading one file -------------------------------------------------------------------------


def test_a_notice_file_gives_rest_days_working_days_and_their_lines(tmp_path):
    year = _read(tmp_path, NOTICE_2027)
    assert year.year == 2027 and not year.provisional
    assert sorted(year.rest_days) == [date(2027, 1, 1), *(date(2027, 2, d) for d in range(5, 11))]
    assert year.rest_days[date(2027, 2, 7)] == "loaded file rules/calendar/2027.yaml:4"
    assert year.working_days == {date(2027, 2, 20): "loaded file rules/calendar/2027.yaml:6"}
    assert year.source == (
        "rules/calendar/2027.yaml (国务院办公厅关于2027年部分节假日安排的通知 (test copy))"
    )
    assert year.is_working_day(date(2027, 2, 20)) is True  # 调休 Saturday
    assert year.is_working_day(date(2027, 2, 21)) is False  # ordinary Sunday
    assert year.is_working_day(date(2027, 2, 11)) is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "source: x\nrest_days:\n  - 2027-01-01\n  - 2028-01-01\n",
            "rules/calendar/2027.yaml:4: rest_days: 2028-01-01 is not in 2027, this file's year",
        ),
        (
            "source: x\nrest_days:\n  - 2027-02-30\n",
            "rules/calendar/2027.yaml:3: rest_days: '2027-02-30' is not a date (write YYYY-MM-DD)",
        ),
        (
            "source: x\nrest_days:\n  - 2027-02-06\nworking_days:\n  - 2027-02-06\n",
            "rules/calendar/2027.yaml:5: working_days: 2027-02-06 is also in rest_days (line 3)",
        ),
        (
            "source: x\nrest_days: []\nworking_days:\n  - 2027-02-22\n",
            "rules/calendar/2027.yaml:4: working_days: 2027-02-22 is a weekday",
        ),
        (
            "source: x\nrest_days:\n  - 2027-02-10..2027-02-05\n",
            "rules/calendar/2027.yaml:3: rest_days: range '2027-02-10..2027-02-05' ends before",
        ),
        (
            "source: x\nrest_day:\n  - 2027-01-01\n",
            "rules/calendar/2027.yaml:2: unknown key 'rest_day' (did you mean 'rest_days'?)",
        ),
        ("rest_days: []\n", "rules/calendar/2027.yaml:1: source: name the notice"),
        ("source: x\n", "rules/calendar/2027.yaml:1: rest_days: missing"),
        (
            "year: 2028\nsource: x\nrest_days: []\n",
            "rules/calendar/2027.yaml:1: year: 2028 does not match the file name 2027.yaml",
        ),
        (
            "source: x\nrest_days: 2027-01-01\n",
            "rules/calendar/2027.yaml:2: rest_days: give a list",
        ),
        ("source: x\nrest_days: [2027-01-01\n", "rules/calendar/2027.yaml:3: YAML error"),
    ],
)
def test_bad_files_are_one_line_file_line_errors(tmp_path, text, message):
    with pytest.raises(RuleFileError) as raised:
        _read(tmp_path, text)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_file_is_named_after_its_year(tmp_path):
    with pytest.raises(RuleFileError, match=r"notice\.yaml: name a calendar file after its year"):
        _read(tmp_path, NOTICE_2027, name="notice.yaml")


def test_a_year_in_the_file_must_match_and_may_be_given(tmp_path):
    assert _read(tmp_path, "year: 2027\n" + NOTICE_2027).year == 2027


# --- the loaded set ---------------------------------------------------------------------------


def test_a_later_folder_wins_a_year_and_other_files_are_ignored(tmp_path):
    default, own = tmp_path / "default", tmp_path / "own"
    _write(default, "2027.yaml", NOTICE_2027)
    _write(default, "README.md", "not calendar data")
    _write(own, "2027.yaml", "source: own\nrest_days:\n  - 2027-03-01\n")
    data = CalendarData([CalendarDir(default, "rules/calendar"), CalendarDir(own, "own/calendar")])
    data.load()
    assert list(data.years) == [2027]
    assert data.years[2027].rest_days == {date(2027, 3, 1): "loaded file own/calendar/2027.yaml:3"}
    assert [f.name for f in data.files()] == ["2027.yaml", "2027.yaml"]


def test_load_lists_every_broken_file(tmp_path):
    _write(tmp_path, "2027.yaml", "source: x\nrest_days:\n  - 2027-13-01\n")
    _write(tmp_path, "2028.yaml", "source: x\nrest_days:\n  - 2027-01-01\n")
    data = CalendarData([CalendarDir(tmp_path, "rules/calendar")])
    with pytest.raises(RuleLoadError) as raised:
        data.load()
    assert [str(e).split(":")[0:2] for e in raised.value.errors] == [
        ["rules/calendar/2027.yaml", "3"],
        ["rules/calendar/2028.yaml", "3"],
    ]


def test_a_broken_edit_keeps_the_last_good_year(tmp_path):
    path = _write(tmp_path, "2027.yaml", NOTICE_2027)
    data = CalendarData([CalendarDir(tmp_path, "rules/calendar")])
    data.load()
    good = data.years[2027]
    _write(tmp_path, "2027.yaml", NOTICE_2027 + "  - 2027-02-22\n")  # a weekday as 调休
    changed, errors = data.reload()
    assert changed == [] and data.years[2027] is good
    assert [f"{e.path}:{e.line}" for e in errors] == ["rules/calendar/2027.yaml:7"]
    path.unlink()
    changed, errors = data.reload()
    assert changed == ["calendar 2027"] and errors == [] and data.years == {}


# --- precedence in WorkCalendar ---------------------------------------------------------------


def test_a_loaded_year_replaces_the_provisional_year_without_warning(tmp_path):
    _write(tmp_path, "2027.yaml", NOTICE_2027)
    data = CalendarData([CalendarDir(tmp_path, "rules/calendar")])
    data.load()
    cal = WorkCalendar(data=data)
    assert cal.is_working_day(date(2027, 2, 20)) is True  # the file's 调休 Saturday
    assert cal.is_working_day(date(2027, 5, 3)) is True  # no statutory make-up in this notice
    assert cal.warnings == []


def test_a_loaded_file_overrides_the_official_table(tmp_path):
    _write(tmp_path, "2026.yaml", "source: correction\nrest_days:\n  - 2026-03-02\n")
    data = CalendarData([CalendarDir(tmp_path, "rules/calendar")])
    data.load()
    cal = WorkCalendar(data=data)
    assert cal.is_working_day(date(2026, 3, 2)) is False
    assert cal.is_working_day(date(2026, 10, 1)) is True  # not in this (partial) file


def test_the_host_calendar_overrides_a_loaded_file(tmp_path):
    from cscore.calendar import HostCalendar

    _write(tmp_path, "2027.yaml", NOTICE_2027)
    data = CalendarData([CalendarDir(tmp_path, "rules/calendar")])
    data.load()
    host = HostCalendar(authoritative_range=(date(2027, 2, 1), date(2027, 2, 28)))
    cal = WorkCalendar(host, data)
    assert cal.is_working_day(date(2027, 2, 8)) is True  # the host lists no rest day
    assert cal.is_working_day(date(2027, 1, 1)) is False  # outside the host range: the file


# --- through the kernel -----------------------------------------------------------------------


def _deadline(kernel: Kernel, delivered: str, request: str):
    decision = kernel.evaluate(return_case(delivered_date=delivered, request_date=request))
    return decision.outcomes["return"], decision.warnings


def test_kernel_reload_picks_up_a_notice_and_moves_a_deadline(tmp_path):
    rules = tmp_path / "rules"
    folder = rules / "calendar"
    folder.mkdir(parents=True)
    with Kernel(rules_dir=rules, db=None) as kernel:
        # Provisional: day 7 = 除夕 02-05, rest through 02-10 -> 02-11, with the warning.
        outcome, warnings = _deadline(kernel, "2027-01-29", "2027-02-12")
        assert outcome["return_deadline"] == "2027-02-11"
        assert outcome["decision"] == "reject"
        assert provisional_warning(2027) in warnings

        before = kernel.library.signature()
        _write(folder, "2027.yaml", NOTICE_2027.replace("2027-02-10", "2027-02-11"))
        assert kernel.library.signature() != before  # auto-reload notices the new file
        report = kernel.reload()
        assert report.ok and "calendar 2027" in report.reloaded
        outcome, warnings = _deadline(kernel, "2027-01-29", "2027-02-12")
        assert outcome["return_deadline"] == "2027-02-12"  # one extra rest day: 02-11
        assert outcome["decision"] == "return"
        assert not any("2027" in w for w in warnings)


def test_kernel_auto_reload_notices_a_calendar_edit(tmp_path):
    rules = tmp_path / "rules"
    _write(rules / "calendar", "2027.yaml", NOTICE_2027)
    with Kernel(rules_dir=rules, db=None, auto_reload=True, reload_interval=0) as kernel:
        assert _deadline(kernel, "2027-01-29", "2027-02-12")[0]["return_deadline"] == "2027-02-11"
        _write(rules / "calendar", "2027.yaml", NOTICE_2027.replace("2027-02-10", "2027-02-12"))
        outcome, warnings = _deadline(kernel, "2027-01-29", "2027-02-12")
        assert outcome["return_deadline"] == "2027-02-15"  # rest through Fri 02-12, then weekend
        assert warnings == []


def test_kernel_broken_calendar_edit_keeps_the_last_good_year_and_warns(tmp_path):
    rules = tmp_path / "rules"
    _write(rules / "calendar", "2027.yaml", NOTICE_2027)
    with Kernel(rules_dir=rules, db=None) as kernel:
        _write(rules / "calendar", "2027.yaml", NOTICE_2027 + "  - 2027-12-32\n")
        report = kernel.reload()
        assert not report.ok
        outcome, warnings = _deadline(kernel, "2027-01-29", "2027-02-12")
        assert outcome["return_deadline"] == "2027-02-11"
        assert any("rules not reloaded" in w and "calendar/2027.yaml:7" in w for w in warnings)


def test_kernel_refuses_to_start_on_a_broken_calendar_file(tmp_path):
    rules = tmp_path / "rules"
    _write(rules / "calendar", "2027.yaml", "source: x\nrest_days:\n  - 2028-01-01\n")
    with pytest.raises(RuleLoadError, match=r"calendar/2027\.yaml:3: rest_days: 2028-01-01"):
        Kernel(rules_dir=rules, db=None)
