"""Resolve names and check types of a parsed expression against the rule set's scope.

After checking, an expression holds only: ``Name`` nodes for facts and derived values,
``Literal`` nodes (constants are inlined, calls of constant functions folded, bare
words that name nothing become string symbols), and operators whose operand types fit.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cscore.calendar import to_china_time
from cscore.errors import did_you_mean
from cscore.language.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Field,
    Filter,
    IfThen,
    ListExpr,
    ListOp,
    Literal,
    Name,
    Node,
    Unary,
)
from cscore.language.functions import ArgumentTypeError, EvalContext, FunctionSpec
from cscore.language.parser import ExpressionError
from cscore.language.types import (
    ANY,
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    INTEGER,
    MONEY,
    NULL,
    NUMBER,
    ORDERED,
    STRING,
    Type,
    base,
    compatible,
    is_numeric,
    list_of,
    type_of_value,
    unify,
)


@dataclass
class Scope:
    """Everything an expression may name."""

    facts: Mapping[str, Type]
    values: Mapping[str, Type] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    functions: Mapping[str, FunctionSpec] = field(default_factory=dict)

    def known_names(self) -> list[str]:
        return [*self.facts, *self.values, *self.constants]

    def type_of(self, name: str) -> Type | None:
        if name in self.values:
            return self.values[name]
        return self.facts.get(name)


def check_condition(node: Node, scope: Scope, computed: bool = False) -> Node:
    """Check a ``when`` expression: it must be true/false and compile to durable_rules.

    With ``computed``, function calls, list operations and ``if … then … else`` are
    allowed too: the condition is then only for the interpreter (the assembler hoists
    such parts into values of an earlier layer before it checks what the engine gets)."""
    checked, result = _Checker(scope, in_condition=not computed).check(node)
    if isinstance(checked, Literal) and checked.symbol:
        raise _unknown(checked, scope)
    if result.name not in ("bool", "any"):
        raise ExpressionError(
            f"a condition must be true or false, but this is a {result}", node.pos
        )
    return checked


def check_value(node: Node, scope: Scope, expected: Type | None = None) -> tuple[Node, Type]:
    """Check a value a rule sets; ``expected`` is the declared type of its key, if any."""
    if expected is not None and expected.name == "string":
        node = _as_word(node, scope)
    checker = _Checker(scope, in_condition=False)
    checked, result = checker.check(node)
    if result.name == "schedule":
        raise ExpressionError(
            "a schedule is not a value: use it in add_working_hours(t, n, schedule) "
            "or in_hours(t, schedule)",
            node.pos,
        )
    if expected is not None and expected.name != "any":
        for branch in _branches(checked):  # each value an `if` may give must fit
            if branch is not checked:
                _require_fit(branch, checker.check(branch)[1], expected, scope, "this value")
        _require_fit(checked, result, expected, scope, "this value")
        if result.name == "null":
            return checked, expected
        if result.name == "string" and expected.values is not None:
            return checked, expected
        if is_numeric(expected) and is_numeric(result):
            return checked, expected if expected.name in ("number", "money") else result
    return checked, result


def _branches(node: Node) -> list[Node]:
    """The values an ``if … then … else`` chain can give (the node itself otherwise)."""
    if isinstance(node, IfThen):
        return [*_branches(node.then), *_branches(node.otherwise)]
    return [node]


def _as_word(node: Node, scope: Scope) -> Node:
    """Where text is expected, a bare word naming a non-text fact is that word:
    ``reason: misuse`` is the reason code even though ``misuse`` is also a yes/no fact."""
    if isinstance(node, IfThen):
        then, otherwise = _as_word(node.then, scope), _as_word(node.otherwise, scope)
        return IfThen(node.pos, node.test, then, otherwise)
    if isinstance(node, Name) and "." not in node.path:
        known = scope.type_of(node.path)
        if known is not None and known.name not in ("string", "any"):
            return Literal(node.pos, node.path, symbol=True)
    return node


def _require_fit(node: Node, actual: Type, expected: Type, scope: Scope, what: str) -> None:
    if actual.name == "null":
        return
    if isinstance(node, Literal) and node.symbol and expected.name != "string":
        raise _unknown(node, scope, f" ({what} must be a {expected})")
    if expected.name == "list" and actual.name == "list":
        item = expected.item
        if item is not None and item.name != "any" and isinstance(node, ListExpr):
            for element in node.items:
                if isinstance(element, Literal) and element.value is not None:
                    _require_fit(element, type_of_value(element.value), item, scope, "each item")
        return
    if not compatible(actual, expected):
        raise ExpressionError(f"{what} must be a {expected}, but it is a {actual}", node.pos)
    if expected.values is not None and isinstance(node, Literal) and isinstance(node.value, str):
        _check_enum(node, expected, scope)
    if expected.values is not None and isinstance(node, ListExpr):
        for element in node.items:
            if isinstance(element, Literal) and isinstance(element.value, str):
                _check_enum(element, expected, scope)


def _check_enum(literal: Literal, expected: Type, scope: Scope) -> None:
    assert expected.values is not None
    if literal.value not in expected.values:
        hint = did_you_mean(literal.value, expected.values)
        if not hint and literal.symbol:
            hint = did_you_mean(literal.value, scope.known_names())
        shown = ", ".join(sorted(expected.values))
        raise ExpressionError(f"'{literal.value}' is not one of [{shown}]{hint}", literal.pos)


def _unknown(node: Literal, scope: Scope, extra: str = "") -> ExpressionError:
    """A bare word that names nothing, where a fact or value was needed."""
    word = str(node.value)
    suggestion = difflib.get_close_matches(word, scope.known_names(), n=1, cutoff=0.6)
    what = "fact"
    if suggestion and suggestion[0] in scope.constants:
        what = "constant"
    elif suggestion and suggestion[0] in scope.values:
        what = "value"
    hint = f" (did you mean '{suggestion[0]}'?)" if suggestion else ""
    return ExpressionError(f"unknown {what} '{word}'{extra}{hint}", node.pos)


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


# List operations: count/any/all take a list (filtered with `where`); the others also
# a value computed for each item. min/max are ordinary functions of two values unless
# their first argument is a filtered list or a list of records.
LIST_OPERATIONS = {
    "count": 1,
    "any": 1,
    "all": 1,
    "sum": 2,
    "min": 2,
    "max": 2,
    "first": 2,
}


class _Checker:
    def __init__(self, scope: Scope, in_condition: bool) -> None:
        self.scope = scope
        self.in_condition = in_condition
        self.items: list[dict[str, Type]] = []  # the fields of the items being walked

    def check(self, node: Node) -> tuple[Node, Type]:
        name = "_" + type(node).__name__.lower()
        method: Callable[[Node], tuple[Node, Type]] = getattr(self, name)
        return method(node)

    def _literal(self, node: Literal) -> tuple[Node, Type]:
        return node, type_of_value(node.value)

    def _name(self, node: Name) -> tuple[Node, Type]:
        path = node.path
        for fields in reversed(self.items):  # an item's field wins over an outer name
            if path in fields:
                return Field(node.pos, path), fields[path]
        known = self.scope.type_of(path)
        if known is not None:
            return node, known
        if path in self.scope.constants:
            value = self.scope.constants[path]
            return Literal(node.pos, value), type_of_value(value)
        if "." in path:
            root = path.split(".", 1)[0]
            nested = [n for n in self.scope.known_names() if n.startswith(root + ".")]
            hint = did_you_mean(path, nested or self.scope.known_names())
            raise ExpressionError(f"unknown fact '{path}'{hint}", node.pos)
        # A bare word naming nothing is a symbol: `decision: reject`, `channel == phone`.
        return Literal(node.pos, path, symbol=True), STRING

    def _listexpr(self, node: ListExpr) -> tuple[Node, Type]:
        items: list[Node] = []
        item_type: Type | None = None
        for item in node.items:
            checked, t = self.check(item)
            items.append(checked)
            merged = t if item_type is None else unify(item_type, t)
            if merged is None:
                raise ExpressionError(f"a list cannot mix a {item_type} and a {t}", item.pos)
            item_type = merged
        return ListExpr(node.pos, tuple(items)), list_of(item_type or ANY)

    def _unary(self, node: Unary) -> tuple[Node, Type]:
        operand, t = self.check(node.operand)
        if node.op == "not":
            if isinstance(operand, Literal) and operand.symbol:
                raise _unknown(operand, self.scope)
            if t.name not in ("bool", "any"):
                raise ExpressionError(f"'not' needs true/false, got a {t}", node.pos)
            if isinstance(operand, Literal) and isinstance(operand.value, bool):
                return Literal(node.pos, not operand.value), BOOL
            return Unary(node.pos, "not", operand), BOOL
        if not (is_numeric(t) or t.name in ("duration", "any")):
            raise ExpressionError(f"'-' needs a number, got a {t}", node.pos)
        return Unary(node.pos, "-", operand), t

    def _boolop(self, node: BoolOp) -> tuple[Node, Type]:
        operands = []
        for operand in node.operands:
            checked, t = self.check(operand)
            if isinstance(checked, Literal) and checked.symbol:
                raise _unknown(checked, self.scope)
            if t.name not in ("bool", "any"):
                raise ExpressionError(
                    f"'{node.op}' joins true/false tests; this is a {t}", operand.pos
                )
            operands.append(checked)
        return BoolOp(node.pos, node.op, tuple(operands)), BOOL

    def _arith(self, node: Arith) -> tuple[Node, Type]:
        left, lt = self.check(node.left)
        right, rt = self.check(node.right)
        for side in (left, right):
            if isinstance(side, Literal) and side.symbol:
                raise _unknown(side, self.scope)
        result = _arith_type(node.op, lt, rt)
        if result is None:
            raise ExpressionError(f"cannot compute a {lt} {node.op} a {rt}", node.pos)
        return Arith(node.pos, node.op, left, right), result

    def _compare(self, node: Compare) -> tuple[Node, Type]:
        left, lt = self.check(node.left)
        right, rt = self.check(node.right)
        if node.op in ("==", "!="):  # `reason == misuse`: the word, not the yes/no fact
            if lt.name == "string" and isinstance(left, Name) and isinstance(node.right, Name):
                right, rt = self.check(_as_word(node.right, self.scope))
            elif rt.name == "string" and isinstance(right, Name) and isinstance(node.left, Name):
                left, lt = self.check(_as_word(node.left, self.scope))
        left_named = not isinstance(left, Literal | ListExpr)
        right_named = not isinstance(right, Literal | ListExpr) or (
            isinstance(right, ListExpr) and any(not isinstance(i, Literal) for i in right.items)
        )
        if not (left_named or right_named):
            for side in (left, right):
                if isinstance(side, Literal) and side.symbol:
                    raise _unknown(side, self.scope)
            raise ExpressionError("this compares two constants: one side must be a fact", node.pos)
        if node.op in ("in", "not in"):
            return self._membership(node, left, lt, right, rt)
        if not left_named:  # keep the fact on the left: `"x" == a` reads as `a == "x"`
            left, lt, right, rt = right, rt, left, lt
            op = _MIRROR[node.op]
        else:
            op = node.op
        right, rt = self._coerce_literal(right, rt, lt)
        left, lt = self._coerce_literal(left, lt, rt)
        if op in ("==", "!="):
            if not compatible(lt, rt):
                if isinstance(right, Literal) and right.symbol:
                    raise _unknown(right, self.scope, f" (compared with a {lt})")
                raise ExpressionError(f"cannot compare a {lt} with a {rt}", node.pos)
            for literal, other in ((right, lt), (left, rt)):
                if isinstance(literal, Literal) and isinstance(literal.value, str) and other.values:
                    _check_enum(literal, other, self.scope)
        else:
            if rt.name == "null" or lt.name == "null":
                raise ExpressionError(f"'{op}' cannot compare with null; use == null", node.pos)
            for side, t in ((left, lt), (right, rt)):
                if isinstance(side, Literal) and side.symbol:
                    raise _unknown(side, self.scope)
                if t.name not in ORDERED and t.name != "any":
                    raise ExpressionError(
                        f"'{op}' needs numbers, dates or times; got a {t}", side.pos
                    )
            if "any" not in (lt.name, rt.name) and base(lt) != base(rt):
                raise ExpressionError(f"cannot compare a {lt} with a {rt}", node.pos)
        return Compare(node.pos, op, left, right), BOOL

    def _membership(
        self, node: Compare, left: Node, lt: Type, right: Node, rt: Type
    ) -> tuple[Node, Type]:
        if isinstance(right, Literal) and isinstance(right.value, list | tuple):
            right = ListExpr(right.pos, tuple(Literal(right.pos, v) for v in right.value))
        if isinstance(right, Literal) and right.symbol:
            raise _unknown(right, self.scope, " (expected a list after 'in')")
        if not isinstance(right, ListExpr):
            raise ExpressionError(f"'{node.op}' needs a list on its right, got a {rt}", right.pos)
        if isinstance(left, Literal) and left.symbol:
            raise _unknown(left, self.scope)
        items = []
        for item in right.items:
            item, _ = self._coerce_literal(
                item,
                type_of_value(getattr(item, "value", None)) if isinstance(item, Literal) else ANY,
                lt,
            )
            if isinstance(item, Literal) and item.value is not None:
                if not compatible(lt, type_of_value(item.value)):
                    raise ExpressionError(
                        f"the list holds a {type_of_value(item.value)}, "
                        f"but it is tested against a {lt}",
                        item.pos,
                    )
                if isinstance(item.value, str) and lt.values:
                    _check_enum(item, lt, self.scope)
            items.append(item)
        return Compare(node.pos, node.op, left, ListExpr(right.pos, tuple(items))), BOOL

    def _coerce_literal(self, node: Node, t: Type, other: Type) -> tuple[Node, Type]:
        """A quoted ISO date or timestamp compared with a date or timestamp becomes one."""
        if not (isinstance(node, Literal) and isinstance(node.value, str) and not node.symbol):
            return node, t
        try:
            if other.name == "date":
                return Literal(node.pos, dt.date.fromisoformat(node.value)), DATE
            if other.name == "datetime":
                return Literal(
                    node.pos, to_china_time(dt.datetime.fromisoformat(node.value))
                ), DATETIME
        except ValueError as exc:
            raise ExpressionError(f"'{node.value}' is not a valid {other}", node.pos) from exc
        return node, t

    def _filter(self, node: Filter) -> tuple[Node, Type]:
        raise ExpressionError(
            "'where' filters a list only inside count(), any(), all(), sum(), min(), "
            "max() or first()",
            node.pos,
        )

    def _field(self, node: Field) -> tuple[Node, Type]:
        return node, ANY

    def _ifthen(self, node: IfThen) -> tuple[Node, Type]:
        test, test_type = self.check(node.test)
        if isinstance(test, Literal) and test.symbol:
            raise _unknown(test, self.scope)
        if test_type.name not in ("bool", "any"):
            raise ExpressionError(
                f"the test after 'if' must be true or false, but this is a {test_type}", test.pos
            )
        then, then_type = self.check(node.then)
        otherwise, else_type = self.check(node.otherwise)
        result = unify(then_type, else_type)
        if result is None:
            raise ExpressionError(
                f"'then' gives a {then_type} but 'else' a {else_type}: both must be of one kind",
                node.pos,
            )
        if isinstance(test, Literal) and isinstance(test.value, bool):  # a constant test
            return (then if test.value else otherwise), result
        if self.in_condition:
            raise ExpressionError(
                "if … then … else cannot be used in a condition here: set it as a value in "
                "an earlier rule and compare with that value",
                node.pos,
            )
        return IfThen(node.pos, test, then, otherwise), result

    def _is_list_operation(self, node: Call) -> bool:
        if node.name not in LIST_OPERATIONS or not node.args:
            return False
        first = node.args[0]
        if isinstance(first, Filter):
            return True
        if node.name in ("any", "all"):
            return True  # not functions: without `where` they are a mistake said so
        if node.name == "count" or not isinstance(first, Name):
            return False  # count(list) is the list's length, a plain function
        known = self.scope.type_of(first.path)
        if known is None or known.name != "list":
            return False
        if node.name in ("min", "max"):  # min(a, b) of two values stays a function
            return known.item is not None and known.item.name == "record"
        return True

    def _list_operation(self, node: Call) -> tuple[Node, Type]:
        op = node.name
        wanted = LIST_OPERATIONS[op]
        if len(node.args) != wanted:
            shape = f"{op}(list where test)" if wanted == 1 else f"{op}(list where test, value)"
            raise ExpressionError(
                f"{op}() over a list takes {wanted} argument{'s' * (wanted > 1)}: {shape}",
                node.pos,
            )
        first = node.args[0]
        source_node, test_node = (
            (first.source, first.test) if isinstance(first, Filter) else (first, None)
        )
        if op in ("any", "all") and test_node is None:
            raise ExpressionError(f"{op}() needs a test: {op}(list where test)", node.pos)
        source, source_type = self.check(source_node)
        if source_type.name != "list":
            raise ExpressionError(f"{op}() walks a list, but this is a {source_type}", source.pos)
        item = source_type.item or ANY
        if item.name == "record" and item.fields is not None:
            fields = dict(item.fields)
        else:
            fields = {"item": item}  # a list of plain values: the value is `item`
        self.items.append(fields)
        outer = self.scope  # suggestions for a misspelt name include the item's fields
        self.scope = replace(outer, facts={**outer.facts, **fields})
        try:
            test = None
            if test_node is not None:
                test, test_type = self.check(test_node)
                if isinstance(test, Literal) and test.symbol:
                    raise _unknown(test, self.scope, f" (not a field of {source_type})")
                if test_type.name not in ("bool", "any"):
                    raise ExpressionError(
                        f"the test after 'where' must be true or false, but this is a {test_type}",
                        test_node.pos,
                    )
            value = None
            result: Type = INTEGER if op == "count" else BOOL
            if wanted == 2:
                value, result = self.check(node.args[1])
                if isinstance(value, Literal) and value.symbol:
                    raise _unknown(value, self.scope, f" (not a field of {source_type})")
                if op == "sum" and not (is_numeric(result) or result.name == "any"):
                    raise ExpressionError(f"sum() adds numbers, got a {result}", value.pos)
                if op in ("min", "max") and result.name not in (*ORDERED, "any"):
                    raise ExpressionError(
                        f"{op}() needs numbers, dates or times, got a {result}", value.pos
                    )
        finally:
            self.items.pop()
            self.scope = outer
        if self.in_condition:
            raise ExpressionError(
                f"{op}() over a list cannot be used in a condition: set it as a value in an "
                f"earlier rule (e.g. `valid_claims: {op}(...)`) and compare with that value",
                node.pos,
            )
        return ListOp(node.pos, op, source, test, value), result

    def _call(self, node: Call) -> tuple[Node, Type]:
        if self._is_list_operation(node):
            return self._list_operation(node)
        spec = self.scope.functions.get(node.name)
        if spec is None:
            if node.name in self.scope.facts or node.name in self.scope.values:
                raise ExpressionError(f"'{node.name}' is a fact, not a function", node.pos)
            raise ExpressionError(
                f"unknown function '{node.name}'{did_you_mean(node.name, self.scope.functions)}",
                node.pos,
            )
        args: list[Node] = []
        types: list[Type] = []
        for arg in node.args:
            checked, t = self.check(arg)
            if isinstance(checked, Literal) and checked.symbol and node.name not in _TEXT_FUNCTIONS:
                raise _unknown(checked, self.scope)
            args.append(checked)
            types.append(t)
        try:
            result = spec.result_type(types)
        except ArgumentTypeError as exc:
            pos = args[exc.index].pos if 0 <= exc.index < len(args) else node.pos
            raise ExpressionError(str(exc), pos) from exc
        if spec.constant and all(isinstance(a, Literal) for a in args):
            try:
                value = spec.impl(EvalContext(), *(a.value for a in args if isinstance(a, Literal)))
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise ExpressionError(f"{node.name}(): {exc}", node.pos) from exc
            return Literal(node.pos, value), result
        if self.in_condition:
            raise ExpressionError(
                f"{node.name}() cannot be used in a condition: it runs after a rule fires. "
                f"Set it as a value in an earlier rule and compare with that value",
                node.pos,
            )
        return Call(node.pos, node.name, tuple(args)), result


_TEXT_FUNCTIONS = {"clock"}


def _money_arith(op: str, lt: Type, rt: Type) -> Type:
    """Money plus or minus money is money, and so is money scaled by a number; a ratio
    of two amounts (money / money) or money times money is a plain number."""
    both = lt.name == rt.name == "money"
    if op in ("+", "-"):
        return MONEY
    if op == "*":
        return NUMBER if both else MONEY
    if op == "/":
        return MONEY if lt.name == "money" and not both else NUMBER
    return NUMBER


def _arith_type(op: str, lt: Type, rt: Type) -> Type | None:
    if "any" in (lt.name, rt.name):
        return ANY
    if is_numeric(lt) and is_numeric(rt):
        if "money" in (lt.name, rt.name):
            return _money_arith(op, lt, rt)
        if op == "/":
            return NUMBER
        return INTEGER if lt.name == rt.name == "integer" else NUMBER
    pair = (lt.name, rt.name)
    table: dict[tuple[str, str, str], Type] = {
        ("date", "+", "integer"): DATE,
        ("integer", "+", "date"): DATE,
        ("date", "-", "integer"): DATE,
        ("date", "-", "date"): INTEGER,
        ("datetime", "+", "duration"): DATETIME,
        ("duration", "+", "datetime"): DATETIME,
        ("datetime", "-", "duration"): DATETIME,
        ("datetime", "-", "datetime"): DURATION,
        ("duration", "+", "duration"): DURATION,
        ("duration", "-", "duration"): DURATION,
        ("duration", "*", "integer"): DURATION,
        ("duration", "*", "number"): DURATION,
        ("integer", "*", "duration"): DURATION,
        ("number", "*", "duration"): DURATION,
        ("duration", "/", "integer"): DURATION,
        ("duration", "/", "number"): DURATION,
    }
    return table.get((pair[0], op, pair[1]))


__all__ = ["NULL", "STRING", "Scope", "check_condition", "check_value"]
