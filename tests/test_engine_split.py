"""A rule set of more rules than one durable_rules ruleset holds (4,096) is spread over
several and driven as one: every rule condition is still matched by durable_rules, a
layer's settle action runs only after every rule action of that layer in every part,
and sessions are kept, or deleted after a failure, part by part."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import cscore.engine.durable as durable
from cscore.engine.durable import MAX_RULES, DurableEngine, SplitRuleset
from cscore.engine.parts import routes, rule_tag, split
from cscore.errors import EngineError
from cscore.kernel import Kernel
from cscore.rulebook.cases import load_cases
from cscore.rulebook.compiled import SETTLE_PRIORITY as SETTLE

from .conftest import PUBLIC_CASES, RULES
from .test_engine_sessions import Counting

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import growth


def layered(per_layer: list[int], chunk: int = 50) -> dict[str, Any]:
    """Rules in the kernel's shape: rule ``L<layer>r<i>`` matches the fact tagged
    ``L<layer>.<i // chunk>`` when its ``n`` is more than ``i``; ``s<layer>`` settles."""
    definition: dict[str, Any] = {}
    for layer, count in enumerate(per_layer):
        for i in range(count):
            test = [{"t": f"L{layer}.{i // chunk}"}, {"$gt": {"n": i}}]
            definition[f"L{layer}r{i}"] = {"all": [{"m": {"$and": test}}], "pri": 1}
        definition[f"s{layer}"] = {"all": [{"m": {"t": f"L{layer}.0"}}], "pri": SETTLE}
    return definition


def evaluate(ruleset: Any, per_layer: list[int], n: int, chunk: int = 50) -> list[str]:
    """One evaluation by the layer protocol: the settle action of a layer asserts the
    next layer's facts (carrying how many rules of the layer fired)."""
    fired: list[str] = []

    def facts(layer: int, value: int) -> list[dict[str, Any]]:
        chunks = -(-per_layer[layer] // chunk)
        return [{"t": f"L{layer}.{c}", "n": value} for c in range(chunks)]

    def on_action(rule: str) -> list[dict[str, Any]] | None:
        fired.append(rule)
        if rule.startswith("s") and int(rule[1:]) + 1 < len(per_layer):
            layer = int(rule[1:])
            so_far = sum(1 for name in fired if name.startswith(f"L{layer}r"))
            return facts(layer + 1, so_far)
        return None

    ruleset.run(facts(0, n), on_action)
    return fired


def expected(per_layer: list[int], n: int) -> list[list[str]]:
    """Per layer, the rules that fire (as sets, in order) and then its settle action."""
    out, value = [], n
    for layer, count in enumerate(per_layer):
        rules = [f"L{layer}r{i}" for i in range(min(value, count))]
        out.append(rules)
        value = len(rules)
    return out


def check_layers(fired: list[str], per_layer: list[int], n: int) -> None:
    position = 0
    for layer, rules in enumerate(expected(per_layer, n)):
        block = fired[position : position + len(rules)]
        assert sorted(block) == sorted(rules), f"layer {layer}"
        assert fired[position + len(rules)] == f"s{layer}", f"settle of layer {layer}"
        position += len(rules) + 1
    assert position == len(fired)


def test_the_limit_is_what_one_durable_ruleset_refuses() -> None:
    """MAX_RULES is durable's limit: one ruleset of more rules is refused (error 106),
    which is why the adapter splits."""
    engine = DurableEngine(max_rules=10 * MAX_RULES)  # never split: one C ruleset
    with pytest.raises(EngineError, match="error 106"):
        engine.load("too-big", layered([MAX_RULES]), action_budget=10)
    one = engine.load("just-fits", layered([MAX_RULES - 2]), action_budget=10)  # + s0 + prime
    assert not isinstance(one, SplitRuleset)
    engine.close()


def test_a_definition_over_the_limit_is_split_and_decides_layer_by_layer() -> None:
    """4,300 rules in two layers (the real limit): at least two C rulesets, every rule
    of layer 0 that matches fires (tested by durable), then its settle, then layer 1."""
    per_layer = [4_200, 100]
    engine = DurableEngine()
    ruleset = engine.load("big", layered(per_layer), action_budget=20_000)
    assert isinstance(ruleset, SplitRuleset) and ruleset.parts == 2
    for n in (0, 7, 60, 4_150, 4_199, 5_000):
        check_layers(evaluate(ruleset, per_layer, n), per_layer, n)
    engine.close()


@pytest.mark.parametrize("limit", [6, 13, 57])
def test_a_forced_split_decides_like_one_ruleset(limit: int) -> None:
    """Split at small limits (many parts, tags in several parts when they do not fit)
    the actions are the same as unsplit, in the same layer order."""
    per_layer = [40, 25, 9]
    whole = DurableEngine().load("whole", layered(per_layer, chunk=8), action_budget=500)
    parts = DurableEngine(max_rules=limit).load(
        "parts", layered(per_layer, chunk=8), action_budget=500
    )
    assert isinstance(parts, SplitRuleset) and parts.parts > 1
    for n in range(0, 45, 3):
        got = evaluate(parts, per_layer, n, chunk=8)
        check_layers(got, per_layer, n)
        assert sorted(got) == sorted(evaluate(whole, per_layer, n, chunk=8))


def test_parts_hold_whole_tags_and_facts_go_only_where_they_are_tested() -> None:
    definition = layered([30, 12], chunk=10)
    definition["odd"] = {"all": [{"m": {"$gt": {"n": 3}}}]}  # no tag: sees every fact
    parts = split(definition, 12)
    assert all(len(part.rules) <= 12 for part in parts)
    assert sorted(name for part in parts for name in part.rules) == sorted(definition)
    for tag in {rule_tag(rule) for rule in definition.values()} - {None}:
        assert sum(tag in part.tags for part in parts) == 1  # 10 or 11 rules: one part
    by_tag, elsewhere = routes(parts)
    odd = next(i for i, part in enumerate(parts) if "odd" in part.rules)
    assert elsewhere == (odd,)
    assert all(odd in targets for targets in by_tag.values())
    with pytest.raises(ValueError):
        split(definition, 0)


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Counting:
    spy = Counting(durable._core)
    monkeypatch.setattr(durable, "_core", spy)
    return spy


def test_a_split_set_keeps_its_sessions_and_retracts_each_case(core: Counting) -> None:
    per_layer = [30, 10]
    ruleset = DurableEngine(max_rules=8).load("kept", layered(per_layer, 5), action_budget=500)
    for n in list(range(35)) * 3:  # case after case: none sees an earlier case's facts
        check_layers(evaluate(ruleset, per_layer, n, chunk=5), per_layer, n)
    assert core.deleted == 0
    assert core.retracted >= 105


def test_a_failed_evaluation_in_a_split_set_deletes_its_sessions(core: Counting) -> None:
    per_layer = [30, 10]
    ruleset = DurableEngine(max_rules=8).load("fails", layered(per_layer, 5), action_budget=500)
    assert isinstance(ruleset, SplitRuleset)
    check_layers(evaluate(ruleset, per_layer, 20, chunk=5), per_layer, 20)

    def boom(rule: str) -> None:
        if rule == "L0r17":
            raise ValueError("the rule's action failed")

    with pytest.raises(ValueError, match="action failed"):
        ruleset.run([{"t": f"L0.{c}", "n": 30} for c in range(6)], boom)
    assert core.deleted == ruleset.parts  # every part's session, one in flight
    for n in (3, 29, 12):  # the failed case left nothing behind
        check_layers(evaluate(ruleset, per_layer, n, chunk=5), per_layer, n)
    again = layered([30], 5)
    counter = itertools.count()
    looping = DurableEngine(max_rules=8).load("loops", again, action_budget=40)
    with pytest.raises(EngineError, match="more than 40 rule actions"):
        looping.run(
            [{"t": "L0.0", "n": 3}],
            lambda rule: [{"t": "L0.0", "n": 3, "k": next(counter)}] if rule == "s0" else None,
        )
    ruleset.close()
    with pytest.raises(RuntimeError):
        evaluate(ruleset, per_layer, 3, chunk=5)


# -- through the kernel ---------------------------------------------------------------


def _every_case() -> list[dict[str, Any]]:
    cases = json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))
    for path in sorted(RULES.glob("*/*.cases.yaml")):
        cases.extend(case.envelope() for case in load_cases(path))
    return cases


def _clock() -> dt.datetime:
    return dt.datetime(2026, 6, 15, 10, 0)


def _decide(kernel: Kernel, case: dict[str, Any]) -> Any:
    try:
        return kernel.evaluate(case).model_dump(mode="json")
    except Exception as exc:  # the same error both ways counts as the same answer
        return f"{type(exc).__name__}: {exc}"


def test_every_rule_and_public_case_decides_the_same_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The project's own rule sets split at 12 rules per engine ruleset: every rule case
    and public case gets exactly the decision (outcomes, trace, warnings) it gets
    unsplit."""
    whole = Kernel(clock=_clock)
    monkeypatch.setattr(durable, "MAX_RULES", 12)
    split_kernel = Kernel(clock=_clock)
    try:
        library = split_kernel.library
        engines = [library.get(*key).engine for key in library.compiled()]
        assert sum(isinstance(engine, SplitRuleset) for engine in engines) >= 10
        cases = _every_case()
        assert len(cases) > 200
        for case in cases:
            assert _decide(split_kernel, case) == _decide(whole, case), case.get("id")
    finally:
        whole.close()
        split_kernel.close()


def test_a_kernel_loads_and_decides_a_rule_set_of_4200_rules(tmp_path: Path) -> None:
    size = 4_200
    kernel = Kernel(rules_dir=growth.write_rules(tmp_path / "rules", size))
    days = growth.windows(size - 1)  # rule GEN-i's window
    try:
        live = kernel.library.get("ecommerce", "return")
        assert len(live.compiled.rules) == size
        assert isinstance(live.engine, SplitRuleset) and live.engine.parts == 2
        for i in (0, 1, 2_047, 4_094, 4_095, size - 2):
            for offset in (0, days[i], days[i] + 1):
                facts = {
                    "request_type": "no_reason_return",
                    "product_category": growth.category(i),
                    "delivered_date": "2026-03-02",
                    "request_date": str(dt.date(2026, 3, 2) + dt.timedelta(days=offset)),
                }
                case = {"id": "G", "industry": "ecommerce", "kind": "return", "facts": facts}
                outcome = kernel.evaluate(case).outcomes["return"]
                inside = offset <= days[i]
                assert outcome["decision"] == ("return" if inside else "reject"), (i, offset)
    finally:
        kernel.close()
