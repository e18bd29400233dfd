"""One evaluation of one case through one compiled rule set.

The engine owns the matching; this object is its partner for the case: it hands the
engine the facts of each layer, runs what a fired rule sets (Python, after the match),
and when a layer is complete settles its keys by their hit policies and asserts the
next layer's fact, carrying the settled values, into the same session.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from cscore.engine import EngineRuleset, Fact, OnAction, OnIdle
from cscore.engine.layerfact import LayerFact, SharedFields, plain_facts
from cscore.errors import RuleEvaluationError
from cscore.language.compiler import SAME_IN_ENGINE, to_engine
from cscore.language.functions import EvalContext
from cscore.language.interpreter import MISSING, MissingValue, lookup
from cscore.models.outcomes import INVALID_INPUT, NEEDS_INFO
from cscore.rulebook.compiled import CompiledRule, CompiledRuleset
from cscore.rulebook.model import NO_DEFAULT
from cscore.rulebook.resolution import Candidate, Unavailable, settle


@dataclass(slots=True)
class Firing:
    """A rule that fired and what it set."""

    rule: CompiledRule
    values: dict[str, Any]


@dataclass
class Result:
    outcome: dict[str, Any]  # Python values, reported keys only
    firings: list[Firing]
    values: dict[str, Any]  # the facts and every settled key
    # the rules (by order) whose value each settled key took; read by cscore.explain
    winners: dict[str, AbstractSet[int]] = field(default_factory=dict)

    def overridden(self, firing: Firing) -> list[str]:
        """The keys this rule set whose value another rule's took (read by the trace)."""
        winners = self.winners
        order = firing.rule.order
        lost = []  # a loop, not a comprehension: on Python 3.11 that is a call per firing
        for key in firing.values:
            if key in winners and order not in winners[key]:
                lost.append(key)
        return lost

    def matched(self, firing: Firing) -> dict[str, Any]:
        """The values the rule's condition read. Read now rather than when the rule fired:
        a condition reads only facts and values settled in earlier layers, which never
        change afterwards, so the answer is the same and only a trace that is read pays."""
        found = {}
        values = self.values
        for name in firing.rule.shown:
            value = values.get(name, MISSING)  # lookup's first step, without the call
            if value is MISSING:
                value = lookup(values, name)  # a dotted name into a nested fact
                if value is MISSING:
                    value = None
            found[name] = value
        return found


# Firings in layer order, then definition order (one C call per firing, not a lambda).
_IN_RULE_ORDER = operator.attrgetter("rule.layer", "rule.order")

# A Candidate made by tuple's own constructor: the named tuple's __new__ is Python code,
# and fire() makes one per value a rule sets (half the cost, measured).
_NEW_TUPLE = tuple.__new__


def _as_plain(callback: Callable[..., list[Fact] | None]) -> Callable[..., list[Fact] | None]:
    """The callback, its facts given as plain dicts (for an engine without encoded_facts)."""
    return lambda *args: plain_facts(callback(*args))


def _unavailable(value: Any) -> list[str]:
    if isinstance(value, Unavailable):
        return [value.fact]
    if isinstance(value, list):
        return [item.fact for item in value if isinstance(item, Unavailable)]
    return []


class Evaluation:
    def __init__(
        self, ruleset: CompiledRuleset, facts: Mapping[str, Any], ctx: EvalContext
    ) -> None:
        self.ruleset = ruleset
        self.ctx = ctx
        self.values: dict[str, Any] = dict(facts)
        self.candidates: dict[str, list[Candidate]] = {}
        self.winners: dict[str, AbstractSet[int]] = {}
        self.firings: list[Firing] = []
        self.missing: list[str] = []
        # Row groups (rulebook.rowgroups): rules that lost their row, per group, and the
        # keys settled in earlier layers (no longer open to competition).
        self.lost: dict[frozenset[str] | None, set[int]] = {}
        self.settled: set[str] = set()
        self.stopped = False
        self.values.update(ruleset.initial_values)  # defaults of values no rule sets
        # The engine fields, encoded once; each layer adds what it settled (layerfact).
        values, engine_names = self.values, ruleset.engine_names
        fields: dict[str, Any] = {}
        for name in engine_names.keys() & values.keys():
            value = values[name]
            if value is not None:
                fields[engine_names[name]] = (
                    value if type(value) in SAME_IN_ENGINE else to_engine(value)
                )
        self.shared = SharedFields(fields)
        # Per layer, the keys rules of this case set that settle in it (by first setting).
        self.due: dict[int, list[str]] = {}
        self.layer = 0  # the layer whose facts were asserted last, not yet settled

    # the engine's side of the conversation -------------------------------------

    def run_in(self, engine: EngineRuleset, settles_when_idle: bool = False) -> int:
        """Evaluate in ``engine``: its layer facts, then each rule that fires; how many
        actions ran. ``settles_when_idle``: it was loaded without settle rules and calls
        :meth:`on_idle` (cscore.engine.Engine). An engine that does not take layer facts
        gets plain dicts."""
        first = self.first_facts()
        on_action: OnAction = self.on_action
        on_idle: OnIdle = self.on_idle
        if not getattr(engine, "encoded_facts", False):
            first = plain_facts(first) or []
            on_action, on_idle = _as_plain(self.on_action), _as_plain(self.on_idle)
        if settles_when_idle:
            return engine.run(first, on_action, on_idle)
        return engine.run(first, on_action)

    def first_facts(self) -> list[Fact]:
        return self.layer_facts(0)

    def layer_facts(self, layer: int) -> list[Fact]:
        facts: list[Fact] = []
        for tag, names in self.ruleset.layer_tags[layer]:  # (one, unless a layer is split)
            facts.append(LayerFact(self.shared, tag, names))
        return facts

    def on_action(self, name: str) -> list[Fact] | None:
        rule = self.ruleset.by_engine_name.get(name)
        if rule is not None:
            self.fire(rule)
            return None
        return self.settle_layer(int(name[1:]))  # "s3": layer 3 is complete

    def on_idle(self) -> list[Fact] | None:
        """No rule action is left: the layer last asserted is complete. Settle it; the
        next layer's facts (None: the evaluation is done)."""
        layer = self.layer
        if layer >= self.ruleset.layer_count:
            return None
        return self.settle_layer(layer)

    # firing and settling -------------------------------------------------------

    def fire(self, rule: CompiledRule) -> None:
        computed: dict[str, Any] = {}
        candidates, values, ctx = self.candidates, self.values, self.ctx
        ruleset = self.ruleset
        settles_in, due, on_firing = ruleset.settles_in, self.due, ruleset.settled_on_firing
        for item in rule.sets:
            try:
                value = item.evaluate(values, ctx)
            except MissingValue as missing:
                if missing.name in self.ruleset.fact_types or (
                    missing.name.split(".")[0] in self.ruleset.fact_types
                ):
                    # needs_info: the rule needs a fact the host did not send.
                    unavailable = Unavailable(missing.name)
                    if item.key not in candidates:
                        self._note_due(item.key)
                    candidates.setdefault(item.key, []).append(Candidate(rule, unavailable))
                    continue
                raise RuleEvaluationError(
                    f"{item.key}: '{missing.name}' has no value in this case; guard the rule "
                    f"with `{missing.name} != null` or write default({missing.name}, …)",
                    rule.id,
                    str(item.where),
                ) from None
            except (ArithmeticError, ValueError, TypeError, OverflowError) as exc:
                raise RuleEvaluationError(f"{item.key}: {exc}", rule.id, str(item.where)) from exc
            computed[item.key] = value
            if item.key in on_firing:  # this rule's value is the key's: settled now
                engine_name = on_firing[item.key]
                values[item.key] = value
                self.winners[item.key] = ruleset.sole_winner[rule.order]
                if engine_name is not None and value is not None:
                    self.shared.set(
                        engine_name, value if type(value) in SAME_IN_ENGINE else to_engine(value)
                    )
                continue
            found = candidates.get(item.key)
            if found is None:
                candidates[item.key] = [_NEW_TUPLE(Candidate, (rule, value))]
                # due in the layer that settles it (_note_due, written out: it runs for
                # most values a rule sets)
                pending = due.get(settles_in[item.key])
                if pending is None:
                    due[settles_in[item.key]] = [item.key]
                else:
                    pending.append(item.key)
            else:
                found.append(_NEW_TUPLE(Candidate, (rule, value)))
        self.firings.append(Firing(rule, computed))

    def _note_due(self, key: str) -> None:
        layer = self.ruleset.settles_in[key]
        due = self.due.get(layer)
        if due is None:
            self.due[layer] = [key]
        else:
            due.append(key)

    def settle_layer(self, layer: int) -> list[Fact] | None:
        ruleset = self.ruleset
        self.layer = layer + 1  # settled: the next is the one asserted now, if any
        beaten: dict[frozenset[str] | None, set[int]] = {}
        if layer in ruleset.grouped_layers:
            beaten = self.beaten_rows(ruleset.layer_groups[layer])
            self.settled.update(ruleset.settle.get(layer, ()))
        elif ruleset.groups:
            self.settled.update(ruleset.settle.get(layer, ()))
        # Runs once per layer of every case: what each key needs is prepared per rule
        # set (settle_plan), names are bound locally. The keys to settle are those rules
        # of this evaluation set that settle in this layer, and the layer's keys with a
        # default (no rule having set them).
        values, all_candidates, winners = self.values, self.candidates, self.winners
        shared, plan, sole = self.shared, ruleset.settle_plan, ruleset.sole_winner
        due = self.due.pop(layer, [])
        for key in ruleset.defaults_at.get(layer, ()):
            if key not in all_candidates and key not in winners:  # (winners: set on firing)
                due.append(key)
        for key in due:
            hit, default, engine_name, group = plan[key]
            candidates = all_candidates.get(key)
            if candidates is not None and beaten:
                lost = beaten.get(group)
                if lost:
                    candidates = [c for c in candidates if c.rule.order not in lost]
                    if not candidates:  # every rule that set it lost its row to another
                        winners[key] = set()
                        candidates = None
            if candidates is None:  # no rule (left) set it: its default, if it has one
                if default is NO_DEFAULT:
                    continue
                value = values[key] = default
            elif len(candidates) == 1 and hit != "collect":  # one rule decided
                only = candidates[0]
                value = only.value
                winners[key] = sole[only.rule.order]
                if type(value) is Unavailable:
                    self.missing.append(value.fact)
                    continue
                values[key] = value
            else:
                settled = settle(key, hit, candidates)
                winners[key] = {rule.order for rule in settled.winners}
                needed = _unavailable(settled.value)
                if needed:
                    self.missing.extend(needed)
                    continue
                value = values[key] = settled.value
            if engine_name is not None and value is not None:  # only what conditions read
                shared.set(
                    engine_name, value if type(value) in SAME_IN_ENGINE else to_engine(value)
                )
        if values.get("invalid_fields") or values.get("missing_fields") or self.missing:
            self.stopped = True  # never decide on missing or impossible facts
            return None
        if layer + 1 < ruleset.layer_count:
            return self.layer_facts(layer + 1)
        return None

    def beaten_rows(
        self, groups: tuple[tuple[frozenset[str], str], ...]
    ) -> dict[frozenset[str] | None, set[int]]:
        """Rules that lost a key of a row group to another rule: they lose every key of
        that group (the winner's row is taken whole), also those settled in a later
        layer. Rules are taken in the order of their hit policy; each keeps its row
        unless a rule already kept set one of its open keys to another value (rules that
        agree do not beat each other). A rule of a later layer, which read the values
        settled so far, competes for the keys still open. ``groups``: the row groups
        this layer settles a key of, with the hit policy of the first such key."""
        for group, hit in groups:
            lost = self.lost.get(group)
            if lost is None:
                lost = self.lost[group] = set()
            rows: dict[int, dict[str, Any]] = {}
            rules: dict[int, CompiledRule] = {}
            for member in group:
                if member in self.settled:
                    continue
                for candidate in self.candidates.get(member, ()):
                    if candidate.rule.order in lost:
                        continue
                    rules[candidate.rule.order] = candidate.rule
                    rows.setdefault(candidate.rule.order, {})[member] = candidate.value
            if len(rules) < 2:
                continue
            if hit == "priority":
                ranked = sorted(rules.values(), key=lambda r: (-r.priority, r.order))
            else:
                ranked = sorted(rules.values(), key=lambda r: r.order)
            kept: dict[str, Any] = {}
            for rule in ranked:
                row = rows[rule.order]
                if any(k in kept and kept[k] != v for k, v in row.items()):
                    lost.add(rule.order)
                else:
                    for k, v in row.items():
                        kept.setdefault(k, v)
        return self.lost

    def result(self) -> Result:
        self.firings.sort(key=_IN_RULE_ORDER)
        invalid = self.values.get("invalid_fields") or []
        missing = sorted({*(self.values.get("missing_fields") or []), *self.missing})
        if invalid:
            outcome: dict[str, Any] = {
                "decision": INVALID_INPUT,
                "invalid_fields": sorted(set(invalid)),
            }
        elif missing:
            outcome = {"decision": NEEDS_INFO, "missing_fields": missing}
        else:
            values = self.values
            outcome = {}
            for key in self.ruleset.decided_outputs:
                value = values.get(key)
                if value is not None:
                    outcome[key] = value
        return Result(outcome, self.firings, self.values, self.winners)
