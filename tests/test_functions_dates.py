"""earliest() / latest(): the earlier or later of some dates or timestamps."""

from __future__ import annotations

import datetime as dt

import pytest

from cscore.calendar import CHINA_TZ
from cscore.default_plugins import calendar_functions, core_functions
from cscore.language.checker import Scope, check_value
from cscore.language.interpreter import Interpreter, MissingValue
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import DATE, DATETIME, INTEGER

FUNCTIONS = {f.name: f for f in [*core_functions.FUNCTIONS, *calendar_functions.FUNCTIONS]}
SCOPE = Scope(
    facts={"d1": DATE, "d2": DATE, "d3": DATE, "t1": DATETIME, "t2": DATETIME, "n": INTEGER},
    values={},
    constants={},
    functions=FUNCTIONS,
)
INTERP = Interpreter(FUNCTIONS)
FACTS = {
    "d1": dt.date(2026, 3, 1),
    "d2": dt.date(2025, 12, 31),
    "d3": dt.date(2026, 3, 1),
    "t1": dt.datetime(2026, 10, 1, 0, 30, tzinfo=CHINA_TZ),
    "t2": dt.datetime(2026, 9, 30, 23, 30, tzinfo=CHINA_TZ),
    "n": 3,
}


def run(source: str, facts: dict | None = None):
    node, typ = check_value(parse(source), SCOPE)
    return INTERP.value(node, FACTS if facts is None else facts), typ


@pytest.mark.parametrize(
    ("source", "expected", "typ"),
    [
        ("earliest(d1, d2)", dt.date(2025, 12, 31), DATE),
        ("latest(d1, d2)", dt.date(2026, 3, 1), DATE),
        ("earliest(d1, d2, d3)", dt.date(2025, 12, 31), DATE),
        ("latest(d2, d1, d3)", dt.date(2026, 3, 1), DATE),
        ("earliest(d1)", dt.date(2026, 3, 1), DATE),
        ("earliest(t1, t2)", dt.datetime(2026, 9, 30, 23, 30, tzinfo=CHINA_TZ), DATETIME),
        ("latest(t1, t2)", dt.datetime(2026, 10, 1, 0, 30, tzinfo=CHINA_TZ), DATETIME),
        ("latest(d2, d1) + 1", dt.date(2026, 3, 2), DATE),
        ("earliest(d2 + 60, d1)", dt.date(2026, 3, 1), DATE),
    ],
    ids=[
        "earliest-2",
        "latest-2",
        "earliest-3",
        "latest-3",
        "single",
        "timestamps-earliest",
        "timestamps-latest-across-midnight",
        "arithmetic-on-result",
        "arithmetic-argument",
    ],
)
def test_earliest_latest(source, expected, typ):
    """The earlier/later moment, typed as its arguments (dates stay dates)."""
    result, result_type = run(source)
    assert result == expected
    assert type(result) is type(expected)
    assert result_type == typ


def test_equal_dates_give_that_date():
    assert run("earliest(d1, d3)")[0] == run("latest(d1, d3)")[0] == dt.date(2026, 3, 1)


@pytest.mark.parametrize("function", ["earliest", "latest"])
def test_a_missing_argument_makes_the_result_missing(function):
    """Not 'the one that is known': the earlier of a date and an unknown date is unknown,
    so a rule setting it asks for the missing fact (needs_info), as everywhere else."""
    node, _ = check_value(parse(f"{function}(d1, d2)"), SCOPE)
    with pytest.raises(MissingValue) as info:
        INTERP.value(node, {"d1": dt.date(2026, 3, 1)})
    assert info.value.name == "d2"


def test_default_skips_an_absent_date():
    """The documented way to ignore an absent date: default() it to the other one."""
    node, _ = check_value(parse("earliest(d1, default(d2, d1))"), SCOPE)
    assert INTERP.value(node, {"d1": dt.date(2026, 3, 1)}) == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    "source",
    ["earliest(d1, t1)", "latest(n, 4)", "earliest(d1, 3)", 'latest("2026-01-01", d1)'],
    ids=["date-and-timestamp", "numbers", "date-and-number", "string"],
)
def test_only_moments_of_one_kind(source):
    """Numbers are min()/max()'s business; a date and a timestamp do not compare."""
    with pytest.raises(ExpressionError) as info:
        check_value(parse(source), SCOPE)
    assert "earliest()/latest() compare dates, or timestamps, of one kind" in info.value.message


def test_needs_a_value():
    with pytest.raises(ExpressionError) as info:
        check_value(parse("latest()"), SCOPE)
    assert "latest() needs at least 1 values" in info.value.message


def test_constant_arguments_are_folded():
    """Pure and calendar-free: with constant dates it folds, so it may appear in conditions."""
    node, _ = check_value(parse('earliest(date("2026-10-08"), date("2026-10-01"))'), SCOPE)
    assert getattr(node, "value", None) == dt.date(2026, 10, 1)
