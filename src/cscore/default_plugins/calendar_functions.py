"""Calendar functions for rule files (working days, 调休, statutory rolling, working hours,
years and months), on the case's calendar. A rule pack may cite its own rules for them
(``RulePack.cites``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cscore.calendar import CHINA_TZ, months, to_china_time
from cscore.hookspecs import hookimpl
from cscore.language.functions import EvalContext, FunctionSpec
from cscore.language.types import (
    ANY_LIST,
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    INTEGER,
    NUMBER,
    SCHEDULE,
    STRING,
)


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
        "the date N calendar days later",
    ),
    FunctionSpec(
        "add_working_days",
        lambda ctx, d, n: ctx.calendar.add_working_days(d, n),
        (DATE, INTEGER),
        DATE,
        "the N-th working day after the date (the date itself not counted)",
    ),
    FunctionSpec(
        "add_working_hours",
        lambda ctx, ts, hours, schedule=None: ctx.calendar.add_working_hours(ts, hours, schedule),
        (DATETIME, NUMBER, SCHEDULE),
        DATETIME,
        "N working hours later (09:00–18:00 on working days, or the hours of a schedule "
        "the rule file names)",
        optional=1,
    ),
    FunctionSpec(
        "in_hours",
        lambda ctx, ts, schedule=None: ctx.calendar.in_hours(ts, schedule),
        (DATETIME, SCHEDULE),
        BOOL,
        "whether the time is inside working hours (09:00–18:00 on working days, or a schedule's)",
        optional=1,
    ),
    FunctionSpec(
        "add_years",
        lambda ctx, d, n: ctx.calendar.add_years(d, n),
        (DATE, INTEGER),
        DATE,
        "same month and day N years later (29 Feb → 28 Feb)",
    ),
    FunctionSpec(
        "next_working_day",
        lambda ctx, d: ctx.calendar.next_working_day(d),
        (DATE,),
        DATE,
        "the first working day after the date",
    ),
    FunctionSpec(
        "next_working_day_if_rest",
        lambda ctx, d: ctx.calendar.next_working_day_if_rest(d),
        (DATE,),
        DATE,
        "the date itself if a working day, else the next working day",
    ),
    FunctionSpec(
        "is_working_day",
        lambda ctx, d: ctx.calendar.is_working_day(d),
        (DATE,),
        BOOL,
        "official working day (调休 included)",
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


# Calendar months (proration by calendar days, billing months as "YYYY-MM" texts). Pure:
# they need no working-day calendar, so a call on constants folds when the file loads.
MONTH_FUNCTIONS = [
    FunctionSpec.pure(
        "add_months",
        months.add_months,
        (DATE, INTEGER),
        DATE,
        "same day N months later; a day the month lacks becomes its last day (31 Jan → 28/29 Feb)",
    ),
    FunctionSpec.pure(
        "days_in_month",
        months.days_in_month,
        (DATE,),
        INTEGER,
        "days in the month of the date (28–31)",
    ),
    FunctionSpec.pure(
        "month_start", months.month_start, (DATE,), DATE, "the first day of the date's month"
    ),
    FunctionSpec.pure(
        "month_end", months.month_end, (DATE,), DATE, "the last day of the date's month"
    ),
    FunctionSpec.pure(
        "months_between",
        months.months_between,
        (DATE, DATE),
        INTEGER,
        "calendar months from the first date's month to the second's (days ignored)",
    ),
    FunctionSpec.pure(
        "month_of",
        months.month_of,
        (STRING,),
        DATE,
        'the first day of a "YYYY-MM" month: month_of("2026-04") = 2026-04-01',
    ),
    FunctionSpec.pure(
        "earliest_month",
        months.earliest_month,
        (ANY_LIST,),
        DATE,
        'the first day of the earliest month of a list of "YYYY-MM" texts',
    ),
    FunctionSpec.pure(
        "latest_month",
        months.latest_month,
        (ANY_LIST,),
        DATE,
        'the first day of the latest month of a list of "YYYY-MM" texts',
    ),
]


@hookimpl(trylast=True)
def register_functions(register: Callable[[FunctionSpec], None]) -> None:
    for spec in (*FUNCTIONS, *MONTH_FUNCTIONS):
        register(spec)
