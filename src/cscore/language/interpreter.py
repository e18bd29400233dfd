"""Evaluate checked expressions in Python.

Used for what a rule *sets* (computed after the rule fired in durable_rules), for the
values a trace shows, and, in tests, as the reference semantics that the compiled
durable_rules conditions must agree with.

Missing values: a comparison involving a missing value is false (``!=`` and ``not in``
are the negations of ``==`` and ``in``, so they are true); arithmetic on a missing value
is missing. A value a rule sets that reads a missing value raises :class:`MissingValue`.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from typing import Any

from cscore.language.ast import Arith, BoolOp, Call, Compare, ListExpr, Literal, Name, Node, Unary
from cscore.language.functions import EvalContext, FunctionSpec


class MissingValue(LookupError):
    """A value an expression needs has no value in this case."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


MISSING: Any = object()  # what lookup() returns for an absent value


def lookup(values: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` (dotted for nested facts), or ``MISSING``."""
    value = values.get(path, MISSING)
    if value is not MISSING:
        return MISSING if value is None else value
    if "." not in path:
        return MISSING
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return MISSING
        current = current.get(part, MISSING)
        if current is MISSING or current is None:
            return MISSING
    return current


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Interpreter:
    def __init__(
        self, functions: Mapping[str, FunctionSpec], ctx: EvalContext | None = None
    ) -> None:
        self.functions = functions
        self.ctx = ctx or EvalContext()

    def value(self, node: Node, values: Mapping[str, Any]) -> Any:
        """Evaluate a value expression; raise :class:`MissingValue` for a missing input."""
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            found = lookup(values, node.path)
            if found is MISSING:
                raise MissingValue(node.path)
            return found
        if isinstance(node, Arith):
            left = self.value(node.left, values)
            right = self.value(node.right, values)
            return _arith(node.op, left, right)
        if isinstance(node, Unary):
            operand = self.value(node.operand, values)
            return (not operand) if node.op == "not" else -operand
        if isinstance(node, ListExpr):
            return [self.value(item, values) for item in node.items]
        if isinstance(node, Call):
            if node.name == "default":  # lazy: the fallback only counts when the value is missing
                try:
                    return self.value(node.args[0], values)
                except MissingValue:
                    return self.value(node.args[1], values)
            spec = self.functions[node.name]
            args = [self.value(arg, values) for arg in node.args]
            return spec.impl(self.ctx, *args)
        if isinstance(node, Compare | BoolOp):
            return self.condition(node, values)
        raise TypeError(f"cannot evaluate {node!r}")

    def condition(self, node: Node, values: Mapping[str, Any]) -> bool:
        """Evaluate a condition with the missing-value semantics of the compiled rules."""
        if isinstance(node, BoolOp):
            if node.op == "and":
                return all(self.condition(operand, values) for operand in node.operands)
            return any(self.condition(operand, values) for operand in node.operands)
        if isinstance(node, Unary) and node.op == "not":
            return not self.condition(node.operand, values)
        if isinstance(node, Compare):
            return self._compare(node, values)
        if isinstance(node, Literal):
            return bool(node.value)
        try:
            return self.value(node, values) is True
        except MissingValue:
            return False

    def _compare(self, node: Compare, values: Mapping[str, Any]) -> bool:
        op = node.op
        if op in ("!=", "not in"):
            positive = Compare(node.pos, "==" if op == "!=" else "in", node.left, node.right)
            return not self._compare(positive, values)
        right_is_null = isinstance(node.right, Literal) and node.right.value is None
        try:
            left = self.value(node.left, values)
        except MissingValue:
            return right_is_null
        if right_is_null:
            return False
        try:
            right = self.value(node.right, values)
        except MissingValue:
            return False
        if op == "==":
            return bool(left == right)
        if op == "in":
            return left in right
        return _ORDER[op](left, right)


def _arith(op: str, left: Any, right: Any) -> Any:
    if isinstance(left, dt.date) and not isinstance(left, dt.datetime):
        if isinstance(right, int) and op in ("+", "-"):
            return left + dt.timedelta(days=right) if op == "+" else left - dt.timedelta(days=right)
        if isinstance(right, dt.date) and op == "-":
            return (left - right).days
    if isinstance(right, dt.date) and not isinstance(right, dt.datetime) and op == "+":
        return right + dt.timedelta(days=left)
    if op == "/" and right == 0:
        raise ZeroDivisionError("division by zero")
    return _ARITH[op](left, right)
