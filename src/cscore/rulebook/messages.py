"""Customer-facing messages of rules: ``message: 您的退货期限至{return_deadline}。``

A placeholder names a fact of the case, a value or output of the rule set, or a
constant. Placeholders are checked when the rule file loads (an unknown name is an
error with file:line and a did-you-mean) and filled with the decision's values when an
explanation is read: dates as ISO text, money with two decimals, lists joined with 、.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from cscore.jsonvalues import round_money, to_json
from cscore.language.interpreter import MISSING, lookup

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
UNKNOWN = "—"  # shown for a placeholder whose value this case does not have


def placeholders(text: str) -> list[str]:
    """The names a message's placeholders name, in order (``{x}`` → ``x``)."""
    return [match.group(1).strip() for match in PLACEHOLDER.finditer(text)]


def unknown_placeholders(text: str, known: Collection[str]) -> list[str]:
    """Placeholders that are not a name, or name nothing in ``known``."""
    return [name for name in placeholders(text) if not NAME.fullmatch(name) or name not in known]


def render_message(
    text: str,
    values: Mapping[str, Any],
    constants: Mapping[str, Any] | None = None,
    money: Iterable[str] = (),
) -> str:
    """The message with every placeholder replaced by this case's value."""
    money = frozenset(money)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        value = lookup(values, name)
        if value is MISSING and constants is not None and name in constants:
            value = constants[name]
        if value is MISSING:
            return UNKNOWN
        return shown(value, name in money)

    return PLACEHOLDER.sub(fill, text)


def shown(value: Any, is_money: bool = False) -> str:
    """One value as a person reads it in a message."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if is_money and isinstance(value, int | float):
        return f"{round_money(float(value)):.2f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(shown(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    converted = to_json(value)
    return converted if isinstance(converted, str) else str(converted)
