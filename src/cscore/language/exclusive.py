"""Can two checked conditions never be true together? (a cheap, sound test)

Used to tell equal-priority rules that set one key to different values apart: when
their conditions exclude each other the tie can never happen, otherwise the rule file
is ambiguous. "Exclusive" is only claimed when it is certain; anything this module
cannot see through counts as "may overlap".
"""

from __future__ import annotations

from typing import Any

from cscore.language.ast import BoolOp, Compare, ListExpr, Literal, Name, Node, Unary

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not in"}
_NEGATE["not in"] = "in"
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def exclusive(a: Node | None, b: Node | None) -> bool:
    """True only if no facts make both conditions true (``None`` is "always")."""
    if a is None or b is None:
        return False
    if _never(a) or _never(b):
        return True
    for left in _branches(a):
        for right in _branches(b):
            if not _clash(_atoms(left), _atoms(right)):
                return False
    return True


def _never(node: Node) -> bool:
    return isinstance(node, Literal) and node.value is False


_MAX_BRANCHES = 64  # beyond this, give up (and say "may overlap")


def _branches(node: Node) -> list[Node]:
    """The condition as an ``or`` of ``and``s (distributing nested ``or``s): it is
    exclusive with something only if each branch is."""
    if isinstance(node, BoolOp) and node.op == "or":
        return [branch for operand in node.operands for branch in _branches(operand)]
    if isinstance(node, BoolOp) and node.op == "and":
        combos: list[list[Node]] = [[]]
        for operand in node.operands:
            options = _branches(operand)
            combos = [[*combo, option] for combo in combos for option in options]
            if len(combos) > _MAX_BRANCHES:
                return [node]
        return [BoolOp(node.pos, "and", tuple(combo)) for combo in combos]
    return [node]


def _atoms(node: Node) -> list[tuple[str, str, Any]]:
    """The tests of a conjunction as (field, op, operand): operand is a literal value,
    a frozenset for in/not in, or ("name", path) for a comparison of two fields."""
    if isinstance(node, BoolOp) and node.op == "and":
        return [atom for operand in node.operands for atom in _atoms(operand)]
    if isinstance(node, Name):
        return [(node.path, "==", True)]
    if isinstance(node, Unary) and node.op == "not" and isinstance(node.operand, Name):
        return [(node.operand.path, "!=", True)]
    if isinstance(node, Compare):
        left, right, op = node.left, node.right, node.op
        if isinstance(right, Name) and not isinstance(left, Name):
            left, right, op = right, left, _MIRROR.get(op, op)
        if not isinstance(left, Name):
            return []
        if isinstance(right, Literal):
            return [(left.path, op, right.value)]
        if isinstance(right, ListExpr) and all(isinstance(i, Literal) for i in right.items):
            values = frozenset(_hashable(i.value) for i in right.items if isinstance(i, Literal))
            return [(left.path, op, values)]
        if isinstance(right, Name) and op in _MIRROR:
            return [(left.path, op, ("name", right.path))]
    return []


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _clash(left: list[tuple[str, str, Any]], right: list[tuple[str, str, Any]]) -> bool:
    return any(_contradict(x, y) or _contradict(y, x) for x in left for y in right)


def _contradict(x: tuple[str, str, Any], y: tuple[str, str, Any]) -> bool:
    field, op, value = x
    other_field, other_op, other = y
    if isinstance(value, tuple) and value[:1] == ("name",):
        # a op b against a op' b (or b mirror(op') a): exclusive when op' is the complement
        if other_field == field and other == value:
            return _NEGATE.get(op) == other_op
        if other_field == value[1] and other == ("name", field):
            return _NEGATE.get(op) == _MIRROR.get(other_op)
        return False
    if other_field != field or (isinstance(other, tuple) and other[:1] == ("name",)):
        return False
    if value is None:  # == null: the value is absent, so no positive test holds
        if op == "==":
            return (other_op in ("==", "in", "<", "<=", ">", ">=") and other is not None) or (
                other_op == "!=" and other is None
            )
        return False
    if op == "==":
        if other_op == "==":
            return other is not None and other != value
        if other_op == "!=":
            return bool(other == value)
        if other_op == "in":
            return value not in other
        if other_op == "not in":
            return value in other
        return _outside(value, other_op, other)
    if op == "in":
        if other_op == "in":
            return not (value & other)
        if other_op == "not in":
            return bool(value <= other)
        return False
    if op in ("<", "<=", ">", ">=") and other_op in ("<", "<=", ">", ">="):
        return _disjoint_ranges(op, value, other_op, other)
    return False


def _outside(value: Any, op: str, bound: Any) -> bool:
    """``x == value`` and ``x op bound`` cannot both hold."""
    try:
        holds = {
            "<": value < bound,
            "<=": value <= bound,
            ">": value > bound,
            ">=": value >= bound,
        }.get(op)
    except TypeError:
        return False
    return holds is False


def _disjoint_ranges(op: str, a: Any, other_op: str, b: Any) -> bool:
    try:
        if op in ("<", "<=") and other_op in (">", ">="):
            return a < b or (a == b and (op == "<" or other_op == ">"))
        if op in (">", ">=") and other_op in ("<", "<="):
            return b < a or (a == b and (op == ">" or other_op == "<"))
    except TypeError:
        return False
    return False
