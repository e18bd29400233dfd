"""Values a rule computes from a value that may have no value in some case.

A condition that reads an unset value is simply false (the engine and the interpreter
agree on that), but a value computed from one fails while the case is evaluated
(``add_days(seventh_day, 1)`` when no rule set ``seventh_day``). The assembler warns at
load time, naming the rules that set the value and under which conditions, unless the
read is guarded: the reading rule's condition tests the value (``x != null``, ``x > 0``)
or implies a setter's condition, the read is ``default(x, …)``'s first argument, the
value has a default, or some rule sets it unconditionally.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cscore.language.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    ListExpr,
    ListOp,
    Literal,
    Name,
    Node,
    Unary,
)
from cscore.language.ast import render as render_node
from cscore.rulebook.model import NO_DEFAULT, KeySpec, Where


@dataclass(frozen=True)
class RuleView:
    """What the check needs of one rule: its id and place, condition and values."""

    id: str
    where: Where
    condition: Node | None
    sets: Sequence[tuple[str, Node, Where]]


def unset_reads(rules: Sequence[RuleView], keys: Mapping[str, KeySpec]) -> list[str]:
    """One warning per value computed from a value that may be unset, as
    ``file:line: rule ID: …``."""
    setters: dict[str, list[RuleView]] = {}
    for rule in rules:
        for key, *_ in rule.sets:
            setters.setdefault(key, []).append(rule)
    always = {
        key
        for key, found in setters.items()
        if keys[key].default is not NO_DEFAULT
        or any(_unconditional(r) for r in found)
        or _complementary(found)
    }
    proof = _Proof(setters, always)
    warnings: list[str] = []
    for rule in rules:
        have = _conjuncts(rule.condition)
        for key, node, where in rule.sets:
            for name in sorted(set(_strict_reads(node))):
                if name not in setters or name in always or name == key:
                    continue
                if proof.set_when(name, have, DEPTH):
                    continue
                paths = "; ".join(
                    f"{setter.id} ({setter.where}) when {render_node(setter.condition)}"
                    for setter in setters[name]
                    if setter.condition is not None
                )
                warnings.append(
                    f"{where}: rule {rule.id}: {key} reads '{name}', which has no value "
                    f"unless a rule sets it: {paths}; guard the rule with `{name} != null`, "
                    f"write default({name}, …) or give '{name}' a default"
                )
    return warnings


DEPTH = 3  # how many values deep a guard is followed (x set ⇐ y set ⇐ z != null)


@dataclass(frozen=True)
class _Proof:
    setters: Mapping[str, Sequence[RuleView]]
    always: set[str]

    def set_when(self, name: str, have: Sequence[Node], depth: int) -> bool:
        """Whether ``name`` surely has a value when every condition of ``have`` holds:
        they test it, imply a condition it is set under, or test another value whose
        every setter sets ``name`` too or has a condition that does (followed
        ``depth`` values deep)."""
        shown = {render_node(part) for part in have}
        if _guards(have, name) or any(
            _implied(setter.condition, have, shown) for setter in self.setters[name]
        ):
            return True
        if depth == 0:
            return False
        for other, found in self.setters.items():
            if other == name or other in self.always or not _guards(have, other):
                continue
            allowed = _allowed_words(have, other)
            if all(
                any(key == name for key, *_ in setter.sets)
                or self.set_when(name, [*have, *_what_it_knows(setter)], depth - 1)
                for setter in found
                if _may_give(setter, other, allowed)
            ):
                return True
        return False


def _allowed_words(have: Sequence[Node], name: str) -> set[Any] | None:
    """The constants ``name == a`` / ``name in [a, b]`` allows it, or None (any)."""
    for part in have:
        if not (isinstance(part, Compare) and isinstance(part.left, Name)):
            continue
        if part.left.path != name:
            continue
        right = part.right
        if part.op == "==" and isinstance(right, Literal) and right.value is not None:
            return {right.value}
        if part.op == "in" and isinstance(right, ListExpr):
            if all(isinstance(item, Literal) for item in right.items):
                return {item.value for item in right.items if isinstance(item, Literal)}
    return None


def _may_give(setter: RuleView, name: str, allowed: set[Any] | None) -> bool:
    """Whether the setter may give ``name`` one of the allowed constants."""
    if allowed is None:
        return True
    return any(
        not isinstance(node, Literal) or node.value in allowed
        for key, node, _where in setter.sets
        if key == name
    )


def _what_it_knows(setter: RuleView) -> list[Node]:
    """What holds when the setter's row stands: its condition, and the constants it
    sets (a rule that wins ``decision`` wins the ``reason`` of its row too)."""
    known = _conjuncts(setter.condition)
    for key, node, _where in setter.sets:
        if isinstance(node, Literal) and node.value is not None:
            known.append(Compare(0, "==", Name(0, key), node))
    return known


_OPPOSITE = {"==": "!=", "!=": "==", "in": "not in", "not in": "in"}


def _complementary(setters: Sequence[RuleView]) -> bool:
    """Two setters whose conditions are each other's negation (``x in L`` and
    ``x not in L``): one of them always applies."""
    tests = {
        (part.op, render_node(part.left), render_node(part.right))
        for part in (setter.condition for setter in setters)
        if isinstance(part, Compare) and part.op in _OPPOSITE
    }
    return any((_OPPOSITE[op], left, right) in tests for op, left, right in tests)


def _unconditional(rule: RuleView) -> bool:
    condition = rule.condition
    return condition is None or (isinstance(condition, Literal) and condition.value is True)


def _conjuncts(condition: Node | None) -> list[Node]:
    if condition is None:
        return []
    if isinstance(condition, BoolOp) and condition.op == "and":
        return [part for operand in condition.operands for part in _conjuncts(operand)]
    return [condition]


def _guards(conjuncts: Sequence[Node], name: str) -> bool:
    """A conjunct that is false whenever ``name`` is unset: ``name != null``, or any
    comparison of it but ``== null``, ``!=`` and ``not in`` (true when it is unset)."""
    for part in conjuncts:
        if isinstance(part, BoolOp) and part.op == "or":
            if all(_guards(_conjuncts(operand), name) for operand in part.operands):
                return True
            continue
        if not isinstance(part, Compare):
            continue
        sides = (part.left, part.right)
        if not any(isinstance(side, Name) and side.path == name for side in sides):
            continue
        null = any(isinstance(side, Literal) and side.value is None for side in sides)
        if part.op == "!=" and null:
            return True
        if part.op not in ("!=", "not in") and not null:
            return True
    return False


def _implied(condition: Node | None, have: Sequence[Node], shown: set[str]) -> bool:
    """The reading rule's condition implies the setter's: each of the setter's
    conjuncts is one of the reader's, or a ``x != null`` the reader guards."""
    if condition is None:
        return True
    for part in _conjuncts(condition):
        if render_node(part) in shown:
            continue
        if (
            isinstance(part, Compare)
            and part.op == "!="
            and isinstance(part.left, Name)
            and isinstance(part.right, Literal)
            and part.right.value is None
            and _guards(have, part.left.path)
        ):
            continue
        return False
    return True


def _strict_reads(node: Node) -> Iterator[str]:
    """The names whose absence makes the value fail: not those inside a comparison or
    and/or (a missing value makes those false), nor ``default``'s first argument."""
    if isinstance(node, Name):
        yield node.path
    elif isinstance(node, Compare | BoolOp):
        return
    elif isinstance(node, Call) and node.name == "default" and node.args:
        for arg in node.args[1:]:
            yield from _strict_reads(arg)
    elif isinstance(node, ListOp):
        yield from _strict_reads(node.source)
    elif isinstance(node, ListExpr):
        for item in node.items:
            yield from _strict_reads(item)
    elif isinstance(node, Unary):
        yield from _strict_reads(node.operand)
    elif isinstance(node, Arith):
        yield from _strict_reads(node.left)
        yield from _strict_reads(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from _strict_reads(arg)
    # any other node (if … then … else, a field of a list item) is not followed
