"""Tests for the rule language: parser, checker, interpreter, to_engine and render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from cscore.calendar import CHINA_TZ
from cscore.default_plugins import calendar_functions, core_functions
from cscore.language.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    ListExpr,
    Literal,
    Name,
    Node,
    Unary,
    names_in,
    render,
)
from cscore.language.checker import Scope, check_condition, check_value
from cscore.language.compiler import to_engine
from cscore.language.functions import EvalContext
from cscore.language.interpreter import MISSING, Interpreter, MissingValue, lookup
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import (
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    INTEGER,
    NUMBER,
    STRING,
    Type,
    enum,
    list_of,
)

FUNCTIONS = {f.name: f for f in [*core_functions.FUNCTIONS, *calendar_functions.FUNCTIONS]}

SCOPE = Scope(
    facts={
        "a": INTEGER,
        "b": INTEGER,
        "amount": NUMBER,
        "c": NUMBER,
        "f": BOOL,
        "g": BOOL,
        "h": BOOL,
        "s": enum(["x", "y", "z"]),
        "d1": DATE,
        "d2": DATE,
        "ts": DATETIME,
        "dur": DURATION,
        "name": STRING,
        "request_type": STRING,
        "province": STRING,
        "order.amount": NUMBER,
        "order.note": STRING,
        "tags": list_of(STRING),
    },
    values={"deadline": DATE},
    constants={"LIMIT": 7, "CHANNELS": ["online", "phone"], "START": dt.date(2025, 1, 1)},
    functions=FUNCTIONS,
)


def cond(source: str) -> Node:
    return check_condition(parse(source), SCOPE)


def value(source: str, expected: Type | None = None) -> tuple[Node, Type]:
    return check_value(parse(source), SCOPE, expected)


def shape(node: Node) -> Any:
    """The tree without source positions, for comparing structure."""
    if isinstance(node, Literal):
        return ("lit", node.value, node.symbol)
    if isinstance(node, Name):
        return ("name", node.path)
    if isinstance(node, ListExpr):
        return ("list", *[shape(i) for i in node.items])
    if isinstance(node, Unary):
        return (node.op, shape(node.operand))
    if isinstance(node, Arith | Compare):
        return (node.op, shape(node.left), shape(node.right))
    if isinstance(node, BoolOp):
        return (node.op, *[shape(o) for o in node.operands])
    if isinstance(node, Call):
        return ("call", node.name, *[shape(a) for a in node.args])
    raise TypeError(node)


def n(path: str) -> tuple[str, str]:
    return ("name", path)


def lit(v: Any, symbol: bool = False) -> tuple[str, Any, bool]:
    return ("lit", v, symbol)


# --- parser -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("f or g and h", ("or", n("f"), ("and", n("g"), n("h")))),
        ("f and g or h", ("or", ("and", n("f"), n("g")), n("h"))),
        ("not f and g", ("and", ("not", n("f")), n("g"))),
        ("not not f", ("not", ("not", n("f")))),
        ("not a == b", ("not", ("==", n("a"), n("b")))),
        ("a + b * c", ("+", n("a"), ("*", n("b"), n("c")))),
        ("a - b - c", ("-", ("-", n("a"), n("b")), n("c"))),
        ("a / b * c", ("*", ("/", n("a"), n("b")), n("c"))),
        ("(a + b) * c", ("*", ("+", n("a"), n("b")), n("c"))),
        ("a + 1 < b", ("<", ("+", n("a"), lit(1)), n("b"))),
        ("-2", lit(-2)),
        ("-2.5 + a", ("+", lit(-2.5), n("a"))),
        ("-a", ("-", n("a"))),
        ("a - -3", ("-", n("a"), lit(-3))),
        ("f or g or h", ("or", n("f"), n("g"), n("h"))),
    ],
    ids=[
        "and-binds-tighter-than-or",
        "and-then-or",
        "not-binds-tighter-than-and",
        "double-not",
        "not-looser-than-compare",
        "product-before-sum",
        "sum-left-assoc",
        "product-left-assoc",
        "parentheses",
        "arith-inside-compare",
        "negative-literal-folded",
        "negative-float-literal",
        "unary-minus-on-name",
        "minus-negative-literal",
        "or-flattened",
    ],
)
def test_parse_precedence(source, expected):
    """Operators bind as the grammar says, loosest first: or, and, not, compare, sum, product."""
    assert shape(parse(source)) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a is null", ("==", n("a"), lit(None))),
        ("a is not null", ("!=", n("a"), lit(None))),
        ("a == null", ("==", n("a"), lit(None))),
        ("a in [1, 2]", ("in", n("a"), ("list", lit(1), lit(2)))),
        ("a not in [1, 2]", ("not in", n("a"), ("list", lit(1), lit(2)))),
        ("not a in []", ("not", ("in", n("a"), ("list",)))),
        ("x == true", ("==", n("x"), lit(True))),
        ("x != false", ("!=", n("x"), lit(False))),
        ("a >= 1.25", (">=", n("a"), lit(1.25))),
        ("order.amount <= 3", ("<=", n("order.amount"), lit(3))),
        ("max(a, 1, 2) > 0", (">", ("call", "max", n("a"), lit(1), lit(2)), lit(0))),
        ("f()", ("call", "f")),
        ("x == 'it\\'s'", ("==", n("x"), lit("it's"))),
        ('x == "say \\"hi\\""', ("==", n("x"), lit('say "hi"'))),
    ],
    ids=[
        "is-null",
        "is-not-null",
        "eq-null",
        "in",
        "not-in",
        "not-then-in",
        "true",
        "false",
        "float",
        "dotted-name",
        "call",
        "call-no-args",
        "single-quoted-escape",
        "double-quoted-escape",
    ],
)
def test_parse_forms(source, expected):
    """`is [not] null`, `[not] in`, literals, dotted names and calls parse to the right nodes."""
    assert shape(parse(source)) == expected


def test_parse_unicode_names():
    """Chinese words are names (and so become symbols after checking)."""
    node = parse("省份 == 新疆 and 订单.金额 > 1")
    assert shape(node) == (
        "and",
        ("==", n("省份"), n("新疆")),
        (">", n("订单.金额"), lit(1)),
    )
    assert node.operands[0].right.pos == 6  # type: ignore[attr-defined]


def test_parse_positions():
    """Every node remembers its character offset in the source."""
    node = parse("a  <  b + 12")
    assert isinstance(node, Compare)
    assert (node.pos, node.left.pos, node.right.pos) == (3, 0, 8)
    assert node.right.right.pos == 10  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("source", "pos", "message"),
    [
        ("a = 1", 2, "unexpected character '=': use == to compare"),
        ("a & b", 2, "unexpected character '&': write 'and'"),
        ("a | b", 2, "unexpected character '|': write 'or'"),
        ("!a", 0, "unexpected character '!': write 'not' (or != to compare)"),
        ("a ＝ 1", 2, "unexpected character '＝': use == to compare"),
        ("a、b", 1, "unexpected character '、': separate list items with ','"),
        ("a b", 2, "unexpected 'b' (missing 'and'/'or' or an operator?)"),
        ("(a", 2, "expected ')' to close '(', found 'end of expression'"),
        ("a is 3", 5, "expected 'null' after 'is', found '3'"),
        ("", 0, "empty expression"),
        ("   ", 0, "empty expression"),
        ("f(1, 2", 6, "expected ',' or ')' to close the call, found 'end of expression'"),
        ("[1 2]", 3, "expected ',' or ']' to close the list, found '2'"),
        ("a <", 3, "expected a value, found 'end of expression'"),
        ('a == "x', 5, "unexpected character '\"'"),
        ("a not b", 2, "unexpected 'not'"),
        ("a == == b", 5, "expected a value, found '=='"),
    ],
    ids=[
        "single-equals",
        "ampersand",
        "pipe",
        "bang",
        "fullwidth-equals",
        "ideographic-comma",
        "missing-operator",
        "unclosed-paren",
        "is-without-null",
        "empty",
        "blank",
        "unclosed-call",
        "list-missing-comma",
        "dangling-operator",
        "unterminated-string",
        "not-without-in",
        "double-operator",
    ],
)
def test_parse_errors(source, pos, message):
    """Syntax errors point at the offending character with an actionable message."""
    with pytest.raises(ExpressionError) as info:
        parse(source)
    assert info.value.message == message
    assert info.value.pos == pos
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("source", "meaning"),
    [
        ("a ≥ 99", "a >= 99"),
        ("a ≤ b", "a <= b"),
        ("a ≠ b", "a != b"),
        ("a ＝＝ b", "a == b"),
        ("p in [新疆，西藏，青海]", "p in [新疆, 西藏, 青海]"),
        ("p in 【新疆，西藏】", "p in [新疆, 西藏]"),
        ("（a ＋ 1） ＞ 2", "a + 1 > 2"),
        ("x == “好的”", 'x == "好的"'),
        ("b == TRUE or c == FALSE", "b == true or c == false"),
    ],
)
def test_lookalike_characters_mean_their_ascii_operator(source, meaning):
    """What a Chinese keyboard or a spreadsheet types is read as the operator it looks
    like, never as part of a name (so a list of provinces stays a list)."""
    assert render(parse(source)) == meaning


def test_names_in():
    """names_in lists every name read, including inside calls, lists and arithmetic."""
    node = parse("not (a + b.c > max(d, 1)) or e in [f, 2] and -g < 1")
    assert names_in(node) == {"a", "b.c", "d", "e", "f", "g"}


# --- checker: names, symbols, constants, functions -------------------------------------


def test_symbol_for_string_fact():
    """A bare word that names nothing is a string symbol when compared with a string."""
    node = cond("request_type == no_reason_return")
    assert shape(node) == ("==", n("request_type"), lit("no_reason_return", symbol=True))


def test_symbol_chinese():
    """Chinese bare words are symbols too."""
    node = cond("province in [新疆, 西藏]")
    assert shape(node) == ("in", n("province"), ("list", lit("新疆", True), lit("西藏", True)))


def test_literal_on_left_is_flipped():
    """`"x" == s` and `3 < a` are rewritten with the fact on the left (mirrored operator)."""
    assert shape(cond('"x" == s')) == ("==", n("s"), lit("x"))
    assert shape(cond("3 < a")) == (">", n("a"), lit(3))
    assert shape(cond("3 >= a")) == ("<=", n("a"), lit(3))


@pytest.mark.parametrize(
    ("source", "pos", "message"),
    [
        ("a < foo", 4, "unknown fact 'foo'"),
        ("a == foo", 5, "unknown fact 'foo' (compared with a whole number)"),
        (
            "a == amout",
            5,
            "unknown fact 'amout' (compared with a whole number) (did you mean 'amount'?)",
        ),
        ("a < LIMT", 4, "unknown constant 'LIMT' (did you mean 'LIMIT'?)"),
        ("d1 < deadlin", 5, "unknown value 'deadlin' (did you mean 'deadline'?)"),
        ("fo", 0, "unknown fact 'fo' (did you mean 'f'?)"),
        ("not foo", 4, "unknown fact 'foo'"),
        ("f and foo", 6, "unknown fact 'foo'"),
        ("foo + 1 > a", 0, "unknown fact 'foo'"),
        ("a in foo", 5, "unknown fact 'foo' (expected a list after 'in')"),
        ("order.amonut > 1", 0, "unknown fact 'order.amonut' (did you mean 'order.amount'?)"),
        ("ordr.amount > 1", 0, "unknown fact 'ordr.amount' (did you mean 'order.amount'?)"),
        ("zzz.qqq > 1", 0, "unknown fact 'zzz.qqq'"),
        ("foo == bar", 0, "unknown fact 'foo'"),
        ("round(foo) < c", 6, "unknown fact 'foo'"),
    ],
    ids=[
        "symbol-ordered",
        "symbol-vs-integer",
        "did-you-mean-fact",
        "did-you-mean-constant",
        "did-you-mean-value",
        "bare-symbol-condition",
        "not-symbol",
        "and-symbol",
        "arith-symbol",
        "in-symbol",
        "dotted-typo",
        "dotted-root-typo",
        "dotted-no-hint",
        "two-symbols",
        "function-arg-symbol",
    ],
)
def test_unknown_names(source, pos, message):
    """A symbol where a non-string is needed, or an unknown dotted name, is reported."""
    with pytest.raises(ExpressionError) as info:
        cond(source)
    assert info.value.message == message
    assert info.value.pos == pos


@pytest.mark.parametrize(
    ("source", "pos", "message"),
    [
        ("s == w", 5, "'w' is not one of [x, y, z]"),
        ("s == xx", 5, "'xx' is not one of [x, y, z] (did you mean 'x'?)"),
        ("s != amout", 5, "'amout' is not one of [x, y, z] (did you mean 'amount'?)"),
        ('s == "w"', 5, "'w' is not one of [x, y, z]"),
        ('"w" == s', 0, "'w' is not one of [x, y, z]"),
        ("s in [x, w]", 9, "'w' is not one of [x, y, z]"),
        ("s not in [yy]", 10, "'yy' is not one of [x, y, z] (did you mean 'y'?)"),
    ],
    ids=["eq", "did-you-mean-value", "did-you-mean-name", "quoted", "flipped", "in", "not-in"],
)
def test_enum_values(source, pos, message):
    """A string compared with an enumerated fact must be one of its values."""
    with pytest.raises(ExpressionError) as info:
        cond(source)
    assert (info.value.pos, info.value.message) == (pos, message)


def test_enum_value_accepted():
    """Allowed enum values, bare or quoted, pass and become string literals."""
    assert shape(cond("s == y")) == ("==", n("s"), lit("y", True))
    assert shape(cond("s in [x, 'z']")) == ("in", n("s"), ("list", lit("x", True), lit("z")))


def test_constants_inlined():
    """Constants become literals; a list constant after `in` becomes a list of literals."""
    assert shape(cond("a < LIMIT")) == ("<", n("a"), lit(7))
    assert shape(cond("name in CHANNELS")) == (
        "in",
        n("name"),
        ("list", lit("online"), lit("phone")),
    )
    assert shape(cond("d1 >= START")) == (">=", n("d1"), lit(dt.date(2025, 1, 1)))


@pytest.mark.parametrize(
    ("source", "folded"),
    [
        ("min(3, 4, 2)", 2),
        ("max(1, 2.5)", 2.5),
        ("round(2.675)", 2.68),
        ("round(2.5, 0)", 3.0),
        ("round(-1.005)", -1.01),
        ("abs(-4)", 4),
        ("seconds(90)", dt.timedelta(seconds=90)),
        ("minutes(2)", dt.timedelta(minutes=2)),
        ("hours(1.5)", dt.timedelta(minutes=90)),
        ('clock("14:30")', dt.timedelta(hours=14, minutes=30)),
        ('date("2026-10-01")', dt.date(2026, 10, 1)),
        ("min(LIMIT, 9)", 7),
    ],
    ids=[
        "min",
        "max",
        "round-half-up",
        "round-digits",
        "round-negative",
        "abs",
        "seconds",
        "minutes",
        "hours",
        "clock",
        "date",
        "constant-arg",
    ],
)
def test_constant_functions_folded(source, folded):
    """Calls of constant functions with literal arguments are folded when checked."""
    node, _ = value(source)
    assert isinstance(node, Literal)
    assert node.value == folded
    assert type(node.value) is type(folded)


def test_folded_call_in_condition():
    """A folded call may appear in a condition and compiles to a plain literal comparison."""
    assert shape(cond("dur < hours(2)")) == ("<", n("dur"), lit(dt.timedelta(hours=2)))
    assert shape(cond("d1 < date('2025-03-01')")) == ("<", n("d1"), lit(dt.date(2025, 3, 1)))
    assert shape(cond("round(2.555) < c")) == (">", n("c"), lit(2.56))


@pytest.mark.parametrize(
    ("source", "name", "pos"),
    [
        ("d1 < add_days(d1, 3)", "add_days", 5),
        ("is_working_day(d1)", "is_working_day", 0),
        ("a < days_between(d1, d2)", "days_between", 4),
        ("min(a, 3) < 2", "min", 0),
    ],
    ids=["add_days", "bool-function", "days_between", "constant-fn-with-fact"],
)
def test_non_constant_call_in_condition(source, name, pos):
    """A call that cannot be folded is refused in a condition, naming the function."""
    with pytest.raises(ExpressionError) as info:
        cond(source)
    assert info.value.message.startswith(f"{name}() cannot be used in a condition: it runs after")
    assert info.value.pos == pos


def test_non_constant_call_in_value():
    """The same calls are kept (not folded) in a value a rule sets, with their result type."""
    node, t = value("add_days(d1, 3)")
    assert shape(node) == ("call", "add_days", n("d1"), lit(3))
    assert t == DATE


@pytest.mark.parametrize(
    ("source", "pos", "message"),
    [
        ("mx(1, 2)", 0, "unknown function 'mx' (did you mean 'max'?)"),
        ("a(1)", 0, "'a' is a fact, not a function"),
        ('round("x")', 6, "round() value 1 must be a number, got a string"),
        ("round(1, 2, 3)", 0, "round() takes 1 to 2 values, got 3"),
        ("min(d1, 3)", 0, "min()/max() compare numbers, dates or times of one kind"),
        ("min()", 0, "min() needs at least 1 values"),
        ('clock("25:00")', 0, "clock(): clock() needs a time like \"14:00\", got '25:00'"),
        ('date("2025-02-30")', 0, "date(): day is out of range for month"),
        ('default(a, "x")', 11, "default(): the fallback is a string, the value a whole number"),
    ],
    ids=[
        "unknown",
        "fact-called",
        "arg-type",
        "arity",
        "mixed-min",
        "variadic-empty",
        "bad-clock",
        "bad-date",
        "default-mismatch",
    ],
)
def test_function_errors(source, pos, message):
    """Function calls are checked: names, arity, argument types, folding failures."""
    with pytest.raises(ExpressionError) as info:
        value(source)
    assert (info.value.pos, info.value.message) == (pos, message)


# --- checker: types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "pos", "message"),
    [
        ("d1 == 3", 3, "cannot compare a date with a whole number"),
        ("d1 < a", 3, "cannot compare a date with a whole number"),
        ("ts < d1", 3, "cannot compare a timestamp with a date"),
        ('a == "5"', 2, "cannot compare a whole number with a string"),
        ("f == 1", 2, "cannot compare a bool with a whole number"),
        ('name < "x"', 0, "'<' needs numbers, dates or times; got a string"),
        ("f >= true", 0, "'>=' needs numbers, dates or times; got a bool"),
        ("a in 3", 5, "'in' needs a list on its right, got a whole number"),
        ("a in LIMIT", 5, "'in' needs a list on its right, got a whole number"),
        ('a in [1, "x"]', 9, "a list cannot mix a whole number and a string"),
        (
            "s in [1]",
            6,
            "the list holds a whole number, but it is tested against a one of [x, y, z]",
        ),
        ("d1 + 1.5 < d2", 3, "cannot compute a date + a number"),
        ("d1 + d2 > d1", 3, "cannot compute a date + a date"),
        ("name + 1 > a", 5, "cannot compute a string + a whole number"),
        ("a + true > 1", 2, "cannot compute a whole number + a bool"),
        ("dur * dur > dur", 4, "cannot compute a duration * a duration"),
        ("a", 0, "a condition must be true or false, but this is a whole number"),
        ("d1 + 1", 3, "a condition must be true or false, but this is a date"),
        ("a and f", 0, "'and' joins true/false tests; this is a whole number"),
        ("f or name", 5, "'or' joins true/false tests; this is a string"),
        ("not a", 0, "'not' needs true/false, got a whole number"),
        ("-name < 1", 0, "'-' needs a number, got a string"),
        ("a < null", 2, "'<' cannot compare with null; use == null"),
        ("1 == 1", 2, "this compares two constants: one side must be a fact"),
        ("x == y", 0, "unknown fact 'x'"),
        ('d1 < "2025-13-01"', 5, "'2025-13-01' is not a valid date"),
        ('d1 == "soon"', 6, "'soon' is not a valid date"),
        ('ts < "noon"', 5, "'noon' is not a valid timestamp"),
    ],
    ids=[
        "date-vs-number",
        "date-order-number",
        "timestamp-vs-date",
        "number-vs-string",
        "bool-vs-number",
        "order-strings",
        "order-bools",
        "in-number",
        "in-constant-number",
        "mixed-list",
        "list-vs-enum",
        "date-plus-float",
        "date-plus-date",
        "string-plus-int",
        "int-plus-bool",
        "duration-times-duration",
        "not-boolean-int",
        "not-boolean-date",
        "and-non-bool",
        "or-non-bool",
        "not-non-bool",
        "negate-string",
        "order-null",
        "two-constants",
        "two-symbols",
        "bad-iso-date",
        "not-a-date",
        "not-a-timestamp",
    ],
)
def test_type_errors(source, pos, message):
    """Ill-typed conditions are refused with a message and a position."""
    with pytest.raises(ExpressionError) as info:
        cond(source)
    assert (info.value.pos, info.value.message) == (pos, message)


@pytest.mark.parametrize(
    ("source", "result"),
    [
        ("a + b", INTEGER),
        ("a * 2", INTEGER),
        ("a + c", NUMBER),
        ("a / b", NUMBER),
        ("d1 + 3", DATE),
        ("3 + d1", DATE),
        ("d1 - 3", DATE),
        ("d1 - d2", INTEGER),
        ("ts + dur", DATETIME),
        ("dur + ts", DATETIME),
        ("ts - dur", DATETIME),
        ("ts - ts", DURATION),
        ("dur + dur", DURATION),
        ("dur - dur", DURATION),
        ("dur * 2", DURATION),
        ("dur * 1.5", DURATION),
        ("2 * dur", DURATION),
        ("dur / 2", DURATION),
        ("-dur", DURATION),
        ("-c", NUMBER),
    ],
    ids=lambda v: v if isinstance(v, str) else str(v),
)
def test_arith_types(source, result):
    """Arithmetic result types follow the table (dates ± days, timestamps ± durations...)."""
    _, t = value(source)
    assert t == result


@pytest.mark.parametrize(
    "source",
    ["d1 * 2", "3 - d1", "ts + 1", "dur + 1", "d1 / 2", "ts * 2", "2 / dur"],
)
def test_arith_type_errors(source):
    """Arithmetic outside the table is refused."""
    with pytest.raises(ExpressionError, match=r"^cannot compute a "):
        value(source)


def test_quoted_dates_coerced():
    """A quoted ISO date (or timestamp) compared with a date (timestamp) becomes one."""
    assert shape(cond('d1 < "2025-01-01"')) == ("<", n("d1"), lit(dt.date(2025, 1, 1)))
    assert shape(cond('"2025-01-01" < d1')) == (">", n("d1"), lit(dt.date(2025, 1, 1)))
    assert shape(cond('d1 + 1 == "2025-01-02"'))[2] == lit(dt.date(2025, 1, 2))
    listed = cond('d1 in ["2025-01-01", "2025-01-03"]')
    assert [i.value for i in listed.right.items] == [  # type: ignore[attr-defined]
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 3),
    ]
    stamp = cond('ts < "2025-01-01T10:00:00"').right  # type: ignore[attr-defined]
    assert stamp.value == dt.datetime(2025, 1, 1, 10, tzinfo=CHINA_TZ)
    assert stamp.value.utcoffset() == dt.timedelta(hours=8)


def test_bare_boolean_name():
    """A bare boolean fact is a condition; a bare non-boolean fact is not."""
    assert shape(cond("f")) == n("f")
    assert shape(cond("not f")) == ("not", n("f"))
    assert shape(cond("not true")) == lit(False)


def test_condition_result_any_passes():
    """Comparisons and boolean joins are conditions."""
    assert shape(cond("a is null or not (b is not null)")) == (
        "or",
        ("==", n("a"), lit(None)),
        ("not", ("!=", n("b"), lit(None))),
    )


@pytest.mark.parametrize(
    ("source", "expected", "pos", "message"),
    [
        (
            "retrun",
            enum(["return", "reject"]),
            0,
            "'retrun' is not one of [reject, return] (did you mean 'return'?)",
        ),
        ("foo", INTEGER, 0, "unknown fact 'foo' (this value must be a whole number)"),
        ("a < 3", INTEGER, 2, "this value must be a whole number, but it is a bool"),
        ('"x"', DATE, 0, "this value must be a date, but it is a string"),
    ],
    ids=["enum-typo", "symbol-for-int", "bool-for-int", "string-for-date"],
)
def test_check_value_errors(source, expected, pos, message):
    """A value a rule sets must fit the declared type of its key."""
    with pytest.raises(ExpressionError) as info:
        value(source, expected)
    assert (info.value.pos, info.value.message) == (pos, message)


@pytest.mark.parametrize(
    ("source", "expected", "pos", "message"),
    [
        (
            "[reject, retrn]",
            list_of(enum(["return", "reject"])),
            9,
            "'retrn' is not one of [reject, return] (did you mean 'return'?)",
        ),
        ("[1, 2]", list_of(STRING), 1, "each item must be a string, but it is a whole number"),
        ("[foo]", list_of(INTEGER), 1, "unknown fact 'foo' (each item must be a whole number)"),
    ],
    ids=["enum-item-typo", "int-items-for-strings", "symbol-item"],
)
def test_check_value_list_items(source, expected, pos, message):
    """A list value's items must fit the declared item type (enum values, item family)."""
    with pytest.raises(ExpressionError) as info:
        value(source, expected)
    assert (info.value.pos, info.value.message) == (pos, message)


def test_check_value_list_items_fit():
    """A list whose items fit the declared item type passes."""
    node, t = value("[reject, return]", list_of(enum(["return", "reject"])))
    assert shape(node) == ("list", lit("reject", True), lit("return", True))
    assert t.name == "list"


@pytest.mark.parametrize(
    ("source", "expected", "result"),
    [
        ("a", NUMBER, NUMBER),
        ("a + 1", INTEGER, INTEGER),
        ("null", DATE, DATE),
        ("return", enum(["return", "reject"]), enum(["return", "reject"])),
        ("d1 + 3", None, DATE),
    ],
    ids=["int-as-number", "int-as-int", "null-takes-declared", "enum-symbol", "no-expected"],
)
def test_check_value_types(source, expected, result):
    """check_value returns the declared type where the value fits it."""
    _, t = value(source, expected)
    assert t == result


# --- interpreter -------------------------------------------------------------------------

INTERP = Interpreter(FUNCTIONS)


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("a == 1", {}, False),
        ("a != 1", {}, True),
        ("a < 1", {}, False),
        ("a >= 1", {}, False),
        ("not (a < 1)", {}, True),
        ("a in [1, 2]", {}, False),
        ("a not in [1, 2]", {}, True),
        ("a == null", {}, True),
        ("a is null", {"a": None}, True),
        ("a != null", {}, False),
        ("a is not null", {"a": 0}, True),
        ("a == null", {"a": 0}, False),
        ("a == b", {"a": 1}, False),
        ("a != b", {"a": 1}, True),
        ("a < b + 1", {"a": 1}, False),
        ("a + 1 > 0", {}, False),
        ("not (a + 1 > 0)", {}, True),
        ("f", {}, False),
        ("f", {"f": True}, True),
        ("f", {"f": False}, False),
        ("not f", {}, True),
        ("f == false", {}, False),
        ("f or a != 1", {}, True),
        ("f and a != 1", {"f": True}, True),
        ("order.amount > 10", {"order": {"amount": 12}}, True),
        ("order.amount > 10", {"order.amount": 12}, True),
        ("order.amount > 10", {"order": {}}, False),
        ("order.amount != 10", {"order": None}, True),
        ("s == x", {"s": "x"}, True),
        ("s != x", {"s": "y"}, True),
        ("s in [x, y]", {"s": "z"}, False),
        ("d1 < '2025-01-02'", {"d1": dt.date(2025, 1, 1)}, True),
        ("d1 + 3 == d2", {"d1": dt.date(2025, 1, 30), "d2": dt.date(2025, 2, 2)}, True),
        ("d2 - d1 >= 3", {"d1": dt.date(2025, 1, 30), "d2": dt.date(2025, 2, 2)}, True),
        ("a / 2 > 1", {"a": 3}, True),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_interpreter_conditions(source, facts, expected):
    """Missing values make comparisons false; != / not in / not are their negations."""
    assert INTERP.condition(cond(source), facts) is expected


def test_interpreter_value_missing_raises():
    """A value that reads a missing fact raises MissingValue naming it."""
    node, _ = value("a + b")
    with pytest.raises(MissingValue) as info:
        INTERP.value(node, {"a": 1, "b": None})
    assert info.value.name == "b"
    assert INTERP.value(node, {"a": 1, "b": 2}) == 3


def test_default_lazy():
    """default() returns the value when present and only evaluates the fallback otherwise."""
    node, _ = value("default(a, 1 / b)")
    assert INTERP.value(node, {"a": 5, "b": 0}) == 5  # the fallback (1/0) is never computed
    assert INTERP.value(node, {"b": 4}) == 0.25
    with pytest.raises(MissingValue) as info:
        INTERP.value(node, {})
    assert info.value.name == "b"
    node, _ = value("default(order.note, 'none')")
    assert INTERP.value(node, {"order": {"note": None}}) == "none"


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("d1 + 3", {"d1": dt.date(2025, 2, 27)}, dt.date(2025, 3, 2)),
        ("3 + d1", {"d1": dt.date(2024, 2, 27)}, dt.date(2024, 3, 1)),
        ("d1 - 1", {"d1": dt.date(2025, 1, 1)}, dt.date(2024, 12, 31)),
        ("d1 - d2", {"d1": dt.date(2025, 3, 1), "d2": dt.date(2025, 2, 1)}, 28),
        ("d2 - d1", {"d1": dt.date(2025, 3, 1), "d2": dt.date(2025, 2, 1)}, -28),
        ("a / b", {"a": 7, "b": 2}, 3.5),
        ("a * 2 - b", {"a": 7, "b": 2}, 12),
        ("-a", {"a": 7}, -7),
        (
            "ts + dur",
            {"ts": dt.datetime(2025, 1, 1, tzinfo=CHINA_TZ), "dur": dt.timedelta(hours=2)},
            dt.datetime(2025, 1, 1, 2, tzinfo=CHINA_TZ),
        ),
        ("[a, b]", {"a": 1, "b": 2}, [1, 2]),
        ("a < b", {"a": 1, "b": 2}, True),
        ("count(tags)", {"tags": ["p", "q"]}, 2),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_interpreter_values(source, facts, expected):
    """Values compute as documented: date ± days, date - date in days, true division."""
    node, _ = value(source)
    result = INTERP.value(node, facts)
    assert result == expected
    assert type(result) is type(expected)


def test_division_by_zero():
    """Division by zero raises ZeroDivisionError (not inf, not a silent missing value)."""
    node, _ = value("a / b")
    with pytest.raises(ZeroDivisionError):
        INTERP.value(node, {"a": 1, "b": 0})
    with pytest.raises(ZeroDivisionError):
        INTERP.value(node, {"a": 1.5, "b": 0.0})


def test_function_gets_context():
    """Non-constant functions are called with the interpreter's EvalContext (its calendar)."""

    class Calendar:
        warnings: list[str] = []  # noqa: RUF012

        def add_days(self, day, count):
            return day + dt.timedelta(days=count * 10)  # distinguishable from plain addition

    interp = Interpreter(FUNCTIONS, EvalContext(calendar=Calendar()))
    node, _ = value("add_days(d1, 2)")
    assert interp.value(node, {"d1": dt.date(2025, 1, 1)}) == dt.date(2025, 1, 21)


def test_lookup():
    """lookup() reads flat and nested dotted paths; None and absent both read as MISSING."""
    facts = {"a": 1, "n": None, "order": {"amount": 5, "x": None}, "flat.key": 2, "s": "str"}
    assert lookup(facts, "a") == 1
    assert lookup(facts, "order.amount") == 5
    assert lookup(facts, "flat.key") == 2
    assert lookup(facts, "n") is MISSING
    assert lookup(facts, "zz") is MISSING
    assert lookup(facts, "order.x") is MISSING
    assert lookup(facts, "order.y") is MISSING
    assert lookup(facts, "s.len") is MISSING
    assert lookup({"a": 0}, "a") == 0
    assert lookup({"a": False}, "a") is False


# --- to_engine ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_in", "expected"),
    [
        (dt.date(2025, 1, 1), 739252),
        (dt.date(1, 1, 1), 1),
        (dt.datetime(1970, 1, 1, tzinfo=dt.UTC), 0),
        (dt.datetime(2025, 1, 1, 8, tzinfo=CHINA_TZ), 1735689600),
        (dt.datetime(2025, 1, 1, 0, 0, 0, 500000, tzinfo=dt.UTC), 1735689600.5),
        (dt.timedelta(hours=2), 7200),
        (dt.timedelta(milliseconds=1500), 1.5),
        (dt.timedelta(days=-1), -86400),
        (True, True),
        (False, False),
        (3, 3),
        (2.5, 2.5),
        ("新疆", "新疆"),
        (None, None),
        ([dt.date(1, 1, 2), 1, None], [2, 1, None]),
        (
            {"a": None, "b": 1, "c": {"d": None, "e": dt.timedelta(seconds=3)}},
            {"b": 1, "c": {"e": 3}},
        ),
    ],
    ids=[
        "date",
        "date-min",
        "epoch",
        "china-time",
        "fractional-seconds",
        "duration",
        "fractional-duration",
        "negative-duration",
        "true",
        "false",
        "int",
        "float",
        "chinese",
        "none",
        "list",
        "dict-drops-none",
    ],
)
def test_to_engine(value_in, expected):
    """Facts become JSON values: dates → ordinals, times → epoch seconds, durations → seconds."""
    result = to_engine(value_in)
    assert result == expected
    assert type(result) is type(expected)


def test_to_engine_same_instant_same_number():
    """The same instant in two time zones converts to the same number."""
    utc = dt.datetime(2025, 6, 1, 4, 30, tzinfo=dt.UTC)
    assert to_engine(utc) == to_engine(utc.astimezone(CHINA_TZ)) == 1748752200


def test_to_engine_naive_datetime_uses_local_time():
    """A naive datetime is read in the process's local zone (datetime.timestamp())."""
    naive = dt.datetime(2025, 1, 1, 12)
    assert to_engine(naive) == naive.timestamp()


@pytest.mark.parametrize(
    "bad", [Decimal("1.5"), {1, 2}, object(), b"x"], ids=["decimal", "set", "object", "bytes"]
)
def test_to_engine_refuses(bad):
    """Values durable_rules cannot take raise TypeError naming the type."""
    with pytest.raises(TypeError, match=type(bad).__name__):
        to_engine(bad)


def test_to_engine_does_not_mutate():
    """to_engine builds new containers; the input is left as it was."""
    facts = {"a": None, "d": dt.date(2025, 1, 1), "l": [dt.date(2025, 1, 1)]}
    before = {"a": None, "d": dt.date(2025, 1, 1), "l": [dt.date(2025, 1, 1)]}
    to_engine(facts)
    assert facts == before


# --- render ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        ("a+1<b  and not f", "a + 1 < b and not f"),
        ("(f or g) and h", "(f or g) and h"),
        ("f and (g or h)", "f and (g or h)"),
        ("a is null", "a == null"),
        ("a is not null", "a != null"),
        ("a not in [1, 2.5, 'x']", 'a not in [1, 2.5, "x"]'),
        ("x == 'say \"hi\" \\\\ ok'", 'x == "say \\"hi\\" \\\\ ok"'),
        ("max(a, -2) >= true", "max(a, -2) >= true"),
        ("省份 == 新疆", "省份 == 新疆"),
        ("not (a < b)", "not a < b"),
        ("a * b + c", "a * b + c"),
    ],
    ids=[
        "spacing",
        "or-in-and",
        "or-in-and-right",
        "is-null",
        "is-not-null",
        "not-in-list",
        "escapes",
        "call-negative-bool",
        "unicode",
        "not-compare",
        "precedence-kept",
    ],
)
def test_render_round_trip(source, rendered):
    """render() writes the expression back; parsing the text gives the same tree."""
    node = parse(source)
    assert render(node) == rendered
    assert shape(parse(render(node))) == shape(node)


def test_render_checked_symbols():
    """After checking, symbols render as bare words and quoted strings stay quoted."""
    assert render(cond("s == x and name != 'x y'")) == 's == x and name != "x y"'


@pytest.mark.parametrize(
    "source",
    [
        "not (f or g)",
        "(a + 1) * 2 > 3",
        "a - (b - c) > 0",
        "-(a + b) < 3",
        "f or (g or h)",
        "a * (b / c) > 1",
        "not (not f and g)",
    ],
    ids=[
        "not-or",
        "sum-times",
        "minus-group",
        "negated-sum",
        "nested-or",
        "product-group",
        "not-and",
    ],
)
def test_render_keeps_grouping(source):
    """render() keeps the parentheses that change meaning (parse(render(x)) has x's shape)."""
    node = parse(source)
    assert shape(parse(render(node))) == shape(node)


@pytest.mark.parametrize(
    "source",
    ['d1 < "2025-01-01"', "dur < hours(2)", 'ts < "2025-01-01T10:00:00"'],
    ids=["date", "duration", "timestamp"],
)
def test_render_checked_literals(source):
    """render() of a checked condition with a date/time literal checks back to the same tree."""
    checked = cond(source)
    assert shape(cond(render(checked))) == shape(checked)
