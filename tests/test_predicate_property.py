"""The closure-compiled condition (compile_predicate) means what the interpreter says.

The same random well-typed conditions and fact sets as the engine property test
(tests/test_compiler_property.py): a condition Python reads on every case (``if …
then …`` in a value, the three-valued reading of needs_info by consequence) must agree
with :meth:`Interpreter.condition`, missing and null values included.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscore.language.checker import check_condition, check_value
from cscore.language.functions import EvalContext
from cscore.language.interpreter import compile_predicate, compile_value
from cscore.language.parser import parse
from tests.test_compiler_property import (
    FACT_SETS,
    FUNCTIONS,
    INTERP,
    PROPERTY,
    SCOPE,
    checked_condition,
    conditions,
    random_fact_sets,
)

CTX = EvalContext()


@settings(PROPERTY, max_examples=400)
@given(
    source=conditions(),
    fact_sets=st.lists(FACT_SETS, min_size=5, max_size=10),
    seed=st.integers(0, 2**32 - 1),
)
def test_compiled_predicate_agrees_with_interpreter(
    source: str, fact_sets: list[dict[str, Any]], seed: int
) -> None:
    node = checked_condition(source)
    predicate = compile_predicate(node, FUNCTIONS)
    for facts in [{}, *fact_sets, *random_fact_sets(seed, 40)]:
        expected = INTERP.condition(node, facts)
        assert predicate(facts, CTX) is expected, (source, facts)


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("if a > 1 then b else 0", {"a": 2, "b": 5}, 5),
        ("if a > 1 then b else 0", {"a": 1, "b": 5}, 0),
        ("if a > 1 then b else 0", {"b": 5}, 0),  # a missing test is false: `else`
        ("if a != 1 then 1 else 2", {}, 1),  # != of a missing value holds
        ("if a is null then 7 else a", {}, 7),
    ],
)
def test_if_then_else_reads_its_test_compiled(
    source: str, facts: dict[str, Any], expected: int
) -> None:
    node, _type = check_value(parse(source), SCOPE)
    assert compile_value(node, FUNCTIONS)(facts, CTX) == expected
    assert INTERP.value(node, facts) == expected


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        # two names: either one missing makes the comparison false, as in the engine
        ("a > b", {"a": 2, "b": 1}, True),
        ("a > b", {"a": 2}, False),
        ("a > b", {"b": 1}, False),
        ("a > b", {"a": 2, "b": None}, False),
        ("a != b", {"a": 2}, True),
        # a name against a constant (a list built once)
        ("s in [x, y]", {"s": "y"}, True),
        ("s in [x, y]", {"s": "z"}, False),
        ("s in [x, y]", {}, False),
        ("s not in [x, y]", {}, True),
        ("a == 3", {"a": None}, False),
        ("a is null", {"a": None}, True),
        ("a is null", {"a": 0}, False),
    ],
)
def test_comparisons_of_plain_names_read_missing_values_without_raising(
    source: str, facts: dict[str, Any], expected: bool
) -> None:
    node = check_condition(parse(source), SCOPE)
    assert compile_predicate(node, FUNCTIONS)(facts, CTX) is expected
    assert INTERP.condition(node, facts) is expected
