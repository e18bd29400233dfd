"""``if … then … else``, working-hour schedules and hoisted conditions, through the
parser, the checker, the interpreter and rule files."""

from __future__ import annotations

import datetime as dt

import pytest

from cscore import RuleLoadError
from cscore.calendar import CHINA_TZ, WorkCalendar
from cscore.calendar.schedule import ScheduleError, parse_schedule
from cscore.default_plugins import calendar_functions, core_functions
from cscore.kernel import Kernel
from cscore.language.ast import IfThen, render
from cscore.language.checker import Scope, check_value
from cscore.language.functions import EvalContext
from cscore.language.interpreter import Interpreter, compile_value
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import BOOL, INTEGER, MONEY, STRING, enum

from .test_rulefiles import write_rules

FUNCS = {f.name: f for f in [*core_functions.FUNCTIONS, *calendar_functions.FUNCTIONS]}
SCOPE = Scope(
    facts={"remote": BOOL, "a": INTEGER, "fee": MONEY, "code": STRING},
    constants={"office": parse_schedule("office", "working", "09:00-18:00")},
    functions=FUNCS,
)


def value(text: str, facts: dict, expected=None):
    node, t = check_value(parse(text), SCOPE, expected)
    interpreted = Interpreter(FUNCS).value(node, facts)
    assert compile_value(node, FUNCS)(facts, EvalContext()) == interpreted
    return interpreted, t


# --- if … then … else --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("if remote then 20 else 10", {"remote": True}, 20),
        ("if remote then 20 else 10", {"remote": False}, 10),
        ("if remote then 20 else 10", {}, 10),  # a test on a missing fact is false
        ("if a > 2 then 1 else if a > 0 then 2 else 3", {"a": 1}, 2),
        ("if a > 2 then 1 else if a > 0 then 2 else 3", {"a": -1}, 3),
        ("fee + (if remote then 20 else 0)", {"fee": 5, "remote": True}, 25),
    ],
)
def test_if_then_else_chooses_a_value(text, facts, expected):
    assert value(text, facts)[0] == expected


def test_if_then_else_renders_back_and_types_as_both_branches():
    node = parse("if a > 2 then 1 else if a > 0 then 2.5 else 3")
    assert isinstance(node, IfThen)
    assert render(parse(render(node))) == render(node)
    assert value("if remote then fee else 0", {"remote": False})[1] == MONEY


def test_words_in_branches_are_checked_against_the_key():
    wanted = enum(["return", "reject"])
    assert value("if remote then return else reject", {}, wanted)[0] == "reject"
    with pytest.raises(ExpressionError, match="'retrun' is not one of"):
        check_value(parse("if remote then retrun else reject"), SCOPE, wanted)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("if remote then 1", "expected 'else' after 'if … then …'"),
        ("1 + if remote then 2 else 3", "put 'if … then … else …' in parentheses"),
        ("if a then 1 else 2", "the test after 'if' must be true or false"),
        ("if remote then 1 else code", "'then' gives a whole number but 'else' a string"),
        ("if remot then 1 else 2", "unknown fact 'remot' (did you mean 'remote'?)"),
        ("office", "a schedule is not a value"),
    ],
)
def test_if_mistakes_are_errors(text, message):
    with pytest.raises(ExpressionError) as info:
        check_value(parse(text), SCOPE)
    assert message in info.value.message


# --- schedules ---------------------------------------------------------------------------


def _cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA_TZ)


LUNCH = parse_schedule("office", "working", ["09:00-12:00", "13:30-18:00"])
HOTLINE = parse_schedule("hotline", "every", "00:00-24:00")
SIX_DAYS = parse_schedule("desk", ["mon", "tue", "wed", "thu", "fri", "sat"], "08:00-20:00")


@pytest.mark.parametrize(
    ("schedule", "start", "hours", "expected"),
    [
        (None, _cst(2026, 3, 20, 17), 2, _cst(2026, 3, 23, 10)),  # the default: Fri → Mon
        (LUNCH, _cst(2026, 3, 20, 11), 2, _cst(2026, 3, 20, 14, 30)),  # lunch not counted
        (LUNCH, _cst(2026, 3, 20, 11), 1, _cst(2026, 3, 20, 12)),  # lands on the break
        (LUNCH, _cst(2026, 3, 20, 12, 30), 1, _cst(2026, 3, 20, 14, 30)),  # starts in it
        (HOTLINE, _cst(2026, 3, 21, 23), 2, _cst(2026, 3, 22, 1)),  # weekend, overnight
        (HOTLINE, _cst(2026, 10, 1, 10), 48, _cst(2026, 10, 3, 10)),  # holidays count
        (SIX_DAYS, _cst(2026, 3, 21, 19), 2, _cst(2026, 3, 23, 9)),  # Sat → skips Sun
        (SIX_DAYS, _cst(2026, 10, 1, 19), 2, _cst(2026, 10, 2, 9)),  # weekdays, not 国庆
    ],
)
def test_add_working_hours_in_a_schedule(schedule, start, hours, expected):
    assert WorkCalendar().add_working_hours(start, hours, schedule) == expected


def test_in_hours():
    cal = WorkCalendar()
    assert cal.in_hours(_cst(2026, 3, 20, 9)) and not cal.in_hours(_cst(2026, 3, 20, 18))
    assert not cal.in_hours(_cst(2026, 3, 20, 12, 30), LUNCH)
    assert cal.in_hours(_cst(2026, 3, 21, 3), HOTLINE)
    assert not cal.in_hours(_cst(2026, 3, 21, 10))  # Saturday


@pytest.mark.parametrize(
    ("days", "hours", "message"),
    [
        ("working", "18:00-09:00", "ends before it starts"),
        ("working", "9-18", "is not a time range"),
        ("working", "09:00-25:00", "is not a time of day"),
        ("working", ["09:00-12:00", "11:00-18:00"], "11:00 starts before 12:00 ends"),
        ("weekends", "09:00-18:00", "'weekends' is not a day"),
        ([], "09:00-18:00", "name at least one day"),
    ],
)
def test_schedule_mistakes(days, hours, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule("s", days, hours)


SCHEDULE_RULES = """\
schedules:
  office:
    days: working
    hours: ["09:00-12:00", "13:30-18:00"]
outputs:
  due: unique
  late: priority
rules:
  - id: R-DUE
    name: due
    when: request_date != null
    set:
      due: add_working_hours(at(request_date, clock("11:00")), 2, office)
  - id: R-LATE
    name: late
    when: >-
      at(request_date, clock("15:00"))
      > add_working_hours(at(delivered_date, clock("11:00")), 2, office)
    set: {late: true}
"""


def test_a_schedule_in_a_rule_file_is_used_in_values_and_conditions(tmp_path):
    from .conftest import return_case

    with Kernel(rules_dir=write_rules(tmp_path, SCHEDULE_RULES)) as kernel:
        same_day = kernel.evaluate(return_case(request_date="2026-03-02"))
        later = kernel.evaluate(return_case(request_date="2026-03-06"))
    assert same_day.outcomes["return"] == {"due": "2026-03-02T14:30:00+08:00", "late": True}
    assert later.outcomes["return"]["late"] is True
    assert any(entry.rule.startswith("__hoisted_") for entry in later.trace)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '["09:00-12:00", "13:30-18:00"]',
            '"13:30-12:00"',
            "return.yaml:4: schedule 'office': hours:",
        ),
        ("days: working", "days: weekdays", "return.yaml:3: schedule 'office': days: 'weekdays'"),
        ("days: working", "day: working", "return.yaml:3: schedule 'office': unknown option 'day'"),
        (", 2, office)", ", 2, ofice)", "unknown constant 'ofice' (did you mean 'office'?)"),
    ],
)
def test_schedule_errors_name_the_file_and_line(tmp_path, old, new, expected):
    with pytest.raises(RuleLoadError) as info:
        Kernel(rules_dir=write_rules(tmp_path, SCHEDULE_RULES.replace(old, new, 1)))
    assert any(expected in str(error) for error in info.value.errors), info.value.errors
