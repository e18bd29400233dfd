"""Compile checked conditions into durable_rules condition JSON.

The compiled condition must mean exactly what :mod:`cscore.language.interpreter` says
(a property test holds the two together). durable_rules differs from that meaning in
two ways this module compensates for:

* a comparison whose *left* field is missing is false (good), but one whose *right*
  side references a missing field may be true, so every referenced field gets ``$ex``;
* there is no general negation, so ``not`` is pushed down to the leaves (De Morgan),
  and the complement of a comparison is "the opposite test, or a value is missing".

Values are converted the way facts are (:func:`to_engine`): dates become day numbers,
timestamps epoch seconds, durations seconds — so ``request_date <= return_deadline``
is an integer comparison inside the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cscore.engine import engine_field
from cscore.language.ast import Arith, BoolOp, Call, Compare, ListExpr, Literal, Name, Node, Unary
from cscore.language.interpreter import Interpreter
from cscore.language.parser import ExpressionError

# A list compiles to one equality test per value, and durable_rules hangs when 512 tests
# share one node (DURABLE.md). The assembler counts the tests of all rules per node
# (rulebook/fanout.py, at most 256) and spreads rules over chunks; one list stays at
# half that limit so it always fits. Longer lists belong in a decision table.
MAX_LIST_IN_CONDITION = 128

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "==": "$eq", "!=": "$neq"}
_COMPLEMENT = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_ARITH = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div"}

Condition = dict[str, Any] | bool  # True/False: the condition is constant


# Types the engine compares as Python has them (to_engine returns them unchanged).
SAME_IN_ENGINE = frozenset({str, bool, int, float})


def to_engine(value: Any) -> Any:
    """A Python fact value in the form durable_rules compares (JSON, numbers for time)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or kind is float or value is None:
        return value
    if kind is dt.date:
        return value.toordinal()
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        seconds = (value - _EPOCH).total_seconds() if value.tzinfo else value.timestamp()
        return int(seconds) if seconds == int(seconds) else seconds
    if isinstance(value, dt.date):
        return value.toordinal()
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        return int(seconds) if seconds == int(seconds) else seconds
    if isinstance(value, list | tuple):
        return [to_engine(item) for item in value]
    if isinstance(value, dict):
        return {key: to_engine(item) for key, item in value.items() if item is not None}
    raise TypeError(f"cannot pass {type(value).__name__} to the engine")


def compile_condition(node: Node) -> Condition:
    """The durable_rules test for a checked condition (``True``/``False`` if constant)."""
    return _compile(node, negate=False)


def _compile(node: Node, negate: bool) -> Condition:
    if isinstance(node, Literal):
        return bool(node.value) != negate
    if isinstance(node, Unary) and node.op == "not":
        return _compile(node.operand, not negate)
    if isinstance(node, BoolOp):
        conjunction = (node.op == "and") != negate
        parts = [_compile(operand, negate) for operand in node.operands]
        return _join("$and" if conjunction else "$or", parts)
    if isinstance(node, Name):  # a yes/no fact on its own: `promotion_period`
        return _compile(Compare(node.pos, "==", node, Literal(node.pos, True)), negate)
    if isinstance(node, Compare):
        return _compare(node, negate)
    raise ExpressionError("this is not a condition", node.pos)


def _join(op: str, parts: Sequence[Condition]) -> Condition:
    absorbing = op == "$or"  # True absorbs an "or"; False absorbs an "and"
    kept: list[dict[str, Any]] = []
    for part in parts:
        if part is absorbing:
            return absorbing
        if part is (not absorbing):
            continue
        assert isinstance(part, dict)
        kept.extend(part[op] if set(part) == {op} else [part])
    if not kept:
        return not absorbing
    return kept[0] if len(kept) == 1 else {op: kept}


def _compare(node: Compare, negate: bool) -> Condition:
    left, op, right = node.left, node.op, node.right
    if op in ("!=", "not in"):  # defined as the negation of == and in
        return _compare(Compare(node.pos, "==" if op == "!=" else "in", left, right), not negate)
    if op == "in":
        return _membership(node, negate)
    if not isinstance(left, Name) and isinstance(right, Name):
        left, right, op = right, left, _MIRROR[op]
    left, op, right = _isolate(left, op, right, node.pos)
    assert isinstance(left, Name)
    field = engine_field(left.path)
    if isinstance(right, Literal) and right.value is None:  # == null: the value is absent
        test: dict[str, Any] = {"$nex": {field: 1}}
        return {"$ex": {field: 1}} if negate else test
    referenced = sorted(engine_field(name) for name in _fields(right))
    if not negate:
        test = {field: _operand(right)} if op == "==" else {_OP[op]: {field: _operand(right)}}
        guards = [{"$ex": {name: 1}} for name in referenced if name != field]
        return test if not guards else {"$and": [test, *guards]}
    opposite = _COMPLEMENT[op]
    test = {_OP[opposite]: {field: _operand(right)}}
    absent = [{"$nex": {name: 1}} for name in [field, *referenced]]
    return {"$or": [test, *_dedupe(absent)]}


def _membership(node: Compare, negate: bool) -> Condition:
    left, right = node.left, node.right
    if not isinstance(left, Name):
        raise ExpressionError("the left side of 'in' must be a fact or value", node.pos)
    if not isinstance(right, ListExpr) or not all(isinstance(i, Literal) for i in right.items):
        raise ExpressionError("'in' needs a list of constants in a condition", right.pos)
    values = [item.value for item in right.items if isinstance(item, Literal)]
    if len(values) > MAX_LIST_IN_CONDITION:
        raise ExpressionError(
            f"a list in a condition may hold at most {MAX_LIST_IN_CONDITION} values "
            f"(this one has {len(values)}); use a decision table instead",
            right.pos,
        )
    field = engine_field(left.path)
    if not negate:
        return _join("$or", [{field: to_engine(v)} for v in values]) if values else False
    if not values:  # nothing is in an empty list
        return True
    others = [{"$neq": {field: to_engine(v)}} for v in values]
    return {"$or": [{"$nex": {field: 1}}, _join("$and", others)]}


def _isolate(left: Node, op: str, right: Node, pos: int) -> tuple[Node, str, Node]:
    """Move constants across so a single field stands on the left: `a + 2 < b` → `a < b - 2`."""
    while not isinstance(left, Name):
        if isinstance(left, Arith) and left.op in ("+", "-"):
            arith = left
            if _fields(arith.left):  # x ± y op r  ⇔  x op r ∓ y
                moved = Arith(pos, "-" if arith.op == "+" else "+", right, arith.right)
                left, right = arith.left, moved
            elif arith.op == "+":  # k + x op r  ⇔  x op r - k
                left, right = arith.right, Arith(pos, "-", right, arith.left)
            else:  # k - x op r  ⇔  x mirror(op) k - r
                left, right, op = arith.right, Arith(pos, "-", arith.left, right), _MIRROR[op]
            continue
        if isinstance(left, Arith) and (
            isinstance(left.right, Literal) or (left.op == "*" and isinstance(left.left, Literal))
        ):
            on_right = isinstance(left.right, Literal)
            constant = left.right if on_right else left.left
            rest = left.left if on_right else left.right
            assert isinstance(constant, Literal)
            value = constant.value
            if not isinstance(value, int | float) or value == 0:
                break
            inverse = "/" if left.op == "*" else "*"
            left, right = rest, Arith(pos, inverse, right, constant)
            op = op if value > 0 else _MIRROR[op]
            continue
        if isinstance(left, Unary) and left.op == "-":
            left, op, right = left.operand, _MIRROR[op], Unary(pos, "-", right)
            continue
        break
    if not isinstance(left, Name):
        raise ExpressionError(
            "one side of a comparison must be a single fact or value "
            "(e.g. `a <= b + 3`, not `a - b <= 3`)",
            pos,
        )
    return left, op, right


def _operand(node: Node) -> Any:
    if isinstance(node, Literal):
        return to_engine(node.value)
    if isinstance(node, Arith | Unary) and not _fields(node):
        # The C core never matches arithmetic on two constants: fold it here.
        return to_engine(_fold(node))
    if isinstance(node, Name):
        return {"$m": engine_field(node.path)}
    if isinstance(node, Arith):
        left = _operand(node.left)
        if node.op == "/":  # the C core divides two integers as integers; the language never does
            left = float(left) if isinstance(left, int) else {"$mul": {"$l": 1.0, "$r": left}}
        return {_ARITH[node.op]: {"$l": left, "$r": _operand(node.right)}}
    if isinstance(node, Unary) and node.op == "-":
        return {"$mul": {"$l": -1, "$r": _operand(node.operand)}}
    if isinstance(node, Call):
        raise ExpressionError(f"{node.name}() cannot be used in a condition", node.pos)
    raise ExpressionError("this cannot be compared in a condition", node.pos)


def _fold(node: Node) -> Any:
    try:
        return Interpreter({}).value(node, {})
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise ExpressionError(f"cannot compute this constant: {exc}", node.pos) from None


def _fields(node: Node) -> set[str]:
    if isinstance(node, Name):
        return {node.path}
    if isinstance(node, Arith):
        return _fields(node.left) | _fields(node.right)
    if isinstance(node, Unary):
        return _fields(node.operand)
    return set()


def _dedupe(tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for test in tests:
        if test not in seen:
            seen.append(test)
    return seen
