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

from cscore.language.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Field,
    IfThen,
    ListExpr,
    ListOp,
    Literal,
    Name,
    Node,
    Unary,
    render,
)
from cscore.language.functions import EvalContext, FunctionSpec


class MissingValue(LookupError):
    """A value an expression needs has no value in this case."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class MissingField(MissingValue):
    """The current item of a list operation has no value for a field: that item is
    skipped by sum/min/max/first (the operation itself still has a value)."""


class EmptyList(MissingValue):
    """min/max/first found no item: the operation has no value (``default()`` gives one)."""


MISSING: Any = object()  # what lookup() returns for an absent value


class ItemValues(Mapping[str, Any]):
    """The values seen while a list operation looks at one item: the outer facts and
    values, plus the item itself for :class:`~cscore.language.ast.Field` nodes."""

    __slots__ = ("item", "outer")

    def __init__(self, outer: Mapping[str, Any], item: Any) -> None:
        self.outer = outer
        self.item = item

    def __getitem__(self, key: str) -> Any:
        return self.outer[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.outer.get(key, default)

    def __iter__(self) -> Any:
        return iter(self.outer)

    def __len__(self) -> int:
        return len(self.outer)


def field_value(values: Mapping[str, Any], path: str) -> Any:
    """A field of the current item (the item itself for a list of plain values)."""
    item = values.item if isinstance(values, ItemValues) else MISSING
    if not isinstance(item, Mapping):
        found = item if path == "item" else MISSING
    else:
        found = lookup(item, path)
    if found is MISSING or found is None:
        raise MissingField(path)
    return found


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
        if isinstance(node, Field):
            return field_value(values, node.path)
        if isinstance(node, ListOp):
            return self._list_op(node, values)
        if isinstance(node, IfThen):  # a test with a missing value is false: `else`
            chosen = node.then if self.condition(node.test, values) else node.otherwise
            return self.value(chosen, values)
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

    def _list_op(self, node: ListOp, values: Mapping[str, Any]) -> Any:
        """count/any/all/sum/min/max/first over the items of a list (docs/rules.md)."""
        items = self.value(node.source, values)
        if not isinstance(items, list | tuple):
            raise TypeError(f"{node.op}() needs a list")
        test = node.test
        selected = [
            item for item in items if test is None or self.condition(test, ItemValues(values, item))
        ]
        op = node.op
        if op == "count":
            return len(selected)
        if op == "any":
            return bool(selected)
        if op == "all":
            return len(selected) == len(items)
        assert node.value is not None
        found = []
        for item in selected:
            try:
                found.append(self.value(node.value, ItemValues(values, item)))
            except MissingField:
                continue  # this item has no such value: it does not take part
        if op == "sum":
            return sum(found)
        if not found:
            raise EmptyList(render(node))
        if op == "first":
            return found[0]
        return min(found) if op == "min" else max(found)  # ties: the first listed

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


# -- compiled evaluation ----------------------------------------------------------------

Evaluator = Callable[[Mapping[str, Any], EvalContext], Any]


def compile_value(node: Node, functions: Mapping[str, FunctionSpec]) -> Evaluator:
    """The value expression as a tree of Python closures, built once when the rule set
    loads: the same meaning as :meth:`Interpreter.value`, without walking the syntax
    tree on every firing. (Closures over the parsed tree; no code is generated.)"""
    if isinstance(node, Literal):
        constant = node.value
        return lambda values, ctx: constant
    if isinstance(node, Name):
        return _compile_name(node.path)
    if isinstance(node, Arith):
        return _compile_arith(node, functions)
    if isinstance(node, Unary) and node.op == "-":
        operand = compile_value(node.operand, functions)
        return lambda values, ctx: -operand(values, ctx)
    if isinstance(node, ListExpr):
        items = [compile_value(item, functions) for item in node.items]
        return lambda values, ctx: [item(values, ctx) for item in items]
    if isinstance(node, Call):
        return _compile_call(node, functions)
    if isinstance(node, IfThen):
        return _compile_if(node, functions)
    if isinstance(node, ListOp | Field):  # walks the items: the interpreter does it
        return lambda values, ctx: Interpreter(functions, ctx).value(node, values)
    return compile_predicate(node, functions)  # a comparison or and/or/not as a value


Predicate = Callable[[Mapping[str, Any], EvalContext], bool]


def compile_predicate(node: Node, functions: Mapping[str, FunctionSpec]) -> Predicate:
    """The condition as a tree of Python closures: the same meaning as
    :meth:`Interpreter.condition` (a property test holds them together), for the
    conditions Python reads on every case (``if … then …``, needs_info by consequence)."""
    if isinstance(node, BoolOp):
        parts = tuple(compile_predicate(operand, functions) for operand in node.operands)
        if node.op == "and":

            def every(values: Mapping[str, Any], ctx: EvalContext) -> bool:
                for part in parts:
                    if not part(values, ctx):
                        return False
                return True

            return every

        def some(values: Mapping[str, Any], ctx: EvalContext) -> bool:
            for part in parts:
                if part(values, ctx):
                    return True
            return False

        return some
    if isinstance(node, Unary) and node.op == "not":
        inner = compile_predicate(node.operand, functions)
        return lambda values, ctx: not inner(values, ctx)
    if isinstance(node, Compare):
        return _compile_compare(node, functions)
    if isinstance(node, Literal):
        constant = bool(node.value)
        return lambda values, ctx: constant
    value = compile_value(node, functions)

    def holds(values: Mapping[str, Any], ctx: EvalContext) -> bool:
        try:
            return value(values, ctx) is True
        except MissingValue:
            return False

    return holds


def _compile_compare(node: Compare, functions: Mapping[str, FunctionSpec]) -> Predicate:
    if node.op in ("!=", "not in"):  # the negation of == / in, missing values included
        positive = _compile_compare(
            Compare(node.pos, "==" if node.op == "!=" else "in", node.left, node.right), functions
        )
        return lambda values, ctx: not positive(values, ctx)
    left = compile_value(node.left, functions)
    # A plain fact or value is read without raising MissingValue for an absent one: an
    # exception per absent name was a tenth of needs_info by consequence.
    left_name = _plain_name(node.left)
    if isinstance(node.right, Literal) and node.right.value is None:
        if left_name is not None:
            return lambda values, ctx: values.get(left_name) is None

        def is_null(values: Mapping[str, Any], ctx: EvalContext) -> bool:
            try:
                left(values, ctx)
            except MissingValue:
                return True
            return False

        return is_null
    right = compile_value(node.right, functions)
    op = node.op
    test: Callable[[Any, Any], bool]
    if op == "==":
        test = operator.eq
    elif op == "in":
        test = _contains
    else:
        test = _ORDER[op]
    constant = _constant(node.right)
    if left_name is not None and constant is not None:
        (fixed,) = constant

        def compare_constant(values: Mapping[str, Any], ctx: EvalContext) -> bool:
            a = values.get(left_name)
            return a is not None and bool(test(a, fixed))

        return compare_constant
    right_name = _plain_name(node.right)
    if left_name is not None and right_name is not None:

        def compare_names(values: Mapping[str, Any], ctx: EvalContext) -> bool:
            a = values.get(left_name)
            if a is None:
                return False
            b = values.get(right_name)
            return b is not None and bool(test(a, b))

        return compare_names

    def compare(values: Mapping[str, Any], ctx: EvalContext) -> bool:
        try:
            a = left(values, ctx)
            b = right(values, ctx)
        except MissingValue:
            return False
        return bool(test(a, b))

    return compare


def _contains(item: Any, container: Any) -> bool:
    return item in container


def _plain_name(node: Node) -> str | None:
    """The name of a fact or value read without a path (None: another expression)."""
    return node.path if isinstance(node, Name) and "." not in node.path else None


def _constant(node: Node) -> tuple[Any] | None:
    """``(value,)`` of a literal or a list of literals (None: not a constant). The
    list is built once; a comparison only reads it."""
    if isinstance(node, Literal):
        return (node.value,)
    if isinstance(node, ListExpr) and all(isinstance(item, Literal) for item in node.items):
        return ([item.value for item in node.items if isinstance(item, Literal)],)
    return None


def _compile_if(node: IfThen, functions: Mapping[str, FunctionSpec]) -> Evaluator:
    test = compile_predicate(node.test, functions)
    then = compile_value(node.then, functions)
    otherwise = compile_value(node.otherwise, functions)
    return lambda values, ctx: then(values, ctx) if test(values, ctx) else otherwise(values, ctx)


def _compile_name(path: str) -> Evaluator:
    if "." in path:

        def nested(values: Mapping[str, Any], ctx: EvalContext) -> Any:
            found = lookup(values, path)
            if found is MISSING:
                raise MissingValue(path)
            return found

        return nested

    def plain(values: Mapping[str, Any], ctx: EvalContext) -> Any:
        found = values.get(path)
        if found is None:
            raise MissingValue(path)
        return found

    return plain


_NUMBERS = (int, float)


def _compile_arith(node: Arith, functions: Mapping[str, FunctionSpec]) -> Evaluator:
    left = compile_value(node.left, functions)
    right = compile_value(node.right, functions)
    op = node.op
    fast = _ARITH[op]

    def arith(values: Mapping[str, Any], ctx: EvalContext) -> Any:
        a = left(values, ctx)
        b = right(values, ctx)
        if type(a) in _NUMBERS and type(b) in _NUMBERS and (op != "/" or b != 0):
            return fast(a, b)
        return _arith(op, a, b)

    return arith


def _compile_call(node: Call, functions: Mapping[str, FunctionSpec]) -> Evaluator:
    args = [compile_value(arg, functions) for arg in node.args]
    if node.name == "default":
        value, fallback = args
        name = _plain_name(node.args[0])
        if name is not None:  # read without raising MissingValue when it is absent

            def default_of_name(values: Mapping[str, Any], ctx: EvalContext) -> Any:
                found = values.get(name)
                return found if found is not None else fallback(values, ctx)

            return default_of_name

        def default(values: Mapping[str, Any], ctx: EvalContext) -> Any:
            try:
                return value(values, ctx)
            except MissingValue:
                return fallback(values, ctx)

        return default
    impl = functions[node.name].impl
    if len(args) == 1:
        only = args[0]
        return lambda values, ctx: impl(ctx, only(values, ctx))
    if len(args) == 2:
        first, second = args
        return lambda values, ctx: impl(ctx, first(values, ctx), second(values, ctx))
    return lambda values, ctx: impl(ctx, *[arg(values, ctx) for arg in args])
