"""Limits of durable_rules that a valid rule file could reach, and the kernel's answers.

* Too many tests under one engine node freeze the process (the C core spins holding the
  GIL), so every load and evaluation that could hang runs in a child process with a
  timeout: a regression fails here instead of freezing the suite.
* Fields the engine side writes on facts (``t``, ``sid``, ``id``) cannot collide with a
  fact of the same name.
* Derived facts from a plugin are validated against the industry's ``derived_facts``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from cscore import PluginError, hookimpl
from cscore.engine import RESERVED_FIELDS, engine_field
from cscore.engine.durable import PRIME_TYPE
from cscore.industry import IndustrySpec
from cscore.kernel import Kernel
from cscore.language.compiler import MAX_LIST_IN_CONDITION
from cscore.models.facts import Money
from cscore.rulebook import assemble
from cscore.rulebook.fanout import MAX_TESTS_PER_NODE, Network
from cscore_common import CommonFacts

# Loads a one-kind demo industry from a rules folder in a fresh process and evaluates
# the cases given; prints one JSON line: load error, or load time, chunks and outcomes.
KERNEL_CHILD = r"""
import json, sys, time
from pathlib import Path
from cscore import hookimpl
from cscore.errors import CscoreError
from cscore.industry import IndustrySpec
from cscore.kernel import Kernel
from cscore.language.compiler import MAX_LIST_IN_CONDITION
from cscore.models.facts import Text
from cscore_common import CommonFacts

class Facts(CommonFacts):
    x: int | None = None
    category: Text | None = None

class Demo:
    @hookimpl
    def register_industries(self, register):
        register(IndustrySpec("demo", "demo", Facts, ("fee",), Path(sys.argv[1])))

started = time.perf_counter()
try:
    kernel = Kernel(plugins=[Demo()], load_entrypoints=False)
except CscoreError as exc:
    print(json.dumps({"error": str(exc), "seconds": time.perf_counter() - started}))
    sys.exit(0)
seconds = time.perf_counter() - started
chunks = kernel.library.get("demo", "fee").compiled.chunks
outcomes = [kernel.evaluate({"industry": "demo", "facts": facts}).outcomes["fee"]
            for facts in json.loads(sys.argv[2])]
print(json.dumps({"seconds": seconds, "chunks": chunks, "outcomes": outcomes}))
"""

# Loads an engine definition straight into the adapter and asserts one fact.
ENGINE_CHILD = r"""
import json, sys
from cscore.engine.durable import DurableEngine
ruleset = DurableEngine().load("limit", json.loads(sys.argv[1]), action_budget=1000)
fired = []
ruleset.run([json.loads(sys.argv[2])], fired.append)
print(json.dumps(sorted(fired)))
"""


def in_child(script: str, *args: str, timeout: float = 20) -> str | None:
    """The child's stdout, or None if it did not finish within ``timeout`` (a hang)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def run_kernel(rules: Path, cases: list[dict[str, Any]]) -> dict[str, Any]:
    out = in_child(KERNEL_CHILD, str(rules), json.dumps(cases))
    assert out is not None, "the kernel hung (the child process did not finish)"
    return json.loads(out)


def list_rules(tmp_path: Path, lists: list[list[list[Any]]], field: str = "x") -> Path:
    """fee.yaml with one rule per entry of ``lists``; a rule's condition is its lists
    or-ed together (``field in [...] or field in [...]``); it sets amount_due to its
    position."""
    folder = tmp_path / "rules"
    folder.mkdir()
    lines = ["outputs: {amount_due: first}", "rules:"]
    for number, rule_lists in enumerate(lists):
        tests = " or ".join(f"{field} in [{', '.join(map(str, values))}]" for values in rule_lists)
        lines += [f"  - id: R-{number}", f"    when: {tests}", f"    set: {{amount_due: {number}}}"]
    (folder / "fee.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# 1. too many tests under one node ----------------------------------------------------


def test_the_counting_model_matches_durable_at_its_limit():
    """The counter's number is durable's: 511 tests under one shared node run, 512 hang.

    The shape is the hard one for a model: three rules share a `$nex` node and an
    equality node before their lists, so all their values land under one node."""

    def definition(values: int) -> dict[str, Any]:
        per_rule = [range(0, 171), range(171, 341), range(341, values)]
        rules = {}
        for number, span in enumerate(per_rule):
            alternatives = [{"x": value} for value in span]
            shared = [{"t": "L0.0"}, {"$nex": {"z": 1}}, {"y": 1}, {"$or": alternatives}]
            rules[f"r{number}"] = {"all": [{"m": {"$and": shared}}], "pri": 1}
        return rules

    def widest(rules: dict[str, Any]) -> int:
        network = Network(limit=10_000)  # count, never refuse
        for rule in rules.values():
            network.add(rule["all"][0]["m"])
        return network.widest()

    fact = json.dumps({"t": "L0.0", "y": 1, "x": 400})
    assert widest(definition(511)) == 511
    assert in_child(ENGINE_CHILD, json.dumps(definition(511)), fact) == '["r2"]\n'
    assert widest(definition(512)) == 512
    assert in_child(ENGINE_CHILD, json.dumps(definition(512)), fact, timeout=3) is None
    assert MAX_TESTS_PER_NODE * 2 == 512  # the safe limit keeps half of durable's table free


@pytest.mark.parametrize(
    ("rules", "values"),
    [(4, 128), (5, 120)],
    ids=["4 rules x 128 values: hung on the first case", "5 rules x 120 values: hung at load"],
)
def test_long_lists_on_one_field_are_spread_over_chunks(tmp_path, rules, values):
    """The rule sets that froze the process now load in well under a second and decide
    as written: their rules go to separate chunks (engine facts), so no node fills up."""
    lists = [[[rule * values + i for i in range(values)]] for rule in range(rules)]
    last = rules * values - 1
    result = run_kernel(list_rules(tmp_path, lists), [{"x": 0}, {"x": last}, {"x": last + 1}])
    assert "error" not in result
    assert result["seconds"] < 1
    assert result["chunks"][0] > 1
    assert result["outcomes"] == [{"amount_due": 0}, {"amount_due": rules - 1}, {}]


def test_long_category_lists_decide_every_value(tmp_path):
    """Five rules of 120 words each: every word decides by its own rule."""
    lists = [[[f"c{rule}_{i}" for i in range(120)]] for rule in range(5)]
    cases = [{"category": f"c{rule}_{i}"} for rule in range(5) for i in (0, 119)]
    result = run_kernel(list_rules(tmp_path, lists, field="category"), cases)
    assert result["outcomes"] == [{"amount_due": rule} for rule in range(5) for _i in (0, 1)]


@pytest.mark.parametrize(
    ("lists", "tests"),
    [(4, 4 * 128), (5, 5 * 120)],
    ids=["one rule, 4 lists x 128 values", "one rule, 5 lists x 120 values"],
)
def test_a_rule_too_wide_for_the_engine_is_a_one_line_load_error(tmp_path, lists, tests):
    """What no chunking can make safe (one rule's own lists) is refused at load, fast,
    with file:line, the rule and what to do instead."""
    size = tests // lists
    rule_lists = [[i * size + j for j in range(size)] for i in range(lists)]
    result = run_kernel(list_rules(tmp_path, [[[5000]], rule_lists]), [])
    error = result["error"]
    assert result["seconds"] < 1
    assert "\n" not in error
    assert error.startswith("rules/demo/fee.yaml:7: rule R-1: ")
    assert f"puts {tests} tests on 'x' under one engine node" in error
    assert "decision table" in error and "yes/no value" in error


def test_a_condition_within_the_limit_loads(tmp_path):
    """Two lists of 128 on one field in one rule (256 tests) is at the limit, and works."""
    rule_lists = [list(range(128)), list(range(128, 256))]
    result = run_kernel(list_rules(tmp_path, [rule_lists]), [{"x": 255}, {"x": 256}])
    assert result["outcomes"] == [{"amount_due": 0}, {}]


def test_chunking_is_unchanged_without_long_lists():
    """First fit fills chunks of CHUNK rules, as before the counting existed."""
    packing = assemble.Chunks(assemble.CHUNK, reserved_tags=(assemble.PRIME_TAG,))
    placed = [
        packing.place(0, lambda tag, i=i: {"$and": [{"t": tag}, {"x": i}]})[0] for i in range(120)
    ]
    assert placed == [i // assemble.CHUNK for i in range(120)]
    assert packing.per_layer(2) == (3, 1)
    assert assemble.PRIME_TAG == PRIME_TYPE  # the adapter's own tag is counted
    assert MAX_LIST_IN_CONDITION * 2 <= MAX_TESTS_PER_NODE  # two lists fit one rule


# 2. fields the engine side writes ---------------------------------------------------


class ReservedFacts(CommonFacts):
    t: int | None = None
    sid: str | None = None
    id: int | None = None


RESERVED_RULES = """\
outputs: {flags: collect}
values: {late: priority}
rules:
  - id: T-1
    when: t > 60
    set: {flags: overdue, late: true}
  - id: SID-1
    when: sid == "S-1"
    set: {flags: session}
  - id: ID-1
    when: id == 7 and t != null
    set: {flags: identity}
  - id: LATE-1
    when: late == true and t >= 61
    set: {flags: late_checked}
"""


class Reserved:
    def __init__(self, rules_dir: Path) -> None:
        self.rules_dir = rules_dir

    @hookimpl
    def register_industries(self, register):
        register(IndustrySpec("reserved", "保留字", ReservedFacts, ("fee",), self.rules_dir))


def test_engine_fields_are_escaped():
    """Every reserved name (and a path below it) is renamed; other names are not."""
    assert {engine_field(name) for name in RESERVED_FIELDS} == {"@t", "@sid", "@id"}
    assert engine_field("sid.x") == "@sid.x"
    assert engine_field("time") == "time" and engine_field("order.id") == "order.id"


def test_facts_named_t_sid_and_id_behave_as_written(tmp_path):
    """A rule on a fact named like the engine's own fields (the chunk tag `t`, the session
    `sid`, durable's identity `id`) fires only when its condition holds."""
    folder = tmp_path / "reserved"
    folder.mkdir()
    (folder / "fee.yaml").write_text(RESERVED_RULES, encoding="utf-8")
    with Kernel(plugins=[Reserved(folder)], load_entrypoints=False) as kernel:

        def flags(**facts: Any) -> list[str]:
            outcome = kernel.evaluate({"industry": "reserved", "facts": facts}).outcomes["fee"]
            return sorted(outcome.get("flags", []))

        assert flags(t=61, sid="S-1", id=7) == ["identity", "late_checked", "overdue", "session"]
        assert flags(t=60, sid="S-2", id=8) == []
        assert flags() == []
        assert flags(t=10, id=7) == ["identity"]
        decision = kernel.evaluate({"industry": "reserved", "facts": {"t": 99}})
    assert [entry.matched for entry in decision.trace if entry.rule == "T-1"] == [{"t": 99}]


# 3. derived facts from plugins --------------------------------------------------------


class Derived(BaseModel):
    base_fee: Money | None = None


DERIVED_RULES = """\
outputs: {amount_due: first}
rules:
  - id: FEE-1
    when: base_fee > 100
    set: {amount_due: base_fee + base_fee}
"""


class DerivedIndustry:
    def __init__(self, rules_dir: Path, derived: type[BaseModel] | None = Derived) -> None:
        self.rules_dir = rules_dir
        self.derived = derived

    @hookimpl
    def register_industries(self, register):
        register(
            IndustrySpec(
                "derived", "派生", CommonFacts, ("fee",), self.rules_dir, derived_facts=self.derived
            )
        )


class Enricher:
    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result

    @hookimpl
    def enrich_case(self, industry):
        return self.result if industry == "derived" else None


def derived_kernel(tmp_path: Path, result: dict[str, Any], **industry: Any) -> Kernel:
    folder = tmp_path / "derived"
    folder.mkdir(exist_ok=True)
    (folder / "fee.yaml").write_text(
        DERIVED_RULES if "derived" not in industry else "outputs: {amount_due: first}\n",
        encoding="utf-8",
    )
    plugins = [DerivedIndustry(folder, **industry), Enricher(result)]
    return Kernel(plugins=plugins, load_entrypoints=False)


CASE = {"industry": "derived", "facts": {}}


def test_a_well_typed_derived_fact_reaches_the_rules(tmp_path):
    with derived_kernel(tmp_path, {"base_fee": 120}) as kernel:
        assert kernel.evaluate(CASE).outcomes["fee"] == {"amount_due": 240.0}


def test_a_wrong_typed_derived_fact_names_the_plugin_and_the_field(tmp_path):
    """ "120" for a number is the plugin's bug: a PluginError, never "120120"."""
    with derived_kernel(tmp_path, {"base_fee": "120"}) as kernel:
        with pytest.raises(PluginError) as caught:
            kernel.evaluate(CASE)
    message = str(caught.value)
    assert "\n" not in message
    assert "'base_fee'" in message and "Enricher" in message
    assert "Input should be a valid number" in message


def test_an_impossible_derived_value_is_refused(tmp_path):
    """Constraints count too: a negative amount is not Money."""
    with derived_kernel(tmp_path, {"base_fee": -1.0}) as kernel:
        with pytest.raises(PluginError, match=r"'base_fee'.*greater than or equal to 0"):
            kernel.evaluate(CASE)


def test_an_undeclared_derived_fact_names_the_plugin(tmp_path):
    with derived_kernel(tmp_path, {"base_fee": 120, "bonus": 1}) as kernel:
        with pytest.raises(PluginError, match=r"Enricher.*'bonus'.*not declared"):
            kernel.evaluate(CASE)
    with derived_kernel(tmp_path, {"bonus": 1}, derived=None) as kernel:
        with pytest.raises(PluginError, match=r"Enricher.*'bonus'.*declares no derived facts"):
            kernel.evaluate(CASE)
