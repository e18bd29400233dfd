"""The adapter keeps one session per rule set between evaluations (allocating a
session's state is most of an evaluation at 1,000 rules): each evaluation's facts are
retracted afterwards, so the next one starts empty; a failed evaluation deletes it."""

from __future__ import annotations

from typing import Any

import pytest

import cscore.engine.durable as durable
from cscore.engine.durable import DurableEngine
from cscore.errors import EngineError

RULES = {
    "big": {"all": [{"m": {"$and": [{"t": "x"}, {"$gt": {"n": 10}}]}}]},
    "small": {"all": [{"m": {"$and": [{"t": "x"}, {"$lte": {"n": 10}}]}}]},
}


class Counting:
    """The C module, counting the sessions it deletes and the facts it retracts."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.deleted = 0
        self.retracted = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def delete_state(self, handle: int, sid: str) -> Any:
        self.deleted += 1
        return self.real.delete_state(handle, sid)

    def retract_facts(self, handle: int, text: str) -> Any:
        self.retracted += text.count('"id":')  # retracted by session and id alone
        return self.real.retract_facts(handle, text)


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Counting:
    spy = Counting(durable._core)
    monkeypatch.setattr(durable, "_core", spy)
    return spy


def test_one_session_serves_evaluation_after_evaluation(core: Counting) -> None:
    """Each evaluation sees only its own facts: no rule fires on an earlier case's."""
    engine = DurableEngine()
    ruleset = engine.load("reuse", RULES, action_budget=50)
    for n in range(200):
        fired: list[str] = []
        ruleset.run([{"t": "x", "n": n % 20}], fired.append)
        assert fired == (["big"] if n % 20 > 10 else ["small"])
        kept = ruleset._kept
        assert kept is not None
        assert core.real.get_facts(kept.handle, kept.sid) == "[]"  # nothing left behind
    assert core.deleted == 0  # never re-allocated
    assert core.retracted >= 200  # every fact taken back out
    engine.close()


def test_an_evaluation_without_actions_still_leaves_a_clean_session(core: Counting) -> None:
    engine = DurableEngine()
    ruleset = engine.load("quiet", RULES, action_budget=50)
    for _ in range(3):
        assert ruleset.run([{"t": "other", "n": 1}], lambda rule: None) == 0
    fired: list[str] = []
    ruleset.run([{"t": "x", "n": 50}], lambda rule: fired.append(rule))
    assert fired == ["big"]
    engine.close()  # deleting the ruleset with its primed session does not crash


def test_a_failed_evaluation_deletes_its_session_and_the_next_starts_fresh(
    core: Counting,
) -> None:
    engine = DurableEngine()
    ruleset = engine.load("failing", RULES, action_budget=50)

    def boom(rule: str) -> None:
        raise ValueError("the rule's action failed")

    with pytest.raises(ValueError):
        ruleset.run([{"t": "x", "n": 50}], boom)
    assert core.deleted == 1
    fired: list[str] = []
    ruleset.run([{"t": "x", "n": 1}], lambda rule: fired.append(rule))
    assert fired == ["small"]  # the failed case's fact is not in the new session
    with pytest.raises(EngineError, match="more than"):
        loop = {"again": {"all": [{"m": {"t": "x"}}]}}
        looping = engine.load("looping", loop, action_budget=3)
        looping.run([{"t": "x"}], lambda rule: [{"t": "x", "k": len(fired)}])
    engine.close()
