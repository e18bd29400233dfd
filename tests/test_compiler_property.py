"""The compiled durable_rules condition means what the interpreter says it means.

A hypothesis property test generates random well-typed conditions over a small scope,
compiles each once, loads it into the real engine and evaluates it on many fact sets
(each key possibly absent or null); rule "r" firing must equal Interpreter.condition.
Deterministic compiler tests (shapes, rearrangement, limits) follow.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from cscore.default_plugins import calendar_functions, core_functions
from cscore.engine.durable import DurableEngine
from cscore.language.checker import Scope, check_condition
from cscore.language.compiler import MAX_LIST_IN_CONDITION, compile_condition, to_engine
from cscore.language.interpreter import Interpreter
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import BOOL, DATE, INTEGER, NUMBER, enum

FUNCTIONS = {f.name: f for f in [*core_functions.FUNCTIONS, *calendar_functions.FUNCTIONS]}
SCOPE = Scope(
    facts={
        "a": INTEGER,
        "b": INTEGER,
        "c": NUMBER,
        "f": BOOL,
        "s": enum(["x", "y", "z"]),
        "d1": DATE,
        "d2": DATE,
    },
    constants={"K": 2},
    functions=FUNCTIONS,
)
INTERP = Interpreter(FUNCTIONS)
GUARD = {"t": "L0.0"}


def checked_condition(source: str) -> Any:
    """A drawn condition, checked; one the checker refuses is not an example (reject)."""
    try:
        return check_condition(parse(source), SCOPE)
    except ExpressionError:
        reject()


def compile_source(source: str) -> tuple[Any, Any]:
    node = check_condition(parse(source), SCOPE)
    return node, compile_condition(node)


def definition(compiled: Any) -> dict[str, Any]:
    test = GUARD if compiled is True else {"$and": [GUARD, compiled]}
    return {
        "r": {"all": [{"m": test}]},
        "s": {"all": [{"m": GUARD}], "pri": 65000},
    }


@pytest.fixture(scope="module")
def engine():
    eng = DurableEngine()
    yield eng
    eng.close()


def engine_fires(ruleset: Any, facts: dict[str, Any]) -> bool:
    fired: list[str] = []
    ruleset.run([{**GUARD, **to_engine(facts)}], lambda rule: fired.append(rule))
    assert "s" in fired  # the catch-all always fires: the fact reached the engine
    return "r" in fired


# --- generators --------------------------------------------------------------------------

SMALL_INT = st.integers(-3, 5)
# Never 0 (`a * 0 < b + 1` cannot be rearranged). Divisors are powers of two so every value
# the interpreter computes is exact: `a / 3 - a == 2 / 3` may differ from its rearranged
# form in the last bit of a float, which is a property of floats, not of the compiler.
FACTOR = st.sampled_from([2, 3, -2, 4])
DIVISOR = st.sampled_from([2, -2, 4])
DAY = st.integers(1, 8).map(lambda d: f"2025-01-0{d}")
HALVES = st.sampled_from([-1.5, -1.0, 0, 0.5, 1, 1.5, 2.0, 2.5, 3, 4.5])


@st.composite
def num_literal(draw) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"min({draw(SMALL_INT)}, {draw(SMALL_INT)})"
    if kind == 1:
        return "K"  # a constant, inlined by the checker
    if kind == 2:
        return str(draw(HALVES))
    return str(draw(SMALL_INT))


@st.composite
def num_expr(draw, depth: int, need_field: bool) -> str:
    """A numeric expression; with need_field, one the compiler can isolate a field in."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        if need_field or draw(st.booleans()):
            return draw(st.sampled_from(["a", "b", "c", "a", "b", "(d1 - d2)"]))
        return draw(num_literal())
    kind = draw(st.sampled_from(["+", "-", "*", "/", "neg"]))
    if kind in ("+", "-"):
        field_left = draw(st.booleans())
        left = draw(num_expr(depth - 1, need_field and field_left))
        right = draw(num_expr(depth - 1, need_field and not field_left))
        return f"({left} {kind} {right})"
    inner = draw(num_expr(depth - 1, need_field))
    if kind == "neg":
        return f"-({inner})"
    if kind == "/":
        return f"({inner} / {draw(DIVISOR)})"
    factor = draw(FACTOR)
    return f"({inner} * {factor})" if draw(st.booleans()) else f"({factor} * {inner})"


OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


@st.composite
def numeric_test(draw) -> str:
    kind = draw(st.integers(0, 5))
    if kind == 0:  # membership on a single field
        field = draw(st.sampled_from(["a", "b", "c"]))
        items = draw(st.lists(st.one_of(SMALL_INT, HALVES), min_size=1, max_size=3))
        neg = draw(st.sampled_from(["in", "not in"]))
        return f"{field} {neg} [{', '.join(map(str, items))}]"
    if kind == 1:  # a literal on the left: the checker flips it
        return f"{draw(num_literal())} {draw(OPS)} {draw(num_expr(2, True))}"
    left = draw(num_expr(2, True))
    right = draw(num_expr(2, False))
    return f"{left} {draw(OPS)} {right}"


@st.composite
def date_expr(draw, need_field: bool) -> str:
    field = draw(st.sampled_from(["d1", "d2"]))
    kind = draw(st.integers(0, 4))
    if not need_field and kind == 0:
        return f'"{draw(DAY)}"'
    if not need_field and kind == 1:
        return f'date("{draw(DAY)}")'
    if kind == 2:
        return f"({field} + {draw(SMALL_INT)})"
    if kind == 3:
        return f"({field} - {draw(SMALL_INT)})"
    return field


@st.composite
def date_test(draw) -> str:
    kind = draw(st.integers(0, 6))
    if kind == 0:
        days = draw(st.lists(DAY, min_size=1, max_size=3))
        neg = draw(st.sampled_from(["in", "not in"]))
        return f"{draw(st.sampled_from(['d1', 'd2']))} {neg} [{', '.join(map(repr, days))}]"
    if kind == 1:
        return f'"{draw(DAY)}" {draw(OPS)} {draw(date_expr(True))}'
    if kind == 2:  # date - date is a whole number of days
        return f"d1 - d2 {draw(OPS)} {draw(num_expr(1, False))}"
    return f"{draw(date_expr(True))} {draw(OPS)} {draw(date_expr(False))}"


FIELDS = ["a", "b", "c", "f", "s", "d1", "d2"]
SIMPLE_TESTS = st.one_of(
    st.sampled_from(
        [
            "f",
            "f == true",
            "f == false",
            "f != true",
            "f != false",
            "true",
            "false",
            "s == x",
            "s != y",
            "x == s",
            's == "z"',
            "s in [x, y]",
            "s not in [z]",
            "s in [x, y, z]",
        ]
    ),
    st.builds(
        "{} {}".format,
        st.sampled_from(FIELDS),
        st.sampled_from(["is null", "is not null", "== null", "!= null"]),
    ),
)


def leaf() -> st.SearchStrategy[str]:
    return st.one_of(SIMPLE_TESTS, numeric_test(), numeric_test(), date_test())


def conditions() -> st.SearchStrategy[str]:
    return st.recursive(
        leaf(),
        lambda inner: st.one_of(
            inner.map("not ({})".format),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: f"({' and '.join(xs)})"),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: f"({' or '.join(xs)})"),
        ),
        max_leaves=5,
    )


def maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(values, values, values, st.none())


FACT_VALUES = {
    "a": maybe(st.integers(-3, 6)),
    "b": maybe(st.integers(-3, 6)),
    "c": maybe(HALVES),
    "f": maybe(st.booleans()),
    "s": maybe(st.sampled_from(["x", "y", "z"])),
    "d1": maybe(st.integers(1, 8).map(lambda d: dt.date(2025, 1, d))),
    "d2": maybe(st.integers(1, 8).map(lambda d: dt.date(2025, 1, d))),
}
FACT_SETS = st.fixed_dictionaries({}, optional=FACT_VALUES)
_DAYS = [dt.date(2025, 1, d) for d in range(1, 9)]
_CHOICES: dict[str, list[Any]] = {
    "a": list(range(-3, 7)),
    "b": list(range(-3, 7)),
    "c": [-1.5, -1.0, 0, 0.5, 1, 1.5, 2.0, 2.5, 3, 4.5],
    "f": [True, False],
    "s": ["x", "y", "z"],
    "d1": _DAYS,
    "d2": _DAYS,
}


def random_fact_sets(seed: int, count: int) -> list[dict[str, Any]]:
    """Cheap extra fact sets (many more than hypothesis could draw in the time budget)."""
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        facts: dict[str, Any] = {}
        for key, choices in _CHOICES.items():
            roll = rng.random()
            if roll < 0.75:
                facts[key] = rng.choice(choices)
            elif roll < 0.85:
                facts[key] = None
        sets.append(facts)
    return sets


# --- the property ------------------------------------------------------------------------

# The property tests' common settings: the same examples every run (derandomized, no
# example database), no deadline, slow and much-filtered draws allowed.
PROPERTY = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@settings(PROPERTY, max_examples=600)
@given(
    source=conditions(),
    fact_sets=st.lists(FACT_SETS, min_size=5, max_size=10),
    seed=st.integers(0, 2**32 - 1),
)
def test_engine_agrees_with_interpreter(engine, source, fact_sets, seed):
    """durable_rules fires rule "r" exactly when Interpreter.condition says the condition holds."""
    try:
        node, compiled = compile_source(source)
    except ExpressionError:
        reject()
    fact_sets = [{}, *fact_sets, *random_fact_sets(seed, 40)]
    if compiled is False:
        for facts in fact_sets:
            assert INTERP.condition(node, facts) is False, (source, facts)
        return
    ruleset = engine.load("prop", definition(compiled), action_budget=100)
    try:
        for facts in fact_sets:
            expected = INTERP.condition(node, facts)
            got = engine_fires(ruleset, facts)
            assert got == expected, (
                f"{source}\ncompiled: {compiled}\nfacts: {facts}\n"
                f"engine: {got}, interpreter: {expected}"
            )
    finally:
        ruleset.close()


# --- deterministic compiler tests --------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "compiled"),
    [
        ("a == 1", {"a": 1}),
        ("a != 1", {"$or": [{"$neq": {"a": 1}}, {"$nex": {"a": 1}}]}),
        ("a < 1", {"$lt": {"a": 1}}),
        ("not (a < 1)", {"$or": [{"$gte": {"a": 1}}, {"$nex": {"a": 1}}]}),
        ("a is null", {"$nex": {"a": 1}}),
        ("a is not null", {"$ex": {"a": 1}}),
        ("not (a is null)", {"$ex": {"a": 1}}),
        ("f", {"f": True}),
        ("not f", {"$or": [{"$neq": {"f": True}}, {"$nex": {"f": 1}}]}),
        ("s in [x, y]", {"$or": [{"s": "x"}, {"s": "y"}]}),
        ("s in [x]", {"s": "x"}),
        (
            "s not in [x, y]",
            {"$or": [{"$nex": {"s": 1}}, {"$and": [{"$neq": {"s": "x"}}, {"$neq": {"s": "y"}}]}]},
        ),
        ("a == b", {"$and": [{"a": {"$m": "b"}}, {"$ex": {"b": 1}}]}),
        ("3 < a", {"$gt": {"a": 3}}),
        ('d1 < "2025-01-01"', {"$lt": {"d1": 739252}}),
        ("d1 in ['2025-01-01']", {"d1": 739252}),
        (
            "f and (a < 1 or b > 2)",
            {"$and": [{"f": True}, {"$or": [{"$lt": {"a": 1}}, {"$gt": {"b": 2}}]}]},
        ),
        (
            "not (f and a < 1)",
            {
                "$or": [
                    {"$neq": {"f": True}},
                    {"$nex": {"f": 1}},
                    {"$gte": {"a": 1}},
                    {"$nex": {"a": 1}},
                ]
            },
        ),
        ("f and true", {"f": True}),
        ("f or false", {"f": True}),
        ("f or true", True),
        ("f and false", False),
        ("not true", False),
        ("a in []", False),
        ("a < K", {"$lt": {"a": 2}}),
        ("a + 2 < 5", {"$lt": {"a": 3}}),
        ("a * 2 < 7", {"$lt": {"a": 3.5}}),
        ("-a >= 1 - 3", {"$lte": {"a": 2}}),
        ("d1 + 7 >= '2025-01-08'", {"$gte": {"d1": 739252}}),
        ("a not in []", True),
        ("a < min(5, 4)", {"$lt": {"a": 4}}),
    ],
    ids=[
        "eq",
        "neq-or-missing",
        "lt",
        "not-lt",
        "is-null",
        "is-not-null",
        "not-is-null",
        "bare-bool",
        "not-bool",
        "in",
        "in-single",
        "not-in",
        "field-ref-guarded",
        "literal-left-flipped",
        "date-ordinal",
        "date-in",
        "and-or",
        "de-morgan",
        "true-absorbed-in-and",
        "false-absorbed-in-or",
        "true-absorbs-or",
        "false-absorbs-and",
        "not-true",
        "in-empty",
        "constant",
        "constant-sum-folded",
        "constant-quotient-folded",
        "constant-negation-folded",
        "constant-date-folded",
        "not-in-empty",
        "folded-call",
    ],
)
def test_compiled_shape(source, compiled):
    """Conditions compile to the expected durable_rules JSON (missing-value guards included)."""
    assert compile_source(source)[1] == compiled


@pytest.mark.parametrize(
    ("source", "compiled"),
    [
        (
            "a + 2 < b",
            {"$and": [{"$gt": {"b": {"$add": {"$l": {"$m": "a"}, "$r": 2}}}}, {"$ex": {"a": 1}}]},
        ),
        (
            "2 * a >= b - 1",
            {
                "$and": [
                    {
                        "$gte": {
                            "a": {
                                "$div": {
                                    "$l": {
                                        "$mul": {
                                            "$l": 1.0,
                                            "$r": {"$sub": {"$l": {"$m": "b"}, "$r": 1}},
                                        }
                                    },
                                    "$r": 2,
                                }
                            }
                        }
                    },
                    {"$ex": {"b": 1}},
                ]
            },
        ),
        (
            "10 - a > b",
            {"$and": [{"$lt": {"b": {"$sub": {"$l": 10, "$r": {"$m": "a"}}}}}, {"$ex": {"a": 1}}]},
        ),
        (
            "a - b > 0",
            {"$and": [{"$gt": {"a": {"$add": {"$l": 0, "$r": {"$m": "b"}}}}}, {"$ex": {"b": 1}}]},
        ),
        (
            "-a < b + 1",
            {
                "$and": [
                    {
                        "$gt": {
                            "a": {"$mul": {"$l": -1, "$r": {"$add": {"$l": {"$m": "b"}, "$r": 1}}}}
                        }
                    },
                    {"$ex": {"b": 1}},
                ]
            },
        ),
        (
            "a * -2 <= b",
            {"$and": [{"$gte": {"b": {"$mul": {"$l": {"$m": "a"}, "$r": -2}}}}, {"$ex": {"a": 1}}]},
        ),
        (
            "a * -2 <= b + 1",
            {
                "$and": [
                    {
                        "$gte": {
                            "a": {
                                "$div": {
                                    "$l": {
                                        "$mul": {
                                            "$l": 1.0,
                                            "$r": {"$add": {"$l": {"$m": "b"}, "$r": 1}},
                                        }
                                    },
                                    "$r": -2,
                                }
                            }
                        }
                    },
                    {"$ex": {"b": 1}},
                ]
            },
        ),
        (
            "c / 4 < a - 1",
            {
                "$and": [
                    {
                        "$lt": {
                            "c": {"$mul": {"$l": {"$sub": {"$l": {"$m": "a"}, "$r": 1}}, "$r": 4}}
                        }
                    },
                    {"$ex": {"a": 1}},
                ]
            },
        ),
        (
            "a + b < c",
            {
                "$and": [
                    {"$gt": {"c": {"$add": {"$l": {"$m": "a"}, "$r": {"$m": "b"}}}}},
                    {"$ex": {"a": 1}},
                    {"$ex": {"b": 1}},
                ]
            },
        ),
    ],
    ids=[
        "a+2<b",
        "2a>=b-1",
        "10-a>b",
        "a-b>0",
        "unary-minus",
        "field-right-swapped",
        "negative-factor",
        "div",
        "two-fields-guarded",
    ],
)
def test_rearranged(source, compiled):
    """Comparisons are rearranged so one field stands on the left; `/` never truncates."""
    assert compile_source(source)[1] == compiled


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("a + 2 < b", {"a": 1, "b": 4}, True),
        ("a + 2 < b", {"a": 2, "b": 4}, False),
        ("2 * a >= b - 1", {"a": 1, "b": 3}, True),
        ("2 * a >= b - 1", {"a": 1, "b": 4}, False),
        ("10 - a > b", {"a": 3, "b": 6}, True),
        ("10 - a > b", {"a": 4, "b": 6}, False),
        ("a - b > 0", {"a": 3, "b": 2}, True),
        ("a - b > 0", {"a": 2, "b": 2}, False),
        ("a / 2 > b", {"a": 3, "b": 1}, True),  # 1.5 > 1: integer division would say 1 > 1
        ("b < a / 2", {"a": 3, "b": 1}, True),
        ("a * 3 == b", {"a": 1, "b": 3}, True),
        ("d1 + 3 <= d2", {"d1": dt.date(2025, 1, 29), "d2": dt.date(2025, 2, 1)}, True),
        ("d1 - d2 >= 28", {"d1": dt.date(2025, 3, 1), "d2": dt.date(2025, 2, 1)}, True),
        ("d1 - d2 > 28", {"d1": dt.date(2025, 3, 1), "d2": dt.date(2025, 2, 1)}, False),
        ("a != b", {"a": 1}, True),
        ("not (a < b)", {"b": 1}, True),
        ("a < b", {"b": 1}, False),
        ("c == 1", {"c": 1.0}, True),
        ("c in [1, 2]", {"c": 2.0}, True),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_rearranged_in_engine(engine, source, facts, expected):
    """Rearranged and guarded conditions evaluate in durable_rules as the language says."""
    node, compiled = compile_source(source)
    assert INTERP.condition(node, facts) is expected
    ruleset = engine.load("shape", definition(compiled), action_budget=10)
    try:
        assert engine_fires(ruleset, facts) is expected
    finally:
        ruleset.close()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a / b >= 1", "one side of a comparison must be a single fact or value"),
        ("a * b < 3", "one side of a comparison must be a single fact or value"),
        ("a * 0 < b + 1", "one side of a comparison must be a single fact or value"),
        ("a + 1 in [1, 2]", "the left side of 'in' must be a fact or value"),
        ("a in [b, 1]", "'in' needs a list of constants in a condition"),
        ("a < 1 / 0", "cannot compute this constant: division by zero"),
    ],
    ids=[
        "div-by-field",
        "product-of-fields",
        "times-zero",
        "in-on-expression",
        "in-with-fact",
        "constant-div-zero",
    ],
)
def test_not_compilable(source, message):
    """Conditions durable_rules cannot express are an ExpressionError at compile time."""
    node = check_condition(parse(source), SCOPE)
    with pytest.raises(ExpressionError) as info:
        compile_condition(node)
    assert info.value.message.startswith(message)


def test_list_cap():
    """A list in a condition holds at most MAX_LIST_IN_CONDITION values."""
    at_limit = ", ".join(str(i) for i in range(MAX_LIST_IN_CONDITION))
    compiled = compile_source(f"a in [{at_limit}]")[1]
    assert len(compiled["$or"]) == MAX_LIST_IN_CONDITION
    over = ", ".join(str(i) for i in range(MAX_LIST_IN_CONDITION + 1))
    for op in ("in", "not in"):
        with pytest.raises(ExpressionError) as info:
            compile_source(f"a {op} [{over}]")
        assert info.value.message == (
            f"a list in a condition may hold at most {MAX_LIST_IN_CONDITION} values "
            f"(this one has {MAX_LIST_IN_CONDITION + 1}); use a decision table instead"
        )
        assert info.value.pos == len(f"a {op} ")


def test_list_at_cap_runs_in_engine(engine):
    """A list of MAX_LIST_IN_CONDITION values loads and evaluates (no C-core hang)."""
    values = ", ".join(str(i) for i in range(MAX_LIST_IN_CONDITION))
    _, compiled = compile_source(f"a in [{values}]")
    ruleset = engine.load("cap", definition(compiled), action_budget=10)
    try:
        assert engine_fires(ruleset, {"a": MAX_LIST_IN_CONDITION - 1}) is True
        assert engine_fires(ruleset, {"a": MAX_LIST_IN_CONDITION}) is False
        assert engine_fires(ruleset, {}) is False
    finally:
        ruleset.close()


@pytest.mark.parametrize("source", ["a not in []", "not (a in [])"], ids=["not-in", "not-of-in"])
def test_not_in_empty_list(engine, source):
    """`a not in []` holds for every case, present or missing, as in the interpreter."""
    node, compiled = compile_source(source)
    facts = {"a": 1}
    assert INTERP.condition(node, facts) is True
    if compiled is not True:
        ruleset = engine.load("empty", definition(compiled), action_budget=10)
        try:
            assert engine_fires(ruleset, facts) is True
        finally:
            ruleset.close()


@pytest.mark.parametrize(
    ("source", "facts"),
    [
        ("a + 2 < 5", {"a": 2}),
        ("a + 2 == 5", {"a": 3}),
        ("a + 2 != 5", {"a": 4}),
        ("-a < 3", {"a": 0}),
        ("a * 2 >= 6", {"a": 3}),
        ("a / 2 > 1", {"a": 3}),
        ("c == 1 + 0.5", {"c": 1.5}),
        ("d1 + 7 >= '2025-01-08'", {"d1": dt.date(2025, 1, 2)}),
    ],
    ids=["sum-lt", "sum-eq", "sum-neq", "negated", "product", "quotient", "literal-sum", "date"],
)
def test_constant_arithmetic_in_engine(engine, source, facts):
    """A field compared with constant arithmetic matches in durable_rules when it holds."""
    node, compiled = compile_source(source)
    assert INTERP.condition(node, facts) is True
    ruleset = engine.load("const", definition(compiled), action_budget=10)
    try:
        assert engine_fires(ruleset, facts) is True
    finally:
        ruleset.close()
