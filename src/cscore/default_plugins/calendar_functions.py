"""Calendar functions for rule files (COMMON-CAL-002…010), on the case's calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cscore.calendar import CHINA_TZ, to_china_time
from cscore.hookspecs import hookimpl
from cscore.language.functions import EvalContext, FunctionSpec
from cscore.language.types import BOOL, DATE, DATETIME, DURATION, INTEGER, NUMBER


def _date_of(ctx: EvalContext, ts: dt.datetime) -> dt.date:
    return to_china_time(ts).date()


def _time_of_day(ctx: EvalContext, ts: dt.datetime) -> dt.timedelta:
    local = to_china_time(ts)
    return dt.timedelta(hours=local.hour, minutes=local.minute, seconds=local.second)


def _at(ctx: EvalContext, day: dt.date, clock: dt.timedelta) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ) + clock


FUNCTIONS = [
    FunctionSpec(
        "add_days",
        lambda ctx, d, n: ctx.calendar.add_days(d, n),
        (DATE, INTEGER),
        DATE,
        "COMMON-CAL-005: the date N calendar days later",
        rule="COMMON-CAL-005",
        rule_name="N日内 (自然日)",
    ),
    FunctionSpec(
        "add_working_days",
        lambda ctx, d, n: ctx.calendar.add_working_days(d, n),
        (DATE, INTEGER),
        DATE,
        "COMMON-CAL-004: the N-th working day after the date (the date itself not counted)",
        rule="COMMON-CAL-004",
        rule_name="N个工作日内 (当日不计入)",
    ),
    FunctionSpec(
        "add_working_hours",
        lambda ctx, ts, hours: ctx.calendar.add_working_hours(ts, hours),
        (DATETIME, NUMBER),
        DATETIME,
        "COMMON-CAL-007: N working hours later (09:00–18:00 on working days)",
        rule="COMMON-CAL-007",
        rule_name="工作时间 09:00–18:00",
    ),
    FunctionSpec(
        "add_years",
        lambda ctx, d, n: ctx.calendar.add_years(d, n),
        (DATE, INTEGER),
        DATE,
        "COMMON-CAL-009: same month and day N years later (29 Feb → 28 Feb)",
        rule="COMMON-CAL-009",
        rule_name="按年计算 (2月29日 → 2月28日)",
    ),
    FunctionSpec(
        "next_working_day",
        lambda ctx, d: ctx.calendar.next_working_day(d),
        (DATE,),
        DATE,
        "the first working day after the date",
        rule="COMMON-CAL-002",
        rule_name="工作日 (含调休)",
    ),
    FunctionSpec(
        "next_working_day_if_rest",
        lambda ctx, d: ctx.calendar.next_working_day_if_rest(d),
        (DATE,),
        DATE,
        "COMMON-CAL-006: the date itself if a working day, else the next working day",
        rule="COMMON-CAL-006",
        rule_name="末日顺延",
    ),
    FunctionSpec(
        "is_working_day",
        lambda ctx, d: ctx.calendar.is_working_day(d),
        (DATE,),
        BOOL,
        "COMMON-CAL-002: official working day (调休 included)",
        rule="COMMON-CAL-002",
        rule_name="工作日 (含调休)",
    ),
    FunctionSpec(
        "end_of_day",
        lambda ctx, d: ctx.calendar.end_of_day(d),
        (DATE,),
        DATETIME,
        "23:59:59 +08:00 of the date: when a date deadline has passed",
    ),
    FunctionSpec("date_of", _date_of, (DATETIME,), DATE, "the local (+08:00) date of a time"),
    FunctionSpec(
        "time_of_day", _time_of_day, (DATETIME,), DURATION, "local clock time, for cut-offs"
    ),
    FunctionSpec("at", _at, (DATE, DURATION), DATETIME, 'a time on a date: at(d, clock("18:00"))'),
]


@hookimpl(trylast=True)
def register_functions(register: Callable[[FunctionSpec], None]) -> None:
    for spec in FUNCTIONS:
        register(spec)
