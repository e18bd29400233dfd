"""Walks answered again by what they observed, without walking.

A walk that reads a case only through its memo of observations (whether a condition
holds, whether a name has a value) and decides everything else from its rule set gives
the same answer to two cases whose observations agree one by one, in the order the
walk made them: which observation comes next depends only on the ones before. So a
:class:`WalkMemo` keeps a tree of the observation sequences walks made, each ending in
the walk's answer; a new case follows the tree making only those observations, and is
walked (its sequence added) only when it observes something no earlier case did.

Used by needs_info by consequence (cscore.rulebook.consequence): its walk re-reads
every rule that reads an absent fact in three-valued logic, on every case of an
industry that asks by consequence; following the tree makes the same dozen
observations without the readings around them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

# How many observations the tree keeps at most, per walk (a rule set): the sequences
# follow the rules' structure, so a workload repeats a few hundred (684 nodes for the
# e-commerce returns after 40,000 workload and mixed cases, measured); beyond the bound
# new ones are walked and not kept (a node is a few hundred bytes).
MAX_NODES = 5_000

Observation = Callable[[Any, Any], Any]  # (values, context) -> what was observed
Observer = Callable[[Hashable], Observation]  # a key in the walk's memo -> its observation

_FRESH = object()  # a node whose observation is not known yet
_END = object()  # a node that holds the answer
_OTHER = object()  # an outcome other than True, False and None


def outcome_of(value: Any) -> Any:
    """What a walk can tell apart of an observed value: True, False, None, or another
    value (read the same whatever it is)."""
    return value if value is True or value is False or value is None else _OTHER


class Recording(dict[Hashable, Any]):
    """A walk's memo of observations that also keeps them in the order they were made."""

    __slots__ = ("log",)

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[Hashable, Any]] = []

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.log.append((key, value))
        super().__setitem__(key, value)


class _Node:
    __slots__ = ("answer", "key", "observe", "then")

    def __init__(self) -> None:
        self.key: Any = _FRESH  # the memo key of the observation made here, or _END
        self.observe: Observation = _unset
        self.then: dict[Any, _Node] = {}  # its outcome -> the next node
        self.answer: Any = None


def _unset(values: Any, ctx: Any) -> Any:
    raise AssertionError("a node without its observation was followed")


class WalkMemo:
    """The answers of one walk, by the observations that led to them. ``observer``
    gives, for the key of an observation in the walk's memo, a function that makes it
    again as the walk made it (asked once per node of the tree)."""

    def __init__(self, observer: Observer, max_nodes: int = MAX_NODES) -> None:
        self._observer = observer
        self._observations: dict[Hashable, Observation] = {}  # one per key, shared by nodes
        self._roots: dict[Hashable, _Node] = {}
        self._nodes = 0
        self._max_nodes = max_nodes

    def answer(self, start: Hashable, values: Any, ctx: Any) -> tuple[bool, Any]:
        """(True, the answer) if a walk from ``start`` that observed what this case
        does was kept; (False, None) otherwise."""
        node = self._roots.get(start)
        while node is not None:
            key = node.key
            if key is _END:
                return True, node.answer
            if key is _FRESH:  # another thread is keeping a walk through here
                break
            seen = node.observe(values, ctx)  # outcome_of, written out: a call less each
            node = node.then.get(seen if seen is True or seen is False or seen is None else _OTHER)
        return False, None

    def keep(self, start: Hashable, recording: Recording, answer: Any) -> None:
        """Keep a walk from ``start``: what it observed, in order, and its answer. A
        node gets its observation before its key, and its answer before it is marked
        the end: a thread following the tree meanwhile finds it whole, or fresh (a miss)."""
        if self._nodes + len(recording.log) + 1 > self._max_nodes:
            return
        node = self._roots.get(start)
        if node is None:
            node = self._roots.setdefault(start, _Node())
            self._nodes += 1
        for key, value in recording.log:
            if node.key is _FRESH:
                observe = self._observations.get(key)
                if observe is None:
                    observe = self._observations[key] = self._observer(key)
                node.observe = observe
                node.key = key
            elif node.key is _END or node.key != key:
                return  # not the walk the tree holds (it was not deterministic): not kept
            branch = outcome_of(value)
            following = node.then.get(branch)
            if following is None:
                following = node.then.setdefault(branch, _Node())
                self._nodes += 1
            node = following
        if node.key is _FRESH:
            node.answer = answer
            node.key = _END

    def __len__(self) -> int:
        """How many nodes the tree has."""
        return self._nodes
