"""How many tests hang off each node of durable_rules' network, counted before loading.

durable_rules keeps the tests below a node in a table of 512 slots probed linearly,
with no check for a full table: at 512 tests under one node the first case never
returns, at 513 loading never returns, and the C core holds the GIL while it spins
(measured on 2.0.28; see DURABLE.md and tests/test_engine_limits.py). A valid rule
file reaches that easily: ``x in [...]`` compiles to one equality test per value, and
every rule of a layer chunk hangs its first tests off the same ``{"t": tag}`` node.

So the assembler replays how the C core builds its network (``createAlpha`` /
``findAlpha`` in rete.c) and places each rule in a chunk where no node would exceed
:data:`MAX_TESTS_PER_NODE`, opening a new chunk (one more fact per case) when needed.
Whatever no placement can make safe is refused with an error naming the rule.

The model, as the C core does it:

* ``{"$and": [a, b]}``: ``a`` below the current node, ``b`` below ``a``;
* ``{"$or": [a, b]}``: each alternative below the current node, all joined into a fresh
  node that the rest of the condition hangs off (never shared between rules);
* a test ``{field: v}``, ``{"$lt": {field: v}}``…: below the current node, shared with
  an identical test (same field, operator and operand) already there;
* ``$nex`` tests (shared like the others) and the joins of an ``$or`` live in a
  separate list whose overflow the C core reports as an error (107), so they do not
  count towards the table; the tests below a shared ``$nex`` node do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Tests below one node. durable_rules hangs at 512 (measured); half of that leaves room
# for anything this model counts wrong, and keeps each probe of the table short.
MAX_TESTS_PER_NODE = 256

_LISTED = "$nex"  # kept in the node's list, not its table
_OPERATORS = {"$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex", "$eq"}

TestKey = tuple[str, str, str]  # operator, field, operand as JSON


class _Node:
    __slots__ = ("children", "listed")

    def __init__(self) -> None:
        self.children: dict[TestKey, _Node] = {}  # the table of 512 slots
        self.listed: dict[TestKey, _Node] = {}  # the `$nex` list


@dataclass
class Overflow:
    """A node that would hold too many tests."""

    tests: int
    field: str  # the field most of them test


@dataclass
class _Trial:
    """One rule placed tentatively: the tests it would add, not yet attached."""

    added: dict[int, tuple[_Node, dict[TestKey, _Node]]] = field(default_factory=dict)
    listed: dict[int, tuple[_Node, dict[TestKey, _Node]]] = field(default_factory=dict)

    def child(self, parent: _Node, key: TestKey) -> _Node:
        listed = key[0] == _LISTED
        existing = (parent.listed if listed else parent.children).get(key)
        if existing is not None:
            return existing
        pending = self.listed if listed else self.added
        _parent, new = pending.setdefault(id(parent), (parent, {}))
        node = new.get(key)
        if node is None:
            node = new[key] = _Node()
        return node

    def worst(self, limit: int) -> Overflow | None:
        worst: Overflow | None = None
        for parent, new in self.added.values():
            count = len(parent.children) + len(new)
            if count > limit and (worst is None or count > worst.tests):
                fields: dict[str, int] = {}
                for _op, name, _operand in [*parent.children, *new]:
                    fields[name] = fields.get(name, 0) + 1
                worst = Overflow(count, max(fields, key=lambda name: fields[name]))
        return worst

    def commit(self) -> None:
        for parent, new in self.added.values():
            parent.children.update(new)
        for parent, new in self.listed.values():
            parent.listed.update(new)


class Network:
    """The nodes of one ruleset, filled rule by rule."""

    def __init__(self, limit: int = MAX_TESTS_PER_NODE) -> None:
        self.root = _Node()
        self.limit = limit

    def add(self, test: Any) -> Overflow | None:
        """Add one rule's ``m`` test; refuse (and add nothing) if a node would overflow."""
        trial = _Trial()
        _place(test, self.root, trial)
        overflow = trial.worst(self.limit)
        if overflow is None:
            trial.commit()
        return overflow

    def widest(self) -> int:
        """The most tests below any one node (for tests of this model)."""
        most, stack = 0, [self.root]
        while stack:
            node = stack.pop()
            most = max(most, len(node.children))
            stack.extend([*node.children.values(), *node.listed.values()])
        return most


def _place(test: Any, parent: _Node, trial: _Trial) -> _Node:
    """The node the rest of a rule hangs off once ``test`` is below ``parent``."""
    ((name, body),) = test.items()
    if name == "$and":
        current = parent
        for part in body:
            current = _place(part, current, trial)
        return current
    if name == "$or":
        for part in body:
            _place(part, parent, trial)
        return _Node()  # the fresh join node: the rest of the rule is its own
    if name in _OPERATORS:
        ((path, operand),) = body.items()
        return trial.child(parent, (name, path, _operand(operand)))
    return trial.child(parent, ("$eq", name, _operand(body)))


def _operand(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def chunk_tag(layer: int, chunk: int) -> str:
    """The ``t`` of the fact that carries one chunk of one layer."""
    return f"L{layer}.{chunk}"


class Chunks:
    """Places the rules of each layer in chunks (one engine fact per chunk and case):
    at most ``per_chunk`` rules in a chunk, and no node above :data:`MAX_TESTS_PER_NODE`.

    First fit, so a rule set without long lists gets exactly ``per_chunk`` rules per
    chunk, as before this counting existed."""

    def __init__(self, per_chunk: int, reserved_tags: tuple[str, ...] = ()) -> None:
        self.per_chunk = per_chunk
        self.network = Network()
        for tag in reserved_tags:  # tags the engine adds itself (its priming rule)
            self.network.add({"t": tag})
        self.counts: dict[int, list[int]] = {}  # layer -> rules in each chunk

    def place(self, layer: int, test_for: Callable[[str], Any]) -> tuple[int, Overflow | None]:
        """The chunk for a rule whose engine test under a tag is ``test_for(tag)``,
        or the overflow that no chunk can avoid."""
        counts = self.counts.setdefault(layer, [])
        for chunk, count in enumerate(counts):
            if (
                count < self.per_chunk
                and self.network.add(test_for(chunk_tag(layer, chunk))) is None
            ):
                counts[chunk] += 1
                return chunk, None
        chunk = len(counts)
        overflow = self.network.add(test_for(chunk_tag(layer, chunk)))
        if overflow is None:
            counts.append(1)
        return chunk, overflow

    def per_layer(self, layer_count: int) -> tuple[int, ...]:
        """Facts asserted per layer (a layer without rules still settles: one fact)."""
        return tuple(len(self.counts.get(layer, ())) or 1 for layer in range(layer_count))
