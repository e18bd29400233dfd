"""The value types of the rule language, and how facts, values and constants are typed.

Types are checked when a rule file loads, so that ``request_date <= "soon"`` or
``decision: retrun`` is a load error with file:line, never a wrong decision at run time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cscore.calendar.schedule import Schedule


@dataclass(frozen=True, slots=True)
class Type:
    name: str  # bool integer number money string date datetime duration list null any
    values: frozenset[str] | None = None  # the allowed values of an enumerated string
    item: Type | None = None  # element type of a list
    # the fields of a record (an item of a list of objects, e.g. one of `claims`)
    fields: tuple[tuple[str, Type], ...] | None = None

    def __str__(self) -> str:
        if self.values is not None:
            shown = sorted(self.values)
            text = ", ".join(shown[:8]) + (", …" if len(shown) > 8 else "")
            return f"one of [{text}]"
        if self.name == "list" and self.item is not None and self.item.name != "any":
            return f"list of {self.item}"
        if self.name == "record" and self.fields is not None:
            return "record with " + ", ".join(name for name, _ in self.fields)
        return {"integer": "whole number", "datetime": "timestamp", "money": "money amount"}.get(
            self.name, self.name
        )


BOOL = Type("bool")
INTEGER = Type("integer")
NUMBER = Type("number")
# A number that is an amount of money (CNY): it compares and computes like any number,
# but a decision shows it rounded half up to 2 decimals; other numbers (rates, ratios)
# are shown as computed.
MONEY = Type("money")
STRING = Type("string")
DATE = Type("date")
DATETIME = Type("datetime")
DURATION = Type("duration")
# A named working-hour schedule (calendar/schedule.py): only an argument of the
# working-hour functions, never a value a rule reports.
SCHEDULE = Type("schedule")
NULL = Type("null")
ANY = Type("any")
ANY_LIST = Type("list", item=ANY)

# The types a rule file may declare by name (`outputs: {x: {type: date}}`).
BY_NAME = {
    t.name: t for t in (BOOL, INTEGER, NUMBER, MONEY, STRING, DATE, DATETIME, DURATION, ANY_LIST)
}

NUMERIC = frozenset({"integer", "number", "money"})
ORDERED = frozenset({"integer", "number", "money", "date", "datetime", "duration"})


def enum(values: Iterable[str]) -> Type:
    return Type("string", values=frozenset(values))


def list_of(item: Type) -> Type:
    return Type("list", item=item)


def record(fields: Mapping[str, Type]) -> Type:
    """The type of one item of a list of objects: its fields by (dotted) name."""
    return Type("record", fields=tuple(sorted(fields.items())))


def is_numeric(t: Type) -> bool:
    return t.name in NUMERIC


def base(t: Type) -> str:
    """The comparable family of a type: integers and numbers are one family."""
    return "number" if t.name in NUMERIC else t.name


def compatible(a: Type, b: Type) -> bool:
    """May values of these two types be compared for equality?"""
    if "any" in (a.name, b.name) or "null" in (a.name, b.name):
        return True
    return base(a) == base(b)


def unify(a: Type, b: Type) -> Type | None:
    """The type that holds values of both, or None when they cannot mix."""
    if a == b:
        return a
    if a.name == "null":
        return b
    if b.name == "null":
        return a
    if a.name == "any" or b.name == "any":
        return a if b.name == "any" else b
    if is_numeric(a) and is_numeric(b):
        return MONEY if "money" in (a.name, b.name) else NUMBER
    if a.name == "string" and b.name == "string":
        if a.values is None or b.values is None:
            return STRING
        return enum(a.values | b.values)
    if a.name == "list" and b.name == "list":
        item = unify(a.item or ANY, b.item or ANY)
        return list_of(item) if item is not None else None
    return None


def type_of_value(value: object) -> Type:
    """The type of a Python constant (from YAML or a literal)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, dt.datetime):
        return DATETIME
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, dt.timedelta):
        return DURATION
    if isinstance(value, Schedule):
        return SCHEDULE
    if isinstance(value, list | tuple):
        item: Type | None = None
        for element in value:
            element_type = type_of_value(element)
            item = element_type if item is None else unify(item, element_type)
            if item is None:
                raise ValueError("a list mixes values of different types")
        return list_of(item or ANY)
    raise ValueError(f"unsupported constant {value!r}")
