"""Functions every rule file may use: arithmetic helpers, durations, clock times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from cscore.hookspecs import hookimpl
from cscore.jsonvalues import round_half_up
from cscore.language.functions import ArgumentTypeError, EvalContext, FunctionSpec
from cscore.language.types import (
    ANY,
    ANY_LIST,
    DATE,
    DURATION,
    INTEGER,
    NUMBER,
    ORDERED,
    STRING,
    Type,
    unify,
)


def _same_ordered(args: Sequence[Type]) -> Type:
    result: Type | None = args[0]
    for arg in args[1:]:
        result = unify(result, arg) if result is not None else None
    if result is None or (result.name not in ORDERED and result.name != "any"):
        raise ArgumentTypeError("min()/max() compare numbers, dates or times of one kind")
    return result


def _same_moment_kind(args: Sequence[Type]) -> Type:
    """earliest()/latest(): dates with dates, timestamps with timestamps — a date and a
    timestamp do not compare (which instant of the day would the date be?)."""
    result: Type | None = args[0]
    for arg in args[1:]:
        result = unify(result, arg) if result is not None else None
    if result is None or result.name not in ("date", "datetime", "any"):
        raise ArgumentTypeError("earliest()/latest() compare dates, or timestamps, of one kind")
    return result


def _unified(args: Sequence[Type]) -> Type:
    result = unify(args[0], args[1])
    if result is None:
        raise ArgumentTypeError(f"default(): the fallback is a {args[1]}, the value a {args[0]}", 1)
    return result


def _clock(ctx: EvalContext, text: str) -> dt.timedelta:
    try:
        parsed = dt.time.fromisoformat(text)
    except ValueError:
        raise ValueError(f'clock() needs a time like "14:00", got {text!r}') from None
    return dt.timedelta(hours=parsed.hour, minutes=parsed.minute, seconds=parsed.second)


def _date(ctx: EvalContext, text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _seconds(factor: int) -> Callable[[EvalContext, float], dt.timedelta]:
    return lambda ctx, amount: dt.timedelta(seconds=amount * factor)


def _of_all(pick: Callable[[tuple[Any, ...]], Any]) -> Callable[..., Any]:
    """min/max over the arguments (a rule writes ``min(a, b, c)``)."""
    return lambda *values: pick(values)


def _first(ctx: EvalContext, value: Any, fallback: Any) -> Any:
    return value  # the interpreter evaluates default() lazily; this is never reached


FUNCTIONS = [
    FunctionSpec.pure("min", _of_all(min), (ANY,), _same_ordered, "smallest value", variadic=True),
    FunctionSpec.pure("max", _of_all(max), (ANY,), _same_ordered, "largest value", variadic=True),
    # earliest()/latest() are min()/max() for moments, named as business staff say them
    # ("the earlier of the two dates"). A missing argument makes the result missing, as
    # everywhere in the language (the rule then asks for that fact): "the earlier of a
    # date and an unknown date" is unknown. Use default() to skip an absent date.
    FunctionSpec.pure(
        "earliest",
        _of_all(min),
        (ANY,),
        _same_moment_kind,
        "the earliest of some dates (or of some timestamps)",
        variadic=True,
    ),
    FunctionSpec.pure(
        "latest",
        _of_all(max),
        (ANY,),
        _same_moment_kind,
        "the latest of some dates (or of some timestamps)",
        variadic=True,
    ),
    FunctionSpec(
        "round",
        lambda ctx, value, digits=2: round_half_up(value, digits),
        (NUMBER, INTEGER),
        NUMBER,
        "round half up, to 2 decimals unless told otherwise",
        optional=1,
        constant=True,
    ),
    FunctionSpec.pure("abs", abs, (NUMBER,), lambda a: a[0], "absolute value"),
    FunctionSpec(
        "default", _first, (ANY, ANY), _unified, "the value, or the fallback when it is missing"
    ),
    FunctionSpec("seconds", _seconds(1), (NUMBER,), DURATION, "a duration", constant=True),
    FunctionSpec("minutes", _seconds(60), (NUMBER,), DURATION, "a duration", constant=True),
    FunctionSpec("hours", _seconds(3600), (NUMBER,), DURATION, "a duration", constant=True),
    FunctionSpec(
        "clock", _clock, (STRING,), DURATION, 'time of day: clock("14:00")', constant=True
    ),
    FunctionSpec("date", _date, (STRING,), DATE, 'a date: date("2026-10-01")', constant=True),
    FunctionSpec(
        "days_between",
        lambda ctx, start, end: (end - start).days,
        (DATE, DATE),
        INTEGER,
        "calendar days from the first date to the second",
    ),
    FunctionSpec("count", lambda ctx, items: len(items), (ANY_LIST,), INTEGER, "list length"),
]


@hookimpl(trylast=True)
def register_functions(register: Callable[[FunctionSpec], None]) -> None:
    for spec in FUNCTIONS:
        register(spec)
