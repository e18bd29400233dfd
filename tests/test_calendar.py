"""Tests for cscore.calendar: CATALOG.md §1.1 (COMMON-CAL-001..010) and §8."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from pydantic import ValidationError

from cscore.calendar import (
    CHINA_TZ,
    OFFICIAL_YEARS,
    PROVISIONAL_YEARS,
    WORKDAY_END,
    WORKDAY_START,
    HostCalendar,
    WorkCalendar,
    official_is_working_day,
    provisional_warning,
    to_china_time,
)


def _span(start: str, end: str) -> list[date]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ)


# --- CATALOG §8 official tables, typed in from the catalog (not from the package) -------------

REST_2025 = [
    date(2025, 1, 1),
    *_span("2025-01-28", "2025-02-04"),
    *_span("2025-04-04", "2025-04-06"),
    *_span("2025-05-01", "2025-05-05"),
    *_span("2025-05-31", "2025-06-02"),
    *_span("2025-10-01", "2025-10-08"),
]
ADJUSTED_2025 = [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27)]
ADJUSTED_2025 += [date(2025, 9, 28), date(2025, 10, 11)]

REST_2026 = [
    *_span("2026-01-01", "2026-01-03"),
    *_span("2026-02-15", "2026-02-23"),
    *_span("2026-04-04", "2026-04-06"),
    *_span("2026-05-01", "2026-05-05"),
    *_span("2026-06-19", "2026-06-21"),
    *_span("2026-09-25", "2026-09-27"),
    *_span("2026-10-01", "2026-10-07"),
]
ADJUSTED_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28)]
ADJUSTED_2026 += [date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)]


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize("d", REST_2025 + REST_2026, ids=str)
def test_official_rest_days_are_non_working(cal, d):
    assert cal.is_working_day(d) is False
    assert cal.warnings == []


@pytest.mark.parametrize("d", ADJUSTED_2025 + ADJUSTED_2026, ids=str)
def test_official_adjusted_working_days_are_working(cal, d):
    assert d.weekday() >= 5  # the catalog lists only weekend make-up days
    assert cal.is_working_day(d) is True
    assert cal.warnings == []


@pytest.mark.parametrize(
    ("year", "rest", "adjusted"),
    [(2025, REST_2025, ADJUSTED_2025), (2026, REST_2026, ADJUSTED_2026)],
)
def test_whole_year_matches_catalog_table(cal, year, rest, adjusted):
    # COMMON-CAL-002 for every day of the year: nothing outside the §8 lists deviates from Mon–Fri.
    rest_set, adjusted_set = set(rest), set(adjusted)
    for d in _span(f"{year}-01-01", f"{year}-12-31"):
        expected = d in adjusted_set or (d.weekday() < 5 and d not in rest_set)
        assert cal.is_working_day(d) is expected, d


def test_official_table_coverage():
    assert 2025 in OFFICIAL_YEARS and 2026 in OFFICIAL_YEARS
    assert official_is_working_day(date(2026, 10, 10)) is True
    assert official_is_working_day(date(2026, 10, 1)) is False
    assert official_is_working_day(date(OFFICIAL_YEARS.stop, 1, 4)) is None
    assert official_is_working_day(date(OFFICIAL_YEARS.start - 1, 1, 5)) is None


# --- CATALOG §8 worked examples ---------------------------------------------------------------


def test_example_return_window_rolls_over_dragon_boat(cal):
    # Delivered Fri 2026-06-12: day 7 = 06-19 (holiday 06-19..06-21) -> Mon 06-22 (COMMON-CAL-006).
    delivered = date(2026, 6, 12)
    assert cal.add_days(delivered, 7) == date(2026, 6, 19)
    assert cal.next_working_day_if_rest(cal.add_days(delivered, 7)) == date(2026, 6, 22)


def test_example_adjusted_working_saturday_is_not_extended(cal):
    delivered = date(2026, 5, 2)
    assert cal.next_working_day_if_rest(cal.add_days(delivered, 7)) == date(2026, 5, 9)


def test_example_refund_capped_by_legal_seven_days(cal):
    received = date(2026, 2, 14)  # Sat, adjusted working day: not counted itself
    by_working_days = cal.add_working_days(received, 2)
    assert by_working_days == date(2026, 2, 25)
    assert min(by_working_days, cal.add_days(received, 7)) == date(2026, 2, 21)


def test_example_dispatch_after_cutoff_skips_labour_day(cal):
    assert cal.next_working_day(date(2026, 4, 30)) == date(2026, 5, 6)


def test_example_complaint_follow_up_three_working_days(cal):
    assert cal.add_working_days(date(2026, 4, 30), 3) == date(2026, 5, 8)


# --- COMMON-CAL-004 / 005 / 006 ---------------------------------------------------------------


def test_add_working_days_does_not_count_working_start_day(cal):
    assert cal.add_working_days(date(2026, 6, 9), 1) == date(2026, 6, 10)  # Tue -> Wed
    assert cal.add_working_days(date(2026, 6, 9), 2) == date(2026, 6, 11)


def test_add_working_days_from_non_working_day(cal):
    assert cal.add_working_days(date(2026, 6, 6), 1) == date(2026, 6, 8)  # Sat -> Mon
    assert cal.add_working_days(date(2026, 10, 1), 1) == date(2026, 10, 8)  # National Day


def test_add_working_days_friday_plus_one_is_monday(cal):
    assert cal.add_working_days(date(2026, 6, 5), 1) == date(2026, 6, 8)


def test_add_working_days_zero_and_negative(cal):
    assert cal.add_working_days(date(2026, 6, 6), 0) == date(2026, 6, 6)
    with pytest.raises(ValueError, match="n must be >= 0"):
        cal.add_working_days(date(2026, 6, 5), -1)


def test_next_working_day_is_strictly_after(cal):
    assert cal.next_working_day(date(2026, 6, 8)) == date(2026, 6, 9)
    assert cal.next_working_day_if_rest(date(2026, 6, 8)) == date(2026, 6, 8)
    assert cal.working_day_on_or_after(date(2026, 6, 6)) == date(2026, 6, 8)


def test_add_days_crosses_months_and_ignores_holidays(cal):
    assert cal.add_days(date(2026, 9, 28), 7) == date(2026, 10, 5)
    assert cal.add_days(date(2026, 10, 5), -7) == date(2026, 9, 28)


# --- COMMON-CAL-007 working hours -------------------------------------------------------------


def test_working_hours_constants():
    assert (WORKDAY_START, WORKDAY_END) == (time(9), time(18))


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(_cst(2026, 3, 20, 17), 2, _cst(2026, 3, 23, 10), id="fri-17h-over-weekend"),
        pytest.param(_cst(2026, 3, 18, 7, 30), 2, _cst(2026, 3, 18, 11), id="before-09"),
        pytest.param(_cst(2026, 3, 18, 20), 2, _cst(2026, 3, 19, 11), id="after-18"),
        pytest.param(_cst(2026, 3, 18, 18), 1, _cst(2026, 3, 19, 10), id="at-18"),
        pytest.param(_cst(2026, 5, 1, 10), 2, _cst(2026, 5, 6, 11), id="on-holiday"),
        pytest.param(_cst(2026, 3, 18, 16), 2, _cst(2026, 3, 18, 18), id="ends-exactly-18"),
        pytest.param(_cst(2026, 3, 18, 9), 9, _cst(2026, 3, 18, 18), id="whole-day-ends-18"),
        pytest.param(_cst(2026, 3, 18, 10), 0.5, _cst(2026, 3, 18, 10, 30), id="half-hour"),
        pytest.param(_cst(2026, 3, 18, 17, 45), 0.5, _cst(2026, 3, 19, 9, 15), id="half-split"),
        pytest.param(_cst(2026, 3, 18, 10), 0, _cst(2026, 3, 18, 10), id="zero"),
        pytest.param(_cst(2026, 3, 21, 10), 0, _cst(2026, 3, 23, 9), id="zero-on-weekend"),
        # Nothing left to consume at 18:00 on a working day: stays, never rolls to 09:00.
        pytest.param(_cst(2026, 3, 18, 18), 0, _cst(2026, 3, 18, 18), id="zero-at-18"),
        # Wed 09-30 17:00: 1 h left that day, then 10-01..10-07 off, Thu 10-08 09:00 + 2 h.
        pytest.param(_cst(2026, 9, 30, 17), 3, _cst(2026, 10, 8, 11), id="national-day"),
        # 10-08 and 10-09 (9 h each) then adjusted working Sat 10-10.
        pytest.param(_cst(2026, 9, 30, 17), 20, _cst(2026, 10, 10, 10), id="adjusted-sat"),
    ],
)
def test_add_working_hours(cal, start, hours, expected):
    result = cal.add_working_hours(start, hours)
    assert result == expected
    assert result.utcoffset() == timedelta(hours=8)


def test_add_working_hours_converts_other_offsets_first(cal):
    # 09:00Z = 17:00+08:00 on Fri 2026-03-20.
    start = datetime(2026, 3, 20, 9, tzinfo=UTC)
    result = cal.add_working_hours(start, 2)
    assert result == _cst(2026, 3, 23, 10)
    assert result.tzinfo is CHINA_TZ
    assert result.hour == 10  # wall time in China, not just the same instant
    # 04:00-05:00 = 17:00+08:00, same Friday.
    new_york = datetime(2026, 3, 20, 4, tzinfo=timezone(timedelta(hours=-5)))
    assert cal.add_working_hours(new_york, 2) == _cst(2026, 3, 23, 10)


def test_add_working_hours_naive_is_china_time(cal):
    result = cal.add_working_hours(datetime(2026, 3, 20, 17), 2)
    assert result == _cst(2026, 3, 23, 10)
    assert result.hour == 10


@pytest.mark.parametrize("hours", [-0.5, float("nan"), float("inf")])
def test_add_working_hours_rejects_bad_hours(cal, hours):
    with pytest.raises(ValueError, match="hours must be"):
        cal.add_working_hours(_cst(2026, 3, 20, 17), hours)


# --- COMMON-CAL-009 years ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2025, 6, 15), 3, date(2028, 6, 15)),
        (date(2025, 12, 31), 1, date(2026, 12, 31)),
    ],
)
def test_add_years(cal, start, years, expected):
    assert cal.add_years(start, years) == expected


# --- COMMON-CAL-001 time zone and deadline instants -------------------------------------------


def test_end_of_day(cal):
    eod = cal.end_of_day(date(2026, 6, 22))
    assert eod.isoformat() == "2026-06-22T23:59:59+08:00"


def test_to_china_time_naive_is_assumed_local():
    ts = to_china_time(datetime(2026, 1, 5, 13, 59, 59))
    assert ts.isoformat() == "2026-01-05T13:59:59+08:00"


def test_to_china_time_converts_aware():
    ts = to_china_time(datetime(2026, 1, 5, 20, tzinfo=UTC))
    assert ts.isoformat() == "2026-01-06T04:00:00+08:00"
    same = _cst(2026, 1, 5, 12)
    assert to_china_time(same) == same


# --- COMMON-CAL-003 host calendar -------------------------------------------------------------


@pytest.fixture
def host_2027() -> HostCalendar:
    # The CATALOG §8 provisional 2027 Spring Festival, plus one hypothetical make-up Saturday.
    return HostCalendar.model_validate(
        {
            "authoritative_range": ["2027-01-01", "2027-12-31"],
            "non_working_days": ["2027-01-01", *map(str, _span("2027-02-05", "2027-02-10"))],
            "adjusted_working_days": ["2027-02-20"],
        }
    )


def test_host_calendar_wins_inside_range(host_2027):
    cal = WorkCalendar(host_2027)
    for d in _span("2027-02-05", "2027-02-10"):
        assert cal.is_working_day(d) is False, d
    assert cal.is_working_day(date(2027, 2, 20)) is True  # adjusted Saturday
    assert cal.is_working_day(date(2027, 2, 21)) is False  # ordinary Sunday
    assert cal.is_working_day(date(2027, 2, 4)) is True  # ordinary Thursday
    assert cal.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 11)
    assert cal.warnings == []


def test_host_calendar_outside_range_uses_official_table(host_2027):
    cal = WorkCalendar(host_2027)
    assert not host_2027.covers(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 10, 10)) is True  # official adjusted Saturday
    assert cal.is_working_day(date(2026, 10, 1)) is False
    assert cal.next_working_day(date(2026, 12, 31)) == date(2027, 1, 4)  # host: 01-01 off
    assert cal.warnings == []


def test_host_calendar_can_override_official_year():
    host = HostCalendar(
        authoritative_range=(date(2026, 10, 1), date(2026, 10, 31)),
        non_working_days=(date(2026, 10, 12),),
    )
    cal = WorkCalendar(host)
    assert cal.is_working_day(date(2026, 10, 1)) is True  # not listed, a Thursday
    assert cal.is_working_day(date(2026, 10, 10)) is False  # Saturday, not listed as adjusted
    assert cal.is_working_day(date(2026, 10, 12)) is False


def test_host_calendar_covers_is_inclusive(host_2027):
    assert host_2027.covers(date(2027, 1, 1))
    assert host_2027.covers(date(2027, 12, 31))
    assert not host_2027.covers(date(2028, 1, 1))


def test_host_calendar_rejects_reversed_range():
    with pytest.raises(ValidationError, match="start <= end"):
        HostCalendar(authoritative_range=(date(2027, 12, 31), date(2027, 1, 1)))


def test_host_calendar_rejects_day_outside_range():
    with pytest.raises(ValidationError, match="2028-01-03"):
        HostCalendar(
            authoritative_range=(date(2027, 1, 1), date(2027, 12, 31)),
            adjusted_working_days=(date(2028, 1, 3),),
        )


def test_host_calendar_rejects_day_in_both_lists():
    with pytest.raises(ValidationError, match="2027-02-06"):
        HostCalendar(
            authoritative_range=(date(2027, 1, 1), date(2027, 12, 31)),
            non_working_days=(date(2027, 2, 6),),
            adjusted_working_days=(date(2027, 2, 6),),
        )


def test_host_calendar_ignores_unknown_field_and_is_frozen(host_2027):
    """An unknown key is dropped (the kernel warns about it, as for any unknown fact)."""
    calendar = HostCalendar.model_validate(
        {"authoritative_range": ["2027-01-01", "2027-12-31"], "holidays": []}
    )
    assert not hasattr(calendar, "holidays")
    with pytest.raises(ValidationError):
        host_2027.non_working_days = ()


# --- Beyond the official table: the provisional statutory year (COMMON-CAL-011) ---------------


def test_year_without_notice_is_statutory_with_one_warning(cal):
    # CATALOG §8 2027: 春节 rest 02-05..02-10 (make-ups 02-09, 02-10), never a bare Mon–Fri.
    assert 2027 not in OFFICIAL_YEARS
    for d in _span("2027-02-05", "2027-02-10"):
        assert cal.is_working_day(d) is False, d
    assert cal.is_working_day(date(2027, 2, 8)) is False  # Monday, 初三
    assert cal.is_working_day(date(2027, 2, 11)) is True
    assert cal.is_working_day(date(2027, 2, 20)) is False  # no 调休 Saturday is assumed
    for _ in range(100):
        cal.add_working_days(date(2027, 3, 1), 5)
    assert cal.warnings == [provisional_warning(2027)]
    assert cal.warnings[0].startswith("calendar for 2027 is provisional (statutory holidays only")
    assert "load the official notice" in cal.warnings[0]
    assert "Mon–Fri" not in cal.warnings[0]


def test_provisional_deadlines_of_common_cal_011(cal):
    # Day 7 on 元旦 / 除夕 / 中秋 rolls to the first working day after the statutory rest days.
    assert cal.next_working_day_if_rest(cal.add_days(date(2026, 12, 25), 7)) == date(2027, 1, 4)
    assert cal.next_working_day_if_rest(cal.add_days(date(2027, 1, 29), 7)) == date(2027, 2, 11)
    assert cal.next_working_day_if_rest(cal.add_days(date(2027, 9, 8), 7)) == date(2027, 9, 16)
    assert cal.warnings == [provisional_warning(2027)]


def test_provisional_warnings_once_per_year_in_first_seen_order(cal):
    cal.is_working_day(date(2028, 1, 3))
    cal.is_working_day(date(2027, 1, 4))
    cal.is_working_day(date(2028, 5, 1))
    assert cal.warnings == [provisional_warning(2028), provisional_warning(2027)]


def test_beyond_the_statutory_range_mon_to_fri_with_a_clear_warning(cal):
    year = PROVISIONAL_YEARS.stop  # 2100: the lunar months are not relied on that far
    assert cal.is_working_day(date(year, 1, 1)) is True  # a Friday, not known to be 元旦
    assert cal.is_working_day(date(year, 1, 2)) is False  # Saturday
    assert len(cal.warnings) == 1
    assert str(year) in cal.warnings[0] and "Mon–Fri" in cal.warnings[0]
    assert "2025–2099" in cal.warnings[0]
    assert "holiday_calendar" in cal.warnings[0]


def test_no_warning_for_official_years(cal):
    for d in _span("2026-01-01", "2026-12-31"):
        cal.is_working_day(d)
    cal.add_working_hours(_cst(2026, 12, 30, 17), 4)
    assert cal.warnings == []


def test_warnings_are_per_calendar_instance():
    first = WorkCalendar()
    first.is_working_day(date(2027, 1, 4))
    second = WorkCalendar()
    second.is_working_day(date(2026, 1, 5))
    assert len(first.warnings) == 1
    assert second.warnings == []


def test_warn_deduplicates(cal):
    cal.warn("a")
    cal.warn("b")
    cal.warn("a")
    assert cal.warnings == ["a", "b"]
