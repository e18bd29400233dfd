"""Python values as the JSON a decision carries (DESIGN.md §2.2).

Money is rounded half up to 2 decimals, dates are ``YYYY-MM-DD`` and timestamps
ISO-8601 with ``+08:00``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cscore.calendar import to_china_time

_CENT = Decimal("0.01")


def round_money(value: float) -> float:
    return float(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def to_json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round_money(value)
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
    return str(value)
