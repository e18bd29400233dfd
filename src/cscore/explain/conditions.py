"""A rule's condition taken apart for a person: which parts failed for this case, with
the values they read, and the value that would make a failed part true.

Everything here works on the checked syntax tree of the condition (constants already
inlined) and evaluates it with :class:`~cscore.language.interpreter.Interpreter` on
the evaluation's values; no rule text is executed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cscore.jsonvalues import to_json
from cscore.language.ast import BoolOp, Compare, Literal, Name, Node, names_in, render
from cscore.language.interpreter import MISSING, Interpreter, MissingValue, lookup
from cscore.language.types import Type

MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
NEGATED = {
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "==": "!=",
    "!=": "==",
    "in": "not in",
    "not in": "in",
}


def conjuncts(condition: Node | None) -> list[Node]:
    """The parts that must all hold (nested ``and`` flattened)."""
    if condition is None:
        return []
    if isinstance(condition, BoolOp) and condition.op == "and":
        return [part for operand in condition.operands for part in conjuncts(operand)]
    return [condition]


def read_values(node: Node, values: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON values of the names a part reads (``None``: this case has none)."""
    found = {}
    for name in sorted(names_in(node)):
        value = lookup(values, name)
        found[name] = None if value is MISSING else to_json(value)
    return found


@dataclass(frozen=True)
class Change:
    """``name op value`` would make a part true (or false, for a rule that applied)."""

    name: str
    op: str
    value: Any  # a Python value, a list for in/not in, None for "provided"/"absent"
    is_fact: bool

    def as_json(self, now: Any) -> dict[str, Any]:
        return {
            "name": self.name,
            "fact": self.is_fact,
            "op": self.op,
            "value": to_json(self.value),
            "now": to_json(now) if now is not MISSING else None,
            "text": change_text(self.name, self.op, self.value),
        }


class ConditionReader:
    """Evaluates parts of conditions of one rule set on one case's values."""

    def __init__(
        self,
        interpreter: Interpreter,
        values: Mapping[str, Any],
        fact_types: Mapping[str, Type],
        value_types: Mapping[str, Type],
    ) -> None:
        self.interpreter = interpreter
        self.values = values
        self.fact_types = fact_types
        self.value_types = value_types

    def holds(self, node: Node) -> bool:
        try:
            return self.interpreter.condition(node, self.values)
        except (ArithmeticError, ValueError, TypeError, LookupError):
            return False  # a part that cannot be evaluated does not hold

    def failed(self, condition: Node | None) -> list[Node]:
        return [part for part in conjuncts(condition) if not self.holds(part)]

    def evaluate(self, node: Node) -> Any:
        try:
            return self.interpreter.value(node, self.values)
        except (MissingValue, ArithmeticError, ValueError, TypeError):
            return MISSING

    def actual(self, node: Node) -> str:
        """What holds instead of a failed part, with this case's values:
        ``request_date 2026-03-11 > return_deadline 2026-03-09``."""
        if isinstance(node, Compare):
            left = self._side(node.left)
            right = self._side(node.right)
            if "missing" in (left, right) or left.endswith(" missing"):
                return f"{left} ({render(node)} cannot hold)"
            return f"{left} {NEGATED[node.op]} {right}"
        return f"not ({render(node)})"

    def _side(self, node: Node) -> str:
        if isinstance(node, Literal):
            return render(node)
        value = self.evaluate(node)
        shown = "missing" if value is MISSING else _plain(value)
        if isinstance(node, Name):
            return f"{node.path} {shown}"
        return f"{render(node)} = {shown}"

    def change(self, node: Node, make: bool = True) -> Change | None:
        """The value of one name that would make ``node`` true (``make``) or false: for
        comparisons of a fact or value with something this case can evaluate."""
        if not isinstance(node, Compare):
            return None
        op = node.op if make else NEGATED[node.op]
        left, right = node.left, node.right
        left_name = left.path if isinstance(left, Name) else None
        right_name = right.path if isinstance(right, Name) else None
        if left_name and right_name and self._is_fact(right_name) and not self._is_fact(left_name):
            if op in MIRRORED:  # prefer moving the fact a host can change
                return self._with(right_name, MIRRORED[op], left)
        if left_name:
            return self._with(left_name, op, right)
        if right_name and op in MIRRORED:
            return self._with(right_name, MIRRORED[op], left)
        return None

    def _with(self, name: str, op: str, other: Node) -> Change | None:
        if isinstance(other, Literal) and other.value is None:
            return Change(name, op, None, self._is_fact(name))
        value = self.evaluate(other)
        if value is MISSING:
            return None
        return Change(name, op, value, self._is_fact(name))

    def _is_fact(self, name: str) -> bool:
        return name in self.fact_types or name.split(".")[0] in self.fact_types

    def now(self, name: str) -> Any:
        return lookup(self.values, name)


def _plain(value: Any) -> str:
    converted = to_json(value)
    if isinstance(converted, bool):
        return "true" if converted else "false"
    if isinstance(converted, list):
        return "[" + ", ".join(map(str, converted)) + "]"
    return str(converted)


def change_text(name: str, op: str, value: Any) -> str:
    """The change in words an agent can say: ``request_date 在 2026-03-09 或之前``."""
    if value is None:
        return f"提供 {name}" if op == "!=" else f"{name} 为空"
    shown = _plain(value)
    if isinstance(value, list | tuple):
        listed = "、".join(_plain(item) for item in value)
        return f"{name} 为 {listed} 之一" if op == "in" else f"{name} 不为 {listed}"
    if op == "==":
        return f"{name} 为 {shown}"
    if op == "!=":
        return f"{name} 不为 {shown}"
    if isinstance(value, dt.date):
        words = {"<=": "在 {} 或之前", "<": "早于 {}", ">=": "在 {} 或之后", ">": "晚于 {}"}
    else:
        words = {"<=": "不超过 {}", "<": "小于 {}", ">=": "不少于 {}", ">": "大于 {}"}
    return f"{name} " + words[op].format(shown)
