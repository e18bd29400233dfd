"""Python values as the JSON a decision carries (DESIGN.md §2.2).

Money — and only money: the values a rule set types ``money`` — is rounded half up to
2 decimals; other numbers (a 0.001/day rate) are shown as computed. Dates are
``YYYY-MM-DD`` and timestamps ISO-8601 with ``+08:00``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cscore.calendar import to_china_time


def round_half_up(value: float, digits: int = 2) -> float:
    """CATALOG.md's rounding: half up on the decimal text of the number (2.675 → 2.68),
    never banker's rounding. The text has 15 significant digits, what a float holds
    exactly: a computed 3299 × 0.001 × 45 is 148.45499999999998 in binary, and its
    decimal value 148.455 rounds to 148.46. A number too large to have decimals is
    returned as it is; a non-finite one (only ever an input being reported as invalid)
    too."""
    if not -1e15 < value < 1e15:  # also false for NaN
        return value
    scaled = value * 10**digits
    if abs(scaled - round(scaled)) < 1e-6:  # already on the grid: the common case
        return round(value, digits)
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(format(value, ".15g")).quantize(quantum, rounding=ROUND_HALF_UP))


def round_money(value: float) -> float:
    """Money: 2 decimals, half up."""
    return round_half_up(value, 2)


def to_json(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is bool or kind is int or kind is float or value is None:
        return value
    converter = _CONVERTERS.get(kind)
    if converter is not None:
        return converter(value)
    if isinstance(value, dt.datetime):
        return to_china_time(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, bool | int | str | float):
        return value
    return str(value)


def to_json_dict(
    values: dict[str, Any], money: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    """``to_json`` of a flat mapping, with the scalar cases inlined (the trace makes
    two of these per fired rule); the values named in ``money`` are rounded."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        kind = type(value)
        if kind is str or kind is bool or kind is int or value is None:
            out[key] = value
        elif kind is float:
            out[key] = round_money(value) if key in money else value
        elif key in money and kind is list:  # a collected list of amounts
            out[key] = [round_money(v) if type(v) is float else to_json(v) for v in value]
        else:
            out[key] = to_json(value)
    return out


_CONVERTERS: dict[type, Any] = {
    dt.date: dt.date.isoformat,
    dt.datetime: lambda value: to_china_time(value).isoformat(timespec="seconds"),
    dt.timedelta: dt.timedelta.total_seconds,
    list: lambda value: [to_json(item) for item in value],
    tuple: lambda value: [to_json(item) for item in value],
    dict: lambda value: to_json_dict(value),
}


def as_received(value: Any) -> Any:
    """Facts as a host would send them: dates as ISO text, nothing rounded (the decision
    log keeps the case as received; rule cases read from YAML become what a host sends)."""
    if isinstance(value, dt.date):  # datetime included
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): as_received(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_received(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def rejected_value(value: Any, limit: int = 200) -> Any:
    """An input being reported as invalid, as strict JSON: a non-finite number as its
    text (``"nan"``, ``"inf"``), a long text shortened (the log keeps the whole case)."""
    if type(value) is float and value - value != 0:  # inf - inf and nan - nan are nan
        return repr(value)
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"… ({len(value):,} characters)"
    if isinstance(value, dict):
        return {str(key): rejected_value(item, limit) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rejected_value(item, limit) for item in value]
    return value
