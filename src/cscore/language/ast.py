"""Syntax tree of the rule expression language.

Every node remembers ``pos``, its character offset in the source text, so that an
error can point at the line inside a multi-line condition.
"""

from __future__ import annotations

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


def names_in(node: Node) -> set[str]:
    """Every name the expression reads (symbols and literals excluded)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found.add(current.path)
        elif isinstance(current, ListExpr):
            stack.extend(current.items)
        elif isinstance(current, Unary):
            stack.append(current.operand)
        elif isinstance(current, Arith | Compare):
            stack.extend((current.left, current.right))
        elif isinstance(current, BoolOp):
            stack.extend(current.operands)
        elif isinstance(current, Call):
            stack.extend(current.args)
    return found


def render(node: Node) -> str:
    """The expression as a person would write it (used in traces and messages)."""
    if isinstance(node, Literal):
        if node.value is None:
            return "null"
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        if isinstance(node.value, str) and not node.symbol:
            return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return str(node.value)
    if isinstance(node, Name):
        return node.path
    if isinstance(node, ListExpr):
        return "[" + ", ".join(render(item) for item in node.items) + "]"
    if isinstance(node, Unary):
        return f"not {render(node.operand)}" if node.op == "not" else f"-{render(node.operand)}"
    if isinstance(node, Arith | Compare):
        return f"{render(node.left)} {node.op} {render(node.right)}"
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(_wrap(operand, node.op) for operand in node.operands)
    if isinstance(node, Call):
        return f"{node.name}(" + ", ".join(render(arg) for arg in node.args) + ")"
    raise TypeError(f"not an expression node: {node!r}")


def _wrap(node: Node, parent_op: str) -> str:
    text = render(node)
    if isinstance(node, BoolOp) and node.op != parent_op:
        return f"({text})"
    return text
