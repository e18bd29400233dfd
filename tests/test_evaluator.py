"""Compiled evaluation of rule values (closures built at load) means exactly what the
interpreter means, including missing values, dates and functions."""

from __future__ import annotations

import datetime as dt

import pytest

from cscore.calendar import WorkCalendar
from cscore.default_plugins.calendar_functions import FUNCTIONS as CALENDAR
from cscore.default_plugins.core_functions import FUNCTIONS as CORE
from cscore.language.checker import Scope, check_value
from cscore.language.functions import EvalContext
from cscore.language.interpreter import Interpreter, MissingValue, compile_value
from cscore.language.parser import parse
from cscore.language.types import BOOL, DATE, DATETIME, INTEGER, NUMBER, STRING

FUNCTIONS = {spec.name: spec for spec in [*CORE, *CALENDAR]}
SCOPE = Scope(
    facts={
        "a": INTEGER,
        "b": NUMBER,
        "d": DATE,
        "t": DATETIME,
        "s": STRING,
        "f": BOOL,
        "g.x": NUMBER,
    },
    functions=FUNCTIONS,
)
FACTS = {
    "a": 7,
    "b": 2.5,
    "d": dt.date(2026, 4, 30),
    "t": dt.datetime(2026, 3, 20, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    "s": "x",
    "f": True,
    "g": {"x": 1.25},
}
EXPRESSIONS = [
    "a + 1",
    "a - b * 2",
    "a / 2",
    "-a + b",
    "d + 7",
    "d - 3",
    "d - add_days(d, -2)",
    "add_working_days(d, 3)",
    "next_working_day_if_rest(add_days(d, 2))",
    "add_working_hours(t, 2)",
    "min(a, b)",
    'max(d, date("2026-05-01"))',
    "round(b / 3, 2)",
    "default(missing_value, 0)",
    "default(a, 0)",
    "g.x * 2",
    "a > 3 and f",
    "[a, b]",
    "end_of_day(d)",
    'time_of_day(t) < clock("18:00")',
    'at(d, clock("18:00"))',
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_compiled_value_equals_interpreted(text):
    """The closure tree and the tree-walking interpreter agree."""
    scope = Scope(facts={**SCOPE.facts, "missing_value": INTEGER}, functions=FUNCTIONS)
    node, _type = check_value(parse(text), scope)
    ctx = EvalContext(calendar=WorkCalendar())
    assert compile_value(node, FUNCTIONS)(FACTS, ctx) == Interpreter(FUNCTIONS, ctx).value(
        node, FACTS
    )


@pytest.mark.parametrize("text", ["missing_value + 1", "add_days(missing_date, 1)", "g.y * 2"])
def test_compiled_value_reports_the_missing_fact(text):
    """A missing input raises MissingValue naming it, as the interpreter does."""
    scope = Scope(
        facts={**SCOPE.facts, "missing_value": INTEGER, "missing_date": DATE, "g.y": NUMBER},
        functions=FUNCTIONS,
    )
    node, _type = check_value(parse(text), scope)
    with pytest.raises(MissingValue) as raised:
        compile_value(node, FUNCTIONS)(FACTS, EvalContext(calendar=WorkCalendar()))
    assert raised.value.name in text


def test_compiled_division_by_zero_raises():
    """Division by zero is an error, not infinity."""
    node, _type = check_value(parse("a / (a - 7)"), SCOPE)
    with pytest.raises(ZeroDivisionError):
        compile_value(node, FUNCTIONS)(FACTS, EvalContext())
