"""The three-valued reading of needs_info by consequence (compile_tri) is sound: when it
says a condition is certainly true or false whatever the unknown names are, it is —
for every value of those names, missing included, the interpreter agrees.

The same random well-typed conditions and fact sets as the engine property test
(tests/test_compiler_property.py); each unknown name is tried with every value the
fact sets draw from, and absent.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cscore.language.ast import names_in
from cscore.language.checker import check_condition
from cscore.language.functions import EvalContext
from cscore.language.parser import parse
from cscore.rulebook.consequence import compile_tri
from tests.test_compiler_property import (
    _CHOICES,
    FUNCTIONS,
    INTERP,
    PROPERTY,
    SCOPE,
    checked_condition,
    conditions,
)

CTX = EvalContext()
MISSING_VALUE = object()  # the name left out of the facts


def _assignments(names: list[str], rng: random.Random, limit: int = 60) -> list[dict[str, Any]]:
    """Values for the unknown names: every combination when few, else a sample."""
    options = [[*_CHOICES[name], MISSING_VALUE] for name in names]
    every = list(itertools.product(*options))
    if len(every) > limit:
        every = rng.sample(every, limit)
    return [dict(zip(names, combo, strict=True)) for combo in every]


@settings(PROPERTY, max_examples=300)
@given(source=conditions(), seed=st.integers(0, 2**32 - 1))
def test_a_certain_reading_holds_for_every_value_of_the_unknown_names(
    source: str, seed: int
) -> None:
    node = checked_condition(source)
    tri = compile_tri(node, FUNCTIONS)
    rng = random.Random(seed)
    names = sorted({name for name in names_in(node) if name in _CHOICES})
    for _ in range(6):
        facts = {n: rng.choice(_CHOICES[n]) for n in _CHOICES if rng.random() < 0.8}
        unknown = [n for n in names if rng.random() < 0.5]
        known: dict[int, Any] = {}
        reading = tri(frozenset(unknown), facts, known, CTX)
        again = tri(frozenset(unknown), facts, known, CTX)  # the memo changes nothing
        assert again is reading, source
        if reading is None:
            continue
        for values in _assignments(unknown, rng):
            probe = {k: v for k, v in facts.items() if k not in unknown}
            probe.update({k: v for k, v in values.items() if v is not MISSING_VALUE})
            assert INTERP.condition(node, probe) is reading, (source, facts, unknown, probe)


def test_a_reading_decided_by_one_operand_whatever_the_unknown_one_is():
    node = check_condition(parse("a > 1 and (b == 2 or f == true)"), SCOPE)
    tri = compile_tri(node, FUNCTIONS)
    assert tri(frozenset({"b"}), {"a": 0, "f": True}, {}, CTX) is False  # a > 1 fails
    assert tri(frozenset({"b"}), {"a": 5, "f": True}, {}, CTX) is True  # f decides the or
    assert tri(frozenset({"b"}), {"a": 5, "f": False}, {}, CTX) is None  # b decides
