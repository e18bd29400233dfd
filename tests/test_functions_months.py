"""The calendar-month functions of the rule language: add_months, days_in_month,
month_start, month_end, months_between, month_of, earliest_month, latest_month —
directly, through the checker and interpreter, and with their load-time errors."""

from __future__ import annotations

import datetime as dt

import pytest

from cscore.calendar import months
from cscore.default_plugins import calendar_functions, core_functions
from cscore.language.checker import Scope, check_value
from cscore.language.interpreter import Interpreter
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import DATE, INTEGER, STRING, list_of

FUNCTIONS = {
    f.name: f
    for f in [
        *core_functions.FUNCTIONS,
        *calendar_functions.FUNCTIONS,
        *calendar_functions.MONTH_FUNCTIONS,
    ]
}
SCOPE = Scope(
    facts={"d": DATE, "handover": DATE, "n": INTEGER, "m": STRING, "billing": list_of(STRING)},
    values={},
    constants={},
    functions=FUNCTIONS,
)
D = dt.date


def run(source: str, **facts: object) -> object:
    node, _type = check_value(parse(source), SCOPE)
    return Interpreter(FUNCTIONS).value(node, facts)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 1, 15), 1, D(2026, 2, 15)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # clamped to the month's last day
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap February
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 11, 30), 2, D(2027, 1, 30)),  # across the year
        (D(2026, 3, 31), -1, D(2026, 2, 28)),  # backwards
        (D(2026, 1, 10), -13, D(2024, 12, 10)),
        (D(2026, 5, 5), 0, D(2026, 5, 5)),
    ],
)
def test_add_months_clamps_like_add_years(start, n, expected):
    assert months.add_months(start, n) == expected
    assert run("add_months(d, n)", d=start, n=n) == expected


@pytest.mark.parametrize(
    ("day", "days", "first", "last"),
    [
        (D(2026, 2, 10), 28, D(2026, 2, 1), D(2026, 2, 28)),
        (D(2028, 2, 10), 29, D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        (D(2100, 2, 1), 28, D(2100, 2, 1), D(2100, 2, 28)),  # century, not leap
        (D(2026, 3, 31), 31, D(2026, 3, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), 30, D(2026, 4, 1), D(2026, 4, 30)),
        (D(2026, 12, 25), 31, D(2026, 12, 1), D(2026, 12, 31)),
    ],
)
def test_days_in_month_and_month_bounds(day, days, first, last):
    assert run("days_in_month(d)", d=day) == days
    assert run("month_start(d)", d=day) == first
    assert run("month_end(d)", d=day) == last


def test_proration_by_calendar_days_reads_as_arithmetic():
    """Days from a date to its month end, inclusive, over the days of the month."""
    source = "round(250 * (days_between(d, month_end(d)) + 1) / days_in_month(d), 2)"
    assert run(source, d=D(2026, 3, 31)) == 8.06  # the 31st: 1 day of 31
    assert run(source, d=D(2028, 2, 15)) == 129.31  # leap February: 15 of 29 days
    assert run(source, d=D(2026, 4, 1)) == 250.0  # the 1st: the whole month


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 1, 1), D(2026, 4, 1), 3),
        (D(2026, 1, 31), D(2026, 4, 1), 3),  # days ignored
        (D(2026, 4, 30), D(2026, 4, 1), 0),
        (D(2026, 6, 1), D(2026, 4, 15), -2),
        (D(2025, 11, 1), D(2026, 2, 1), 3),
    ],
)
def test_months_between(start, end, expected):
    assert run("months_between(d, handover)", d=start, handover=end) == expected


def test_month_of_turns_a_month_text_into_its_first_day():
    assert run("month_of(m)", m="2026-04") == D(2026, 4, 1)
    assert run('month_of("2025-12")') == D(2025, 12, 1)
    for bad in ["2026-13", "2026-4", "April", "2026-04-01", ""]:
        with pytest.raises(ValueError, match="expected a month like"):
            months.month_of(bad)


def test_earliest_and_latest_month_of_a_list():
    billing = ["2026-03", "2026-01", "2026-02"]  # order does not matter
    assert run("earliest_month(billing)", billing=billing) == D(2026, 1, 1)
    assert run("latest_month(billing)", billing=billing) == D(2026, 3, 1)
    assert (
        run("months_between(earliest_month(billing), latest_month(billing))", billing=billing) == 2
    )
    with pytest.raises(ValueError, match="empty"):
        months.earliest_month([])


def test_month_functions_fold_on_constants():
    """Pure functions: a call on constants is folded when the file loads."""
    node, kind = check_value(parse('days_in_month(month_of("2028-02"))'), SCOPE)
    assert kind == INTEGER
    assert getattr(node, "value", None) == 29


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("add_months(d)", r"add_months\(\) takes 2 values"),
        ("days_in_month(n)", "must be a date"),
        ("month_of(d)", "must be a string"),
        ("earliest_month(d)", "must be a list"),
    ],
)
def test_wrong_arguments_are_load_errors(source, message):
    with pytest.raises(ExpressionError, match=message):
        check_value(parse(source), SCOPE)


def test_result_types():
    for source, expected in [
        ("add_months(d, 1)", DATE),
        ("month_start(d)", DATE),
        ("month_end(d)", DATE),
        ("month_of(m)", DATE),
        ("latest_month(billing)", DATE),
        ("months_between(d, d)", INTEGER),
    ]:
        assert check_value(parse(source), SCOPE)[1] == expected
