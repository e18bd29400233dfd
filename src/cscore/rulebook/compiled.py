"""A rule set ready to evaluate: checked rules in layers, and the engine definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cscore.engine import engine_field
from cscore.language.ast import Node
from cscore.language.compiler import Condition
from cscore.language.interpreter import Evaluator
from cscore.language.types import Type
from cscore.rulebook.fanout import chunk_tag
from cscore.rulebook.model import NO_DEFAULT, ConstantSpec, KeySpec, RuleFile, RuleRole, Where

SETTLE_PRIORITY = 65000  # settle rules run after every rule of their layer


@dataclass(frozen=True, slots=True)
class CompiledSet:
    key: str
    expression: Node
    type: Type
    where: Where
    evaluate: Evaluator  # the expression compiled to closures (language.interpreter)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    order: int  # definition order across the rule set (industry files first)
    engine_name: str  # the rule's name inside the engine: r<order>
    id: str
    name: str
    role: RuleRole
    where: Where
    file: str
    priority: int
    layer: int
    chunk: int  # which fact of its layer it matches (≤ CHUNK rules per fact)
    condition: Node | None
    engine_condition: Condition
    sets: tuple[CompiledSet, ...]
    reads: frozenset[str]  # derived values it reads (its dependencies)
    shown: tuple[str, ...]  # facts and values its condition reads, shown in the trace
    message: str | None = None
    # common constants this rule uses that an industry file redefined: name -> file:line
    overrides: dict[str, str] = field(default_factory=dict)
    # catalog rules of the functions its values call: (rule id, name, function)
    cites: tuple[tuple[str, str, str], ...] = ()
    # unique within the rule set: the id, plus "#n"/"@file" when several rules share it
    key: str = ""


@dataclass
class CompiledRuleset:
    key: str  # "ecommerce.return"
    industry: str
    kind: str
    rules: tuple[CompiledRule, ...]
    keys: dict[str, KeySpec]
    key_types: dict[str, Type]
    constants: dict[str, ConstantSpec]
    fact_types: dict[str, Type]
    layer_count: int
    chunks: tuple[int, ...]  # facts asserted per layer
    settle: dict[int, tuple[str, ...]]  # keys settled once each layer has run
    engine_fields: frozenset[str]  # fact roots and values that conditions read
    definition: dict[str, Any]
    files: tuple[RuleFile, ...]
    version: str
    shadowed: dict[str, tuple[Where, Where]] = field(default_factory=dict)
    # row groups (rulebook.rowgroups) of more than one key: key -> every key of its group
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.by_engine_name = {rule.engine_name: rule for rule in self.rules}
        # The winners of a key one rule alone set, made once (settling takes them).
        self.sole_winner = {rule.order: frozenset((rule.order,)) for rule in self.rules}
        # Values and facts typed money: the only ones a decision rounds (2 decimals).
        self.money = frozenset(
            name
            for types in (self.fact_types, self.key_types)
            for name, t in types.items()
            if t.name == "money"
        )
        # What each field is called inside the engine (`t` → `@t`, see engine_field).
        self.engine_names = {name: engine_field(name) for name in self.engine_fields}
        # The engine fields each layer chunk's rules read: its fact carries only those.
        read: dict[str, set[str]] = {}
        for rule in self.rules:
            names = read.setdefault(chunk_tag(rule.layer, rule.chunk), set())
            names.update(
                self.engine_names[name if name in self.keys else name.split(".")[0]]
                for name in rule.shown
            )
        self.chunk_fields = {tag: tuple(sorted(names)) for tag, names in read.items()}
        # Per layer, the tag and fields of each of its facts (one per chunk).
        self.layer_tags = [
            tuple(
                (chunk_tag(layer, chunk), self.chunk_fields.get(chunk_tag(layer, chunk), ()))
                for chunk in range(count)
            )
            for layer, count in enumerate(self.chunks)
        ]
        # What settling needs of each key rules set, looked up once here: (hit
        # policy, default, engine name or None, row group or None), and its layer.
        self.settles_in = {key: layer for layer, keys in self.settle.items() for key in keys}
        self.settle_plan = {
            key: (
                self.keys[key].hit,
                self.keys[key].default,
                self.engine_names.get(key),
                self.groups.get(key),
            )
            for layer, keys in self.settle.items()
            for key in keys
        }
        # Keys one rule alone sets (in its own layer), in no row group and not collected:
        # nothing competes with that rule's value, so it is settled as the rule fires
        # (no candidate to weigh at the layer's end) -> the key's engine name, or None.
        setters: dict[str, list[CompiledRule]] = {}
        for rule in self.rules:
            for item in rule.sets:
                setters.setdefault(item.key, []).append(rule)
        self.settled_on_firing = {
            key: self.engine_names.get(key)
            for key, rules in setters.items()
            if len(rules) == 1
            and self.settles_in.get(key) == rules[0].layer
            and key not in self.groups
            and self.keys[key].hit != "collect"
        }
        # Per layer, its keys with a default (taken when no rule of the case set them).
        self.defaults_at = {
            layer: tuple(key for key in keys if self.keys[key].default is not NO_DEFAULT)
            for layer, keys in self.settle.items()
        }
        # Per layer settling a key of a row group, each such group once (in the order of
        # its first key) with the hit policy of that key; the other layers skip the row
        # comparison.
        self.layer_groups: dict[int, tuple[tuple[frozenset[str], str], ...]] = {}
        for layer, keys in self.settle.items():
            firsts = {self.groups[k]: k for k in reversed(keys) if k in self.groups}
            if firsts:
                ordered = sorted(firsts.items(), key=lambda item: keys.index(item[1]))
                self.layer_groups[layer] = tuple(
                    (group, self.keys[key].hit) for group, key in ordered
                )
        self.grouped_layers = frozenset(self.layer_groups)
        self.reported = tuple(key for key, spec in self.keys.items() if spec.report)
        # What a decided outcome reports (the kernel's own fields are built apart).
        self.decided_outputs = tuple(
            key for key in self.reported if key not in ("missing_fields", "invalid_fields")
        )
        written = {key for keys in self.settle.values() for key in keys}
        # Values no rule sets start at their default, so readers see them from layer 0.
        self.initial_values = {
            key: spec.default
            for key, spec in self.keys.items()
            if spec.default is not NO_DEFAULT and key not in written
        }

    def definition_for(self, settles_when_idle: bool) -> dict[str, Any]:
        """The engine definition. An engine that says when no rule action is left
        (``settles_when_idle``: it calls the evaluation's ``on_idle``) gets the rules
        alone; any other also gets a settle rule per layer, matching the layer's first
        fact after every other rule (the lowest priority): its action settles the
        layer."""
        if settles_when_idle:
            return self.definition
        settle = {
            f"s{layer}": {"all": [{"m": {"t": f"L{layer}.0"}}], "pri": SETTLE_PRIORITY}
            for layer in range(self.layer_count)
        }
        return {**self.definition, **settle}

    @property
    def outputs(self) -> list[str]:
        """The keys a decision reports, in declaration order."""
        return list(self.reported)
