"""Conditions with function calls, list operations and ``if … then … else`` mean in the
engine what the interpreter says they mean.

The assembler hoists those parts into synthetic values of an earlier layer
(rulebook/hoist.py); the rule that reads them still matches in durable_rules. A
hypothesis property test generates such conditions, assembles a one-rule rule set
through the real assembler, runs it through the engine adapter (durable_rules) on many
random fact sets, and compares "the rule fired" with Interpreter.condition on the
original, un-hoisted condition.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from cscore.calendar import WorkCalendar
from cscore.default_plugins import calendar_functions, core_functions
from cscore.engine.durable import DurableEngine
from cscore.errors import RuleLoadError
from cscore.language.checker import Scope, check_condition
from cscore.language.functions import EvalContext
from cscore.language.interpreter import Interpreter
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import BOOL, DATE, INTEGER, list_of, record
from cscore.rulebook.assemble import RulesetSources, assemble
from cscore.rulebook.compiled import CompiledRuleset
from cscore.rulebook.hoist import HOISTED_PREFIX
from cscore.rulebook.model import ConstantSpec, KeySpec, RuleFile, RuleSpec, SetSpec, Where
from cscore.rulebook.run import Evaluation
from tests.test_compiler_property import PROPERTY

FUNCTIONS = {
    f.name: f
    for f in [
        *core_functions.FUNCTIONS,
        *calendar_functions.FUNCTIONS,
        *calendar_functions.MONTH_FUNCTIONS,
    ]
}
FACT_TYPES = {
    "a": INTEGER,
    "b": INTEGER,
    "f": BOOL,
    "d1": DATE,
    "d2": DATE,
    "claims": list_of(record({"n": INTEGER, "ok": BOOL})),
}
SCOPE = Scope(facts=FACT_TYPES, constants={"K": 2}, functions=FUNCTIONS)
WHERE = Where("t/k.yaml", 1)


def ruleset_for(condition: str) -> CompiledRuleset:
    """One rule `R` (sets hit: true when the condition holds), assembled as a file would be."""
    rule = RuleSpec(
        id="R",
        name="r",
        where=WHERE,
        when=condition,
        when_where=WHERE,
        sets=(SetSpec("hit", True, WHERE),),
    )
    file = RuleFile(
        path="t/k.yaml",
        file=Path("t/k.yaml"),
        sha256="0",
        keys={"hit": KeySpec("hit", "priority", WHERE, True)},
        constants={"K": ConstantSpec("K", 2, WHERE)},
        rules=(rule,),
    )
    sources = RulesetSources(key="t.k", industry="t", kind="k", own=[file], shared=[])
    return assemble(sources, FACT_TYPES, FUNCTIONS)


@pytest.fixture(scope="module")
def engine():
    eng = DurableEngine()
    yield eng
    eng.close()


def engine_fires(
    engine_ruleset: Any, compiled: CompiledRuleset, facts: dict[str, Any], idle: bool
) -> bool:
    """Whether the rule fired; ``idle``: the ruleset was loaded without settle rules and
    settles each layer when the engine is idle, else by the settle rules' actions."""
    evaluation = Evaluation(compiled, facts, EvalContext(calendar=WorkCalendar()))
    evaluation.run_in(engine_ruleset, settles_when_idle=idle)
    return evaluation.result().outcome.get("hit") is True


def interpreter_says(condition: str, facts: dict[str, Any]) -> bool:
    node = check_condition(parse(condition), SCOPE, computed=True)
    return Interpreter(FUNCTIONS, EvalContext(calendar=WorkCalendar())).condition(node, facts)


# --- generators --------------------------------------------------------------------------

NUMBER_PARTS = [
    "count(claims where n > K)",
    "count(claims where ok)",
    "sum(claims where ok, n)",
    "sum(claims, n * 2)",
    "max(claims, n)",
    "min(claims where n >= a, n)",
    "first(claims where ok, n)",
    "(if f then a else b)",
    "(if a > b then 1 else 2)",
    "(if claims is null then 0 else count(claims))",
    "max(a, b)",
    "min(a, 3)",
    "abs(a)",
    "default(a, 0)",
    "days_between(d1, d2)",
    "months_between(d1, d2)",
    "days_in_month(d1)",
]
BOOL_PARTS = [
    "any(claims where ok)",
    "any(claims where n == a)",
    "all(claims where n < b)",
    "all(claims where ok and n > 0)",
    "(if f then a > 1 else b > 1)",
    "is_working_day(d1)",
    "add_days(d1, 3) > d2",
    "month_end(d1) == d2",
    "add_months(d1, 1) <= d2",
    "latest(d1, d2) == d1",
]
OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
PLAIN = st.sampled_from(["a", "b", "1", "0", "K", "-1", "a + 1", "3"])


@st.composite
def leaf(draw: Any) -> str:
    kind = draw(st.integers(0, 5))
    if kind <= 2:
        left = draw(st.sampled_from(NUMBER_PARTS))
        right = draw(st.one_of(PLAIN, st.sampled_from(NUMBER_PARTS)))
        if draw(st.booleans()):
            left, right = right, left
        return f"{left} {draw(OPS)} {right}"
    if kind == 3:
        return draw(st.sampled_from(["f", "a > 1", "b is null", "claims is null", "d1 < d2"]))
    part = draw(st.sampled_from(BOOL_PARTS))
    return part if draw(st.booleans()) else f"{part} == {draw(st.sampled_from(['true', 'false']))}"


def conditions() -> st.SearchStrategy[str]:
    return st.recursive(
        leaf(),
        lambda inner: st.one_of(
            inner.map("not ({})".format),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: f"({' and '.join(xs)})"),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: f"({' or '.join(xs)})"),
        ),
        max_leaves=4,
    )


_DAYS = [dt.date(2026, 1, 30), dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 2)]


def random_facts(rng: random.Random) -> dict[str, Any]:
    """A case where every fact (and every field of each claim) may be missing."""
    choices: dict[str, list[Any]] = {
        "a": list(range(-2, 5)),
        "b": list(range(-2, 5)),
        "f": [True, False],
        "d1": _DAYS,
        "d2": _DAYS,
    }
    facts: dict[str, Any] = {}
    for key, values in choices.items():
        if rng.random() < 0.8:
            facts[key] = rng.choice(values)
    if rng.random() < 0.85:
        claims = []
        for _ in range(rng.randint(0, 3)):
            claim: dict[str, Any] = {}
            if rng.random() < 0.85:
                claim["n"] = rng.randint(-1, 4)
            if rng.random() < 0.85:
                claim["ok"] = rng.random() < 0.5
            claims.append(claim)
        facts["claims"] = claims
    return facts


# --- the property ------------------------------------------------------------------------


@settings(PROPERTY, max_examples=150)
@given(source=conditions(), seed=st.integers(0, 2**32 - 1))
def test_hoisted_conditions_agree_with_interpreter(engine, source, seed):
    """The engine fires the rule exactly when the interpreter says its condition holds."""
    try:
        compiled = ruleset_for(source)
    except RuleLoadError:
        reject()  # e.g. `a + 1 == max(a, b)`, which no engine test can isolate a field in
    loaded = engine.load("hoist", compiled.definition_for(True), action_budget=200)
    settling = engine.load("hoist-s", compiled.definition_for(False), action_budget=200)
    rng = random.Random(seed)
    try:
        for n, facts in enumerate([{}, *(random_facts(rng) for _ in range(25))]):
            expected = interpreter_says(source, facts)
            # both ways of settling a layer: when idle, and by settle rules
            got = engine_fires(loaded, compiled, facts, True)
            assert got == expected, (
                f"{source}\nfacts: {facts}\nengine {got}, interpreter {expected}"
            )
            if n % 3 == 0:
                assert engine_fires(settling, compiled, facts, False) == expected, source
    finally:
        loaded.close()
        settling.close()


# --- deterministic checks ----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "count(claims where n > K) >= 2",
        "any(claims where ok) and not all(claims where n < b)",
        "(if f then a else b) > 1",
        "max(a, b) == 3 or days_between(d1, d2) < 0",
        "add_months(d1, 1) <= d2",
    ],
)
def test_each_kind_of_part_is_hoisted_and_loads(source):
    """Each kind of part becomes a synthetic value of an earlier layer (never refused)."""
    compiled = ruleset_for(source)
    rule = next(r for r in compiled.rules if r.id == "R")
    hoisted = [r for r in compiled.rules if r.id.startswith(HOISTED_PREFIX)]
    assert hoisted and all(h.layer < rule.layer for h in hoisted)
    assert all(compiled.keys[h.id].hit == "unique" for h in hoisted)
    assert rule.reads >= {h.id for h in hoisted}


def test_the_same_part_twice_is_one_value():
    compiled = ruleset_for("count(claims where ok) > 1 or count(claims where ok) == 0")
    assert [r.id for r in compiled.rules if r.id.startswith(HOISTED_PREFIX)] == ["__hoisted_1"]


def test_constant_calls_are_folded_not_hoisted():
    """`min(5, K)` is known when the file loads: the condition stays a single engine test."""
    compiled = ruleset_for("a < min(5, K)")
    assert [r.id for r in compiled.rules] == ["R"]


def test_a_missing_list_leaves_the_value_unset_and_the_comparison_false(engine):
    """`count(claims …) == 0` is false when the case has no claims at all, as in a value."""
    source = "count(claims where ok) == 0"
    compiled = ruleset_for(source)
    loaded = engine.load("missing", compiled.definition_for(True), action_budget=50)
    try:
        assert engine_fires(loaded, compiled, {}, True) is False
        assert engine_fires(loaded, compiled, {"claims": []}, True) is True
        assert engine_fires(loaded, compiled, {"claims": [{"ok": True}]}, True) is False
    finally:
        loaded.close()
    assert interpreter_says(source, {}) is False


def test_the_checker_alone_still_refuses_calls_in_conditions():
    """Without hoisting (the checker called directly) a call in a condition is an error."""
    with pytest.raises(ExpressionError, match="cannot be used in a condition"):
        check_condition(parse("(if f then a else b) > 1"), SCOPE)
