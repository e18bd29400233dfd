"""Syntax tree of the rule expression language.

Every node remembers ``pos``, its character offset in the source text, so that an
error can point at the line inside a multi-line condition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number, quoted string, ``true``/``false``/``null``, or a bare word that is
    not a known name (a *symbol*, e.g. ``no_reason_return``)."""

    value: Any
    symbol: bool = False  # written as a bare word rather than quoted


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A fact, derived value or constant; dotted for nested facts (``condition.tags_intact``)."""

    path: str


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Node


@dataclass(frozen=True, slots=True)
class Arith(Node):
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    op: str  # "and" or "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Filter(Node):
    """``claims where claim_date <= claim_deadline``: the items of a list that pass a
    test. Only written as the first argument of a list operation."""

    source: Node
    test: Node


@dataclass(frozen=True, slots=True)
class Field(Node):
    """A field of the current item inside a list operation (``claim_date`` while
    ``claims`` is walked). The checker makes these out of bare names."""

    path: str


@dataclass(frozen=True, slots=True)
class ListOp(Node):
    """A list operation: ``count``/``any``/``all`` over the items (passing ``test``, if
    any), or ``sum``/``min``/``max``/``first`` of ``value`` computed per item."""

    op: str
    source: Node
    test: Node | None = None
    value: Node | None = None


@dataclass(frozen=True, slots=True)
class IfThen(Node):
    """``if remote_area then 20 else 10``: one of two values, chosen by a test."""

    test: Node
    then: Node
    otherwise: Node


def walk(node: Node, skip: Callable[[Node], bool] | None = None) -> Iterator[Node]:
    """Every node of the expression, the node itself included; ``skip``: nodes whose
    parts are not walked (the node itself is)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if skip is not None and skip(current):
            continue
        if isinstance(current, ListExpr):
            stack.extend(current.items)
        elif isinstance(current, Unary):
            stack.append(current.operand)
        elif isinstance(current, Arith | Compare):
            stack.extend((current.left, current.right))
        elif isinstance(current, BoolOp):
            stack.extend(current.operands)
        elif isinstance(current, Call):
            stack.extend(current.args)
        elif isinstance(current, Filter):
            stack.extend((current.source, current.test))
        elif isinstance(current, ListOp):
            stack.extend(n for n in (current.source, current.test, current.value) if n)
        elif isinstance(current, IfThen):
            stack.extend((current.test, current.then, current.otherwise))


def names_in(node: Node) -> set[str]:
    """Every name the expression reads (symbols and literals excluded)."""
    return {current.path for current in walk(node) if isinstance(current, Name)}


def calls_in(node: Node) -> list[str]:
    """The functions the expression calls, outermost first."""
    return [current.name for current in walk(node) if isinstance(current, Call)]


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6}
_ATOM = 8


def _precedence(node: Node) -> int:
    if isinstance(node, IfThen):
        return 0  # binds loosest: inside anything else it is written in parentheses
    if isinstance(node, BoolOp):
        return _PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return _PRECEDENCE["not"] if node.op == "not" else 7
    if isinstance(node, Compare):
        return _PRECEDENCE["compare"]
    if isinstance(node, Arith):
        return _PRECEDENCE[node.op]
    if isinstance(node, Literal) and isinstance(node.value, int | float) and node.value < 0:
        return 7
    return _ATOM


def render(node: Node) -> str:
    """The expression as a person would write it (used in traces and messages).

    Parentheses are written where they change the meaning, so that parsing the text
    gives back the same tree."""
    if isinstance(node, Literal):
        if node.value is None:
            return "null"
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        if isinstance(node.value, str) and not node.symbol:
            return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(node.value, list | tuple):
            return "[" + ", ".join(render(Literal(node.pos, v)) for v in node.value) + "]"
        if isinstance(node.value, dt.datetime):  # compared with a timestamp, a quoted ISO
            return f'"{node.value.isoformat()}"'  # text is read back as one
        if isinstance(node.value, dt.date):
            return f'date("{node.value.isoformat()}")'
        if isinstance(node.value, dt.timedelta):
            return f"seconds({node.value.total_seconds():g})"
        return str(node.value)
    if isinstance(node, Name):
        return node.path
    if isinstance(node, ListExpr):
        return "[" + ", ".join(render(item) for item in node.items) + "]"
    if isinstance(node, Unary):
        if node.op == "not":
            return "not " + _child(node.operand, _PRECEDENCE["not"])
        return "-" + _child(node.operand, 7)
    if isinstance(node, Arith):
        level = _PRECEDENCE[node.op]
        return f"{_child(node.left, level)} {node.op} {_child(node.right, level + 1)}"
    if isinstance(node, Compare):
        level = _PRECEDENCE["compare"] + 1
        return f"{_child(node.left, level)} {node.op} {_child(node.right, level)}"
    if isinstance(node, BoolOp):
        level = _PRECEDENCE[node.op] + 1  # a nested "or" in an "or" keeps its parentheses
        return f" {node.op} ".join(_child(operand, level) for operand in node.operands)
    if isinstance(node, Call):
        return f"{node.name}(" + ", ".join(render(arg) for arg in node.args) + ")"
    if isinstance(node, Filter):
        return f"{render(node.source)} where {render(node.test)}"
    if isinstance(node, Field):
        return node.path
    if isinstance(node, ListOp):
        inner = render(node.source)
        if node.test is not None:
            inner += f" where {render(node.test)}"
        if node.value is not None:
            inner += f", {render(node.value)}"
        return f"{node.op}({inner})"
    if isinstance(node, IfThen):  # `else if` chains need no parentheses
        return (
            f"if {_child(node.test, 1)} then {_child(node.then, 1)} "
            f"else {_child(node.otherwise, 0)}"
        )
    raise TypeError(f"not an expression node: {node!r}")


def _child(node: Node, minimum: int) -> str:
    text = render(node)
    return f"({text})" if _precedence(node) < minimum else text
