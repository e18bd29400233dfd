"""Fuzzing the boundary in the suite (bounded): every mutated case gets a decision or a
CaseError, every mutated rule file a rule-file error or a kernel that keeps that
contract. The long run is ``python benchmarks/fuzz.py`` (docs/limits.md);
``CSCORE_FUZZ_EXAMPLES`` raises the number of examples here."""

from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cscore.testing.fuzz import (
    base_cases,
    check_case,
    check_rules,
    mutate_case,
    mutate_rule_text,
)
from tests.conftest import RULES

EXAMPLES = int(os.environ.get("CSCORE_FUZZ_EXAMPLES", "200"))
CASES = base_cases(RULES)
RULE_FILES = sorted(
    str(p.relative_to(RULES))
    for p in RULES.glob("*/*")
    if p.suffix in (".yaml", ".csv") and ".cases." not in p.name
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=50)
    | st.dates().map(str)
    | st.datetimes().map(str),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@settings(max_examples=EXAMPLES, deadline=1000, suppress_health_check=SLOW)
@given(rng=st.randoms(use_true_random=False), base=st.sampled_from(CASES))
def test_mutated_cases_keep_the_contract(kernel, rng: random.Random, base: dict) -> None:
    assert check_case(kernel, mutate_case(rng, base)) is None


@settings(max_examples=EXAMPLES, deadline=1000, suppress_health_check=SLOW)
@given(base=st.sampled_from(CASES), data=st.data())
def test_any_json_value_for_any_fact_keeps_the_contract(kernel, base: dict, data) -> None:
    case = {**base, "facts": dict(base["facts"])}
    key = data.draw(st.sampled_from(sorted(case["facts"]) or ["note"]))
    case["facts"][key] = data.draw(JSON)
    assert check_case(kernel, case) is None


@settings(max_examples=max(10, EXAMPLES // 20), deadline=None, suppress_health_check=SLOW)
@given(rng=st.randoms(use_true_random=False), file=st.sampled_from(RULE_FILES))
def test_mutated_rule_files_keep_the_contract(rng: random.Random, file: str) -> None:
    text = mutate_rule_text(rng, (RULES / file).read_text(encoding="utf-8"))
    assert check_rules(RULES, file, text, rng.sample(CASES, 2)) is None
