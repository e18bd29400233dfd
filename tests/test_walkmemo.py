"""cscore.rulebook.walkmemo: a deterministic walk's answers, kept by what it observed."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from cscore.rulebook.walkmemo import Recording, WalkMemo


def _observe(key: Hashable) -> Callable[[dict[str, Any], Any], Any]:
    return lambda values, ctx: values.get(key)


def _walk(values: dict[str, Any], known: Recording, walked: list[str]) -> str:
    """A toy walk: reads `a`; only when it is true, reads `b`. Its answer depends on
    nothing else; it reads through its memo, each name once."""
    walked.append("walk")
    for name in ("a", "b", "a"):
        if name not in known:
            known[name] = values.get(name)
        if name == "a" and known[name] is not True:
            return "no a"
    return "a and b" if known["b"] is True else "a, not b"


def _answer(memo: WalkMemo, values: dict[str, Any], walked: list[str]) -> str:
    kept, answer = memo.answer("start", values, None)
    if kept:
        return str(answer)
    known = Recording()
    answer = _walk(values, known, walked)
    memo.keep("start", known, answer)
    return answer


def test_a_case_observing_what_an_earlier_one_did_gets_its_answer_without_the_walk():
    memo = WalkMemo(_observe)
    walked: list[str] = []
    assert _answer(memo, {"a": True, "b": False, "c": 1}, walked) == "a, not b"
    assert walked == ["walk"]
    # c is never observed: another c, the same answer, no walk
    assert _answer(memo, {"a": True, "b": False, "c": 2}, walked) == "a, not b"
    assert walked == ["walk"]
    # b observed otherwise: walked, and kept beside the first
    assert _answer(memo, {"a": True, "b": True}, walked) == "a and b"
    assert _answer(memo, {"a": True, "b": True, "c": 3}, walked) == "a and b"
    assert walked == ["walk", "walk"]


def test_a_walk_that_stops_early_observes_less():
    """Without `a` the walk never reads `b`: any b gets the same kept answer."""
    memo = WalkMemo(_observe)
    walked: list[str] = []
    assert _answer(memo, {"a": False, "b": True}, walked) == "no a"
    assert _answer(memo, {"a": False, "b": False}, walked) == "no a"
    assert walked == ["walk"]


def test_values_other_than_true_false_and_none_are_read_alike():
    """A walk tells True, False and None apart (`is` tests) and nothing else: 1 and
    "x" follow the same branch, which differs from None's."""
    memo = WalkMemo(_observe)
    walked: list[str] = []
    assert _answer(memo, {"a": 1}, walked) == "no a"
    assert _answer(memo, {"a": "x"}, walked) == "no a"
    assert walked == ["walk"]
    assert _answer(memo, {}, walked) == "no a"
    assert walked == ["walk", "walk"]


def test_the_tree_keeps_no_more_than_its_bound():
    memo = WalkMemo(_observe, max_nodes=3)  # the root, a, b: room for one walk of two
    walked: list[str] = []
    _answer(memo, {"a": True, "b": True}, walked)
    assert len(memo) == 3
    _answer(memo, {"a": False}, walked)  # one more node would pass the bound
    assert len(memo) == 3
    _answer(memo, {"a": False}, walked)
    assert walked == ["walk", "walk", "walk"]  # not kept: walked again, still answered
    assert _answer(memo, {"a": True, "b": True}, walked) == "a and b"
    assert len(walked) == 3


def test_a_walk_that_observes_otherwise_than_the_tree_says_is_not_kept():
    """The tree holds deterministic walks; a recording that disagrees with it at a
    node (another observation there) leaves the tree as it was."""
    memo = WalkMemo(_observe)
    first = Recording()
    first["a"] = True
    first["b"] = True
    memo.keep("start", first, "kept")
    odd = Recording()
    odd["a"] = True
    odd["c"] = True  # the tree says b is read after a true a
    memo.keep("start", odd, "odd")
    assert memo.answer("start", {"a": True, "b": True, "c": True}, None) == (True, "kept")
    assert memo.answer("start", {"a": True, "b": False}, None) == (False, None)
    assert memo.answer("elsewhere", {"a": True, "b": True}, None) == (False, None)


def test_an_observation_made_on_several_branches_is_prepared_once():
    asked: list[Hashable] = []

    def observer(key: Hashable) -> Callable[[dict[str, Any], Any], Any]:
        asked.append(key)
        return _observe(key)

    memo = WalkMemo(observer)
    for first in (True, False):  # b is read after either value of a: two nodes
        walk = Recording()
        walk["a"] = first
        walk["b"] = True
        memo.keep("start", walk, first)
    assert asked == ["a", "b"]
    assert memo.answer("start", {"a": False, "b": True}, None) == (True, False)
    assert memo.answer("start", {"a": True, "b": True}, None) == (True, True)


def test_a_node_another_thread_is_still_keeping_is_a_miss():
    """keep() links a new node before it knows the node's observation: a thread that
    follows the tree meanwhile gets a miss (and walks), not an error."""
    from cscore.rulebook import walkmemo

    memo = WalkMemo(_observe)
    memo._roots["start"] = walkmemo._Node()
    assert memo.answer("start", {"a": True}, None) == (False, None)
