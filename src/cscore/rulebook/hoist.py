"""Hoist what the engine cannot test out of conditions, into values of an earlier layer.

durable_rules compares single values; it cannot call a function, walk a list or
choose between two values. So a condition such as ``count(claims where …) > 0`` or
``request_time <= add_working_hours(reported_at, 4, office)`` is rewritten: each such
part becomes a derived value (``__hoisted_1``), set by a synthetic rule without a
condition, and the condition compares with that value. The layering of the assembler
then runs the synthetic rule first; the rule that reads it still runs in the engine.

The synthetic value has no value when the expression reads a missing value (it is
``default(expression, null)``), which is what the condition meant: a comparison with a
missing value is false. Constant parts (``min(5, K)``) are left to the checker, which
folds them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from cscore.language.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Filter,
    IfThen,
    ListExpr,
    Literal,
    Name,
    Node,
    Unary,
    render,
)
from cscore.language.functions import FunctionSpec

HOISTED_PREFIX = "__hoisted_"


@dataclass(frozen=True)
class Hoisted:
    """One computed part of a condition, and the value name that replaces it."""

    name: str
    node: Node  # as parsed; positions are offsets in the origin's condition text
    text: str  # the part as written (rendered), shown in traces
    origin: str  # the id of the first rule whose condition holds it

    def value_node(self) -> Node:
        """What the synthetic rule sets: the part, or no value when it reads a missing one."""
        return Call(self.node.pos, "default", (self.node, Literal(self.node.pos, None)))


class Hoister:
    """Rewrites conditions; one per rule set, so one text gets one value name."""

    def __init__(
        self,
        constants: Collection[str],
        functions: Mapping[str, FunctionSpec],
        taken: Callable[[str], bool],
        known: Collection[str],
    ) -> None:
        self.constants = constants
        self.functions = functions
        self.taken = taken  # is this name already a fact, constant or key?
        self.known = known  # facts and keys: names whose value depends on the case
        self.by_text: dict[str, Hoisted] = {}

    @property
    def hoisted(self) -> list[Hoisted]:
        return list(self.by_text.values())

    def rewrite(self, node: Node, origin: str) -> Node:
        """The condition with each computed part replaced by the name of its value."""
        if isinstance(node, Call | IfThen) and not self.constant(node):
            return Name(node.pos, self.name_for(node, origin))
        if isinstance(node, BoolOp):
            return BoolOp(node.pos, node.op, tuple(self.rewrite(o, origin) for o in node.operands))
        if isinstance(node, Unary):
            return Unary(node.pos, node.op, self.rewrite(node.operand, origin))
        if isinstance(node, Compare):
            left, right = self.rewrite(node.left, origin), self.rewrite(node.right, origin)
            return Compare(node.pos, node.op, left, right)
        if isinstance(node, Arith):
            left, right = self.rewrite(node.left, origin), self.rewrite(node.right, origin)
            return Arith(node.pos, node.op, left, right)
        if isinstance(node, ListExpr):
            return ListExpr(node.pos, tuple(self.rewrite(i, origin) for i in node.items))
        return node

    def name_for(self, node: Node, origin: str) -> str:
        text = render(node)
        found = self.by_text.get(text)
        if found is None:
            number = len(self.by_text) + 1
            while self.taken(f"{HOISTED_PREFIX}{number}"):
                number += 1
            found = Hoisted(f"{HOISTED_PREFIX}{number}", node, text, origin)
            self.by_text[text] = found
        return found.name

    def constant(self, node: Node) -> bool:
        """Whether the checker can fold the part when the file loads (no case value in it)."""
        if isinstance(node, Literal):
            return True
        if isinstance(node, Name):  # a constant, or a bare word that names nothing
            return node.path in self.constants or node.path not in self.known
        if isinstance(node, Call):
            spec = self.functions.get(node.name)
            if spec is None or not spec.constant:
                return False
            return all(not isinstance(a, Filter) and self.constant(a) for a in node.args)
        if isinstance(node, IfThen):
            return all(self.constant(n) for n in (node.test, node.then, node.otherwise))
        if isinstance(node, BoolOp):
            return all(self.constant(o) for o in node.operands)
        if isinstance(node, Unary):
            return self.constant(node.operand)
        if isinstance(node, Compare | Arith):
            return self.constant(node.left) and self.constant(node.right)
        if isinstance(node, ListExpr):
            return all(self.constant(i) for i in node.items)
        return False
