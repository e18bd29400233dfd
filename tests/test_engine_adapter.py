"""Tests for the durable_rules adapter: every guard of the measured pitfalls (DESIGN.md §5)."""

from __future__ import annotations

import copy
import datetime as dt
import re
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

import cscore.engine.durable as durable
from cscore.engine import RulesetClosed
from cscore.engine.durable import (
    ERROR_NAMES,
    MAX_FACT_FIELDS,
    PRIME_RULE,
    DurableEngine,
    check_fact,
    describe,
)
from cscore.errors import EngineError
from cscore.language.checker import Scope, check_condition
from cscore.language.compiler import compile_condition
from cscore.language.parser import parse
from cscore.language.types import STRING

SIMPLE = {
    "r": {"all": [{"m": {"t": "x"}}]},
}


@pytest.fixture
def engine():
    eng = DurableEngine()
    yield eng
    eng.close()


@pytest.fixture
def simple(engine):
    return engine.load("simple", SIMPLE, action_budget=100)


class CoreSpy:
    """Stands in for the C module and records every fact handed to it."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.asserted: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def assert_fact(self, handle: int, text: str) -> Any:
        self.asserted.append(text)
        return self.real.assert_fact(handle, text)


@pytest.fixture
def core_spy(monkeypatch):
    spy = CoreSpy(durable._core)
    monkeypatch.setattr(durable, "_core", spy)
    return spy


def fire(ruleset: Any, *facts: dict[str, Any]) -> list[str]:
    fired: list[str] = []
    ruleset.run(list(facts), lambda rule: fired.append(rule))
    return fired


def wide_fact(fields: int) -> dict[str, Any]:
    return {"t": "x", **{f"k{i}": i for i in range(fields - 1)}}


# --- facts are checked before they reach C -----------------------------------------------


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        ({"t": "x", "note": None}, r"^fact field 'note' is null; leave it out instead$"),
        ({"t": "x", "order": {"note": None}}, r"^fact field 'order\.note' is null"),
        ({"t": "x", "amount": float("nan")}, r"^fact field 'amount' is nan, not a finite number$"),
        ({"t": "x", "amount": float("inf")}, r"^fact field 'amount' is inf, not a finite number$"),
        ({"t": "x", "amount": -float("inf")}, r"^fact field 'amount' is -inf, not a finite"),
        ({"t": "x", "o": {"p": float("inf")}}, r"^fact field 'o\.p' is inf"),
        ({"t": "x", "tags": [1.0, float("nan")]}, r"^fact field 'tags\.1' is not a finite number"),
        ({"t": "x", "items": [{"a": 1}, {"b": None}]}, r"^fact field 'items\.1\.b' is null"),
        ({"t": "x", "day": dt.date(2025, 1, 1)}, r"^fact field 'day' is a date, not JSON$"),
        ({"t": "x", "s": {1, 2}}, r"^fact field 's' is a set, not JSON$"),
        (wide_fact(253), r"^fact \(root\) has 253 fields; at most 252$"),
        ({"t": "x", "o": wide_fact(300)}, r"^fact o\.? has 300 fields"),
    ],
    ids=[
        "none",
        "nested-none",
        "nan",
        "inf",
        "minus-inf",
        "nested-inf",
        "list-nan",
        "list-object-none",
        "date",
        "set",
        "too-many-fields",
        "nested-too-many",
    ],
)
def test_bad_fact_refused_before_c(simple, core_spy, fact, message):
    """A fact C would crash on or misread is refused with EngineError naming the field."""
    called: list[str] = []
    with pytest.raises(EngineError) as info:
        simple.run([fact], called.append)
    assert re.search(message, str(info.value)), str(info.value)
    assert core_spy.asserted == []  # nothing reached the C core
    assert called == []
    with pytest.raises(EngineError) as direct:
        check_fact(fact)
    assert re.search(message, str(direct.value))
    assert fire(simple, {"t": "x"}) == ["r"]  # the ruleset is unharmed


def test_bad_fact_among_good_ones(simple, core_spy):
    """One bad fact in a batch refuses the whole batch before any fact is asserted."""
    with pytest.raises(EngineError, match="'bad'"):
        simple.run([{"t": "x", "n": 1}, {"t": "x", "bad": None}], lambda rule: None)
    assert core_spy.asserted == []


def test_bad_follow_up_fact_refused(simple):
    """A fact returned by an action is checked as well, naming the field."""
    with pytest.raises(EngineError, match="fact field 'amount' is nan"):
        simple.run([{"t": "x"}], lambda rule: [{"t": "y", "amount": float("nan")}])
    assert fire(simple, {"t": "x"}) == ["r"]


def test_good_facts_accepted(simple):
    """Finite numbers, bools, strings, lists and nested objects pass check_fact and match."""
    fact = {"t": "x", "n": 1, "f": 1.5, "b": False, "s": "", "l": [1, "a"], "o": {"p": [{"q": 1}]}}
    check_fact(fact)
    assert fire(simple, fact) == ["r"]


def test_empty_batch_refused(simple, core_spy):
    """An evaluation with no facts (which would crash the C core) is refused."""
    with pytest.raises(EngineError, match="needs at least one fact"):
        simple.run([], lambda rule: None)
    assert core_spy.asserted == []


def test_widest_fact_accepted(simple):
    """A fact of MAX_FACT_FIELDS (252) fields, the widest C takes once `sid` is added, evaluates."""
    assert MAX_FACT_FIELDS == 252
    assert fire(simple, wide_fact(MAX_FACT_FIELDS)) == ["r"]


@pytest.mark.parametrize("fields", [253, 254])
def test_fact_field_limit_matches_core(simple, core_spy, fields):
    """A fact check_fact lets through is one the C core accepts (else refused before C)."""
    try:
        fired = fire(simple, wide_fact(fields))
    except EngineError:
        assert core_spy.asserted == [], "refused by the C core, not by check_fact"
    else:
        assert fired == ["r"]


# --- actions ------------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_action_exception_propagates(simple):
    """An exception raised by an action reaches the caller unchanged."""

    def explode(rule):
        raise Boom(rule)

    with pytest.raises(Boom) as info:
        simple.run([{"t": "x"}], explode)
    assert info.value.args == ("r",)
    assert fire(simple, {"t": "x"}) == ["r"]


def test_action_exception_remaining_actions_not_run(engine):
    """After an action fails, the evaluation's other matched rules are not run."""
    ruleset = engine.load(
        "two",
        {"a": {"all": [{"m": {"t": "x"}}], "pri": 1}, "b": {"all": [{"m": {"t": "x"}}], "pri": 2}},
        action_budget=10,
    )
    seen: list[str] = []

    def first_fails(rule):
        seen.append(rule)
        raise Boom(rule)

    with pytest.raises(Boom):
        ruleset.run([{"t": "x"}], first_fails)
    assert seen == ["a"]
    assert fire(ruleset, {"t": "x"}) == ["a", "b"]


def test_self_feeding_stops_at_budget(simple):
    """An action that keeps asserting new matching facts stops with an EngineError."""
    calls = []

    def feed(rule):
        calls.append(rule)
        return [{"t": "x", "n": len(calls)}]

    with pytest.raises(EngineError) as info:
        simple.run([{"t": "x"}], feed)
    assert str(info.value) == (
        "ruleset simple: more than 100 rule actions in one evaluation; "
        "a rule keeps re-triggering itself"
    )
    assert len(calls) == 100
    assert fire(simple, {"t": "x"}) == ["r"]


def test_follow_up_facts_chain(engine):
    """Facts an action returns are asserted into the same evaluation and can fire rules."""
    ruleset = engine.load(
        "chain",
        {"first": {"all": [{"m": {"t": "x"}}]}, "second": {"all": [{"m": {"t": "y"}}]}},
        action_budget=10,
    )
    fired: list[str] = []

    def on_action(rule):
        fired.append(rule)
        return [{"t": "y"}] if rule == "first" else None

    assert ruleset.run([{"t": "x"}], on_action) == 2
    assert fired == ["first", "second"]


def test_run_returns_action_count(engine):
    """run() returns how many actions ran (the private priming rule is not counted)."""
    ruleset = engine.load(
        "count",
        {
            "a": {"all": [{"m": {"t": "x"}}]},
            "b": {"all": [{"m": {"$and": [{"t": "x"}, {"n": 1}]}}]},
        },
        action_budget=10,
    )
    assert ruleset.run([{"t": "x", "n": 1}], lambda rule: None) == 2
    assert ruleset.run([{"t": "x", "n": 2}], lambda rule: None) == 1
    assert ruleset.run([{"t": "other"}], lambda rule: None) == 0


def test_priority_order(engine):
    """Rules fire lowest `pri` first, whatever their definition order."""
    ruleset = engine.load(
        "pri",
        {
            "a": {"all": [{"m": {"t": "x"}}], "pri": 3},
            "b": {"all": [{"m": {"t": "x"}}], "pri": 1},
            "c": {"all": [{"m": {"t": "x"}}], "pri": 2},
        },
        action_budget=10,
    )
    assert fire(ruleset, {"t": "x"}) == ["b", "c", "a"]


def test_sessions_isolated(engine):
    """A fact from one evaluation is not visible in the next (each gets its own session)."""
    ruleset = engine.load(
        "join",
        {"both": {"all": [{"m": {"t": "x"}}, {"n": {"t": "y"}}]}},
        action_budget=10,
    )
    assert fire(ruleset, {"t": "x"}) == []
    assert fire(ruleset, {"t": "y"}) == []
    assert fire(ruleset, {"t": "x"}, {"t": "y"}) == ["both"]


def test_private_rule_never_reported(engine):
    """The adapter's priming rule is never passed to on_action, even for its own fact type."""
    ruleset = engine.load("p", SIMPLE, action_budget=10)
    assert fire(ruleset, {"t": durable.PRIME_TYPE}) == []
    assert fire(ruleset, {"t": "x"}) == ["r"]


# --- sessions are always deleted, and primed first -----------------------------------------
# These run in a child process: a session leak or a delete without priming crashes the C
# core (SIGSEGV / "free(): invalid pointer"), which would take the whole test run down.

_PRELUDE = """
from cscore.engine.durable import DurableEngine
from cscore.errors import EngineError
engine = DurableEngine()
simple = engine.load("s", {"r": {"all": [{"m": {"t": "x"}}]}}, action_budget=10)
def fire(ruleset, fact):
    fired = []
    ruleset.run([fact], fired.append)
    return fired
"""


def run_isolated(body: str) -> None:
    script = _PRELUDE + textwrap.dedent(body) + "\nengine.close()\nprint('survived')\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    assert result.stdout.strip().endswith("survived")


def test_unmatched_evaluations_survive():
    """A fact no rule matches returns normally; 2,000 more such evaluations do not crash."""
    run_isolated(
        """
        called = []
        assert simple.run([{"t": "unknown"}], called.append) == 0
        for i in range(2000):
            assert simple.run([{"t": "unknown", "i": i}], called.append) == 0
        assert called == []
        assert fire(simple, {"t": "x"}) == ["r"]
        """
    )


def test_many_sequential_evaluations():
    """3,000 evaluations on one ruleset do not exhaust the 1,024 live sessions."""
    run_isolated(
        """
        for i in range(3000):
            assert fire(simple, {"t": "x", "i": i % 7}) == ["r"], i
        """
    )


def test_failing_actions_free_sessions():
    """1,100 evaluations whose action raises free their sessions; the ruleset still works."""
    run_isolated(
        """
        class Boom(Exception):
            pass
        def explode(rule):
            raise Boom(rule)
        for i in range(1100):
            try:
                simple.run([{"t": "x", "i": i}], explode)
            except Boom:
                pass
            else:
                raise AssertionError("the action's exception was swallowed")
        assert fire(simple, {"t": "x"}) == ["r"]
        """
    )


def test_refused_asserts_free_sessions():
    """1,100 evaluations the C core refuses (error 303) free their sessions too."""
    run_isolated(
        """
        rules = {f"r{i}": {"all": [{"m": {"$and": [{"t": "x"}, {"$gt": {"n": i}}]}}]}
                 for i in range(70)}
        many = engine.load("many", rules, action_budget=1000)
        for _ in range(1100):
            try:
                fire(many, {"t": "x", "n": 100})
            except EngineError as exc:
                assert "error 303" in str(exc)
            else:
                raise AssertionError("error 303 expected")
        assert fire(many, {"t": "x", "n": 1}) == ["r0"]
        """
    )


def test_budget_exhaustion_frees_sessions():
    """1,100 evaluations stopped by the action budget free their sessions too."""
    run_isolated(
        """
        def feed(rule, calls=[]):
            calls.append(rule)
            return [{"t": "x", "n": len(calls)}]
        for i in range(1100):
            try:
                simple.run([{"t": "x"}], feed)
            except EngineError as exc:
                assert "more than 10 rule actions" in str(exc)
            else:
                raise AssertionError("budget error expected")
        assert fire(simple, {"t": "x"}) == ["r"]
        """
    )


# --- loading -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "code", "name"),
    [
        ({"r": {"all": [{"m": {"$foo": {"a": 1}}}]}}, 202, "string cannot be parsed"),
        ({"r": {"all": [{"m": {"t": "x"}}], "meta": 1}}, 105, "unknown key in the ruleset"),
    ],
    ids=["unknown-operator", "unknown-key"],
)
def test_invalid_definition(engine, rules, code, name):
    """A definition the C core refuses raises EngineError naming the code and its meaning."""
    with pytest.raises(EngineError) as info:
        engine.load("bad", rules, action_budget=10)
    text = str(info.value)
    assert text.startswith("ruleset bad was refused: Could not create ruleset")
    assert f"durable_rules error {code}: {name}" in text


@pytest.mark.parametrize(
    ("text", "described"),
    [
        (
            "Could not create ruleset, error code: 202",
            "Could not create ruleset (durable_rules error 202: "
            "string cannot be parsed (unknown operator, or a non-finite number))",
        ),
        (
            "Could not assert fact, error code: 303",
            "Could not assert fact (durable_rules error 303: "
            "too many conditions match one fact (more than 64 siblings))",
        ),
        ("Oops, error code: 999", "Oops (durable_rules error 999: unknown error)"),
        ("no code here", "no code here"),
    ],
    ids=["202", "303", "unknown-code", "no-code"],
)
def test_describe(text, described):
    """describe() turns 'error code: N' into the code's name."""
    assert describe(RuntimeError(text)) == described


def test_error_names_cover_documented_codes():
    """Every code DURABLE.md mentions has a name."""
    for code in (1, 2, 102, 105, 106, 202, 204, 302, 303, 501):
        assert ERROR_NAMES[code]


def test_load_does_not_mutate_definition(engine):
    """load() leaves the definition it was given untouched (durable's Ruleset would not)."""
    definition = {
        "a": {"all": [{"m": {"$and": [{"t": "x"}, {"$lt": {"n": 3}}]}}], "pri": 2},
        "b": {"any": [{"m": {"t": "y"}}, {"n": {"$or": [{"t": "z"}, {"k": "新疆"}]}}]},
    }
    before = copy.deepcopy(definition)
    ruleset = engine.load("nm", definition, action_budget=10)
    assert definition == before
    assert PRIME_RULE not in definition
    assert fire(ruleset, {"t": "x", "n": 1}) == ["a"]
    engine.load("nm", definition, action_budget=10)  # the same name loads again
    assert definition == before


def test_chinese_strings_match(engine):
    """Chinese strings in rules and facts compare equal inside the C core."""
    ruleset = engine.load(
        "cn",
        {
            "规则新疆": {"all": [{"m": {"$and": [{"t": "x"}, {"province": "新疆"}]}}]},
            "other": {"all": [{"m": {"$and": [{"t": "x"}, {"$neq": {"province": "新疆"}}]}}]},
        },
        action_budget=10,
    )
    assert fire(ruleset, {"t": "x", "province": "新疆"}) == ["规则新疆"]
    assert fire(ruleset, {"t": "x", "province": "西藏"}) == ["other"]


def test_chinese_symbols_through_compiler(engine):
    """A condition written with Chinese symbols compiles and matches Chinese facts."""
    node = check_condition(parse("province in [新疆, 西藏]"), Scope(facts={"province": STRING}))
    condition = compile_condition(node)
    ruleset = engine.load(
        "cn2", {"remote": {"all": [{"m": {"$and": [{"t": "x"}, condition]}}]}}, action_budget=10
    )
    assert fire(ruleset, {"t": "x", "province": "西藏"}) == ["remote"]
    assert fire(ruleset, {"t": "x", "province": "北京"}) == []


def _distinct_rules(count: int) -> dict[str, Any]:
    return {
        f"r{i}": {"all": [{"m": {"$and": [{"t": "x"}, {"$gt": {"n": i}}]}}]} for i in range(count)
    }


def test_too_many_matching_conditions(engine):
    """More than 64 distinct conditions matching one fact is EngineError code 303."""
    ruleset = engine.load("many", _distinct_rules(70), action_budget=1000)
    called: list[str] = []
    with pytest.raises(EngineError) as info:
        ruleset.run([{"t": "x", "n": 100}], called.append)
    assert "durable_rules error 303: too many conditions match one fact" in str(info.value)
    assert called == []
    assert fire(ruleset, {"t": "x", "n": 2}) == ["r0", "r1"]  # a fact matching few still works


def test_sixty_four_matching_conditions(engine):
    """64 distinct conditions matching one fact is still fine: all 64 rules fire."""
    ruleset = engine.load("64", _distinct_rules(64), action_budget=1000)
    assert sorted(fire(ruleset, {"t": "x", "n": 100})) == sorted(f"r{i}" for i in range(64))


def test_many_rules_sharing_one_condition(engine):
    """70 rules with one identical condition share a node: all fire, no error 303."""
    rules = {f"r{i}": {"all": [{"m": {"t": "x"}}]} for i in range(70)}
    ruleset = engine.load("shared", rules, action_budget=1000)
    assert sorted(fire(ruleset, {"t": "x"})) == sorted(rules)


# --- closing -----------------------------------------------------------------------------


def test_close_then_run(engine):
    """run() after close() raises RulesetClosed; a second close() is harmless."""
    ruleset = engine.load("c", SIMPLE, action_budget=10)
    assert not ruleset.closed
    ruleset.close()
    assert ruleset.closed
    with pytest.raises(RulesetClosed):
        ruleset.run([{"t": "x"}], lambda rule: None)
    ruleset.close()
    with pytest.raises(RulesetClosed):
        ruleset.run([{"t": "x"}], lambda rule: None)


def test_engine_close_closes_rulesets():
    """DurableEngine.close() closes every ruleset it loaded, even ones closed already."""
    engine = DurableEngine()
    first = engine.load("a", SIMPLE, action_budget=10)
    second = engine.load("b", SIMPLE, action_budget=10)
    first.close()
    engine.close()
    assert first.closed and second.closed
    with pytest.raises(RulesetClosed):
        second.run([{"t": "x"}], lambda rule: None)
    engine.close()


def test_reload_replaces(engine):
    """A new version loads under the same name; the old one closes without disturbing it."""
    old = engine.load("same", SIMPLE, action_budget=10)
    new = engine.load("same", {"r2": {"all": [{"m": {"t": "x"}}]}}, action_budget=10)
    old.close()
    assert fire(new, {"t": "x"}) == ["r2"]


# --- threads -----------------------------------------------------------------------------


THREAD_RULES = {
    "low": {"all": [{"m": {"$and": [{"t": "x"}, {"$lt": {"n": 10}}]}}], "pri": 1},
    "high": {"all": [{"m": {"$and": [{"t": "x"}, {"$gte": {"n": 5}}]}}], "pri": 2},
    "even": {"all": [{"m": {"$and": [{"t": "x"}, {"$or": [{"p": 0}, {"p": 2}]}]}}], "pri": 3},
    "derived": {"all": [{"m": {"$and": [{"t": "x"}, {"$gt": {"n": 15}}]}}], "pri": 4},
    "chained": {"all": [{"m": {"t": "y"}}], "pri": 5},
}


def _thread_case(i: int) -> dict[str, Any]:
    return {"t": "x" if i % 11 else "nothing", "n": i % 20, "p": i % 4}


def _evaluate(ruleset: Any, i: int) -> list[str]:
    fired: list[str] = []

    def on_action(rule):
        fired.append(rule)
        return [{"t": "y", "i": i}] if rule == "derived" else None

    ruleset.run([_thread_case(i)], on_action)
    return fired


def test_threads_agree_with_single_thread(engine):
    """4 threads x 500 evaluations on one ruleset fire what a single thread fires."""
    ruleset = engine.load("threads", THREAD_RULES, action_budget=20)
    expected = [_evaluate(ruleset, i) for i in range(500)]
    assert any(len(fired) >= 3 for fired in expected) and [] in expected
    results: dict[int, list[list[str]]] = {}
    errors: list[BaseException] = []

    def worker(k):
        try:
            results[k] = [_evaluate(ruleset, i) for i in range(500)]
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0, 1, 2, 3]
    for k in range(4):
        assert results[k] == expected


def test_close_waits_for_running_evaluation(engine):
    """close() from another thread waits until an in-flight evaluation has finished."""
    ruleset = engine.load(
        "busy",
        {"a": {"all": [{"m": {"t": "x"}}], "pri": 1}, "b": {"all": [{"m": {"t": "x"}}], "pri": 2}},
        action_budget=10,
    )
    in_action = threading.Event()
    release = threading.Event()
    fired: list[str] = []

    def slow(rule):
        fired.append(rule)
        if rule == "a":
            in_action.set()
            assert release.wait(10)

    runner = threading.Thread(target=ruleset.run, args=([{"t": "x"}], slow))
    runner.start()
    try:
        assert in_action.wait(10)
        closer = threading.Thread(target=ruleset.close)
        closer.start()
        closer.join(0.2)
        assert closer.is_alive()  # blocked on the ruleset's lock while "a" runs
    finally:
        release.set()
    runner.join(10)
    closer.join(10)
    assert not closer.is_alive()
    assert fired == ["a", "b"]  # the evaluation finished on the live ruleset
    assert ruleset.closed
