"""The explanation of one decision (the ``explanation`` key of the JSON decision;
docs/decision.md): per kind, the rule that decided each outcome field and the values
it read, the customer messages of those rules, and for a limited outcome the nearest
rules that would have decided otherwise, what of theirs failed and what would change it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cscore.explain.conditions import ConditionReader, conjuncts, read_values
from cscore.jsonvalues import to_json
from cscore.language.ast import Compare, Literal, Name, Node, names_in, render
from cscore.language.functions import EvalContext, FunctionSpec
from cscore.language.interpreter import MISSING, Interpreter
from cscore.models.outcomes import INVALID_INPUT, NEEDS_INFO
from cscore.rulebook.compiled import CompiledRule, CompiledRuleset
from cscore.rulebook.consequence import candidate_values, reach_of
from cscore.rulebook.messages import render_message
from cscore.rulebook.run import Result

# Outcome values that limit what the customer gets, by field: words of the shared
# outcome vocabulary (CATALOG §7), the same in every industry. "Why not" is asked only
# for these; a "better" rule sets the field to anything not listed here.
LIMITED: dict[str, frozenset[Any]] = {
    "decision": frozenset({"reject", NEEDS_INFO, INVALID_INPUT}),
    "charge": frozenset({"paid"}),
    "covered": frozenset({False}),
    "breached": frozenset({True}),
}
NEAREST = 3  # rules shown per limited field
NESTED = 2  # rules shown for a derived value a failed part needed
CHAIN_DEPTH = 3  # how far the supporting chain of a deciding rule is followed
MISSING_FACTS = 2  # needs_info: how many missing facts are tried
CANDIDATES = 6  # needs_info: values tried per fact

# (kind, {fact: value}) -> the JSON outcome of that kind with those facts added
Rerun = Callable[[str, Mapping[str, Any]], dict[str, Any]]


@dataclass
class KindResult:
    kind: str
    ruleset: CompiledRuleset
    result: Result
    outcome: dict[str, Any]  # as the decision shows it


def explain_decision(
    kinds: list[KindResult],
    functions: Mapping[str, FunctionSpec],
    ctx: EvalContext,
    rerun: Rerun | None = None,
) -> dict[str, Any]:
    explained: dict[str, Any] = {}
    messages: list[dict[str, str]] = []
    for part in kinds:
        one = _KindExplainer(part, functions, ctx, rerun).explain()
        explained[part.kind] = one
        messages.extend({"kind": part.kind, **m} for m in one["messages"])
    return {"messages": messages, "kinds": explained}


def ref(rule: CompiledRule) -> dict[str, Any]:
    return {"rule": rule.id, "key": rule.key, "name": rule.name, "source": str(rule.where)}


class _KindExplainer:
    def __init__(
        self,
        part: KindResult,
        functions: Mapping[str, FunctionSpec],
        ctx: EvalContext,
        rerun: Rerun | None,
    ) -> None:
        self.part = part
        self.ruleset = part.ruleset
        self.result = part.result
        self.values = part.result.values
        self.ctx = ctx
        self.functions = functions
        self.rerun = rerun
        self.by_order = {rule.order: rule for rule in self.ruleset.rules}
        self.reader = ConditionReader(
            Interpreter(functions, ctx),
            self.values,
            self.ruleset.fact_types,
            self.ruleset.key_types,
        )

    def explain(self) -> dict[str, Any]:
        outcome = self.part.outcome
        deciding = {key: self.deciding(key) for key in outcome}
        found: dict[str, Any] = {"deciding": deciding, "messages": self.messages(deciding)}
        decision = outcome.get("decision")
        if decision == NEEDS_INFO:
            found["if_given"] = self.if_given(outcome.get("missing_fields") or [])
        elif decision != INVALID_INPUT:
            why = [
                self.why_not(key, value) for key, value in outcome.items() if _limited(key, value)
            ]
            if why:
                found["why_not"] = why
        return found

    # the deciding rule of each field -------------------------------------------

    def winners(self, key: str) -> list[CompiledRule]:
        orders = self.result.winners.get(key) or set()
        if (
            not orders
            and key == "decision"
            and self.part.outcome.get("decision")
            in (
                NEEDS_INFO,
                INVALID_INPUT,
            )
        ):  # the data rules decided it
            field = (
                "missing_fields"
                if self.part.outcome["decision"] == NEEDS_INFO
                else ("invalid_fields")
            )
            orders = self.result.winners.get(field) or set()
        return sorted((self.by_order[o] for o in orders), key=lambda r: (r.layer, r.order))

    def deciding(self, key: str) -> dict[str, Any]:
        rules = self.winners(key)
        entry: dict[str, Any] = {"rules": [ref(rule) for rule in rules]}
        if not rules:
            spec = self.ruleset.keys.get(key)
            entry["default"] = str(spec.where) if spec is not None else None
        chosen = {rule.order for rule in rules}
        beat = [
            firing.rule.key
            for firing in self.result.firings
            if key in firing.values and firing.rule.order not in chosen
        ]
        if beat:
            entry["beat"] = beat
        supports: list[dict[str, Any]] = []
        seen: set[str] = {key}
        for rule in rules:
            self.chain(rule, 1, seen, supports)
        if supports:
            entry["supports"] = supports
        return entry

    def chain(self, rule: CompiledRule, depth: int, seen: set[str], out: list[Any]) -> None:
        """The derived values a rule read, and the rules that set them (depth first)."""
        if depth > CHAIN_DEPTH:
            return
        for name in sorted(rule.reads):
            if name in seen:
                continue
            seen.add(name)
            setters = [self.by_order[o] for o in sorted(self.result.winners.get(name) or ())]
            value = self.values.get(name)
            if not setters and value is None:
                continue  # never set for this case: it supported nothing
            out.append(
                {
                    "value": name,
                    "is": to_json(value),
                    "rules": [ref(setter) for setter in setters],
                    "depth": depth,
                }
            )
            for setter in setters:
                self.chain(setter, depth + 1, seen, out)

    def messages(self, deciding: Mapping[str, Any]) -> list[dict[str, str]]:
        keys = {r["key"] for entry in deciding.values() for r in entry["rules"]}
        rules = sorted(
            (rule for rule in self.ruleset.rules if rule.key in keys and rule.message),
            key=lambda r: (r.layer, r.order),
        )
        constants = {name: spec.value for name, spec in self.ruleset.constants.items()}
        return [
            {
                "rule": rule.key,
                "text": render_message(
                    rule.message or "", self.values, constants, self.ruleset.money
                ),
            }
            for rule in rules
        ]

    # why not -------------------------------------------------------------------

    def would_set(self, rule: CompiledRule, key: str) -> Any:
        for item in rule.sets:
            if item.key == key:
                if isinstance(item.expression, Literal):
                    return item.expression.value
                try:
                    return item.evaluate(self.values, self.ctx)
                except Exception:  # a value this case cannot compute: unknown
                    return MISSING
        return MISSING

    def alternatives(
        self, key: str, accept: Callable[[Any], bool], limit: int
    ) -> list[tuple[CompiledRule, Any, list[Node]]]:
        """Rules that would set ``key`` to a value ``accept`` takes, nearest first: by
        how many parts of their condition failed, then priority."""
        deciding = self.winners(key)
        chosen = {rule.order for rule in deciding}
        # "Nearest": fewest failed parts, then most about what the deciding rule read.
        read = {n for rule in deciding if rule.condition for n in names_in(rule.condition)}
        found = []
        for rule in self.ruleset.rules:
            if rule.role != "rule" or rule.order in chosen:
                continue
            value = self.would_set(rule, key)
            if value is MISSING and not any(item.key == key for item in rule.sets):
                continue
            if value is not MISSING and not accept(value):
                continue
            found.append((rule, value, self.reader.failed(rule.condition)))
        found.sort(
            key=lambda f: (
                len(f[2]),
                -len(read & (names_in(f[0].condition) if f[0].condition else set())),
                -f[0].priority,
                f[0].order,
            )
        )
        return found[:limit]

    def why_not(self, key: str, settled: Any) -> dict[str, Any]:
        limited = LIMITED.get(key, frozenset())

        def better(value: Any) -> bool:
            json_value = to_json(value)
            return json_value != settled and json_value not in limited

        nearest = self.alternatives(key, better, NEAREST)
        entry: dict[str, Any] = {
            "key": key,
            "value": settled,
            "rules": [self.alternative(key, *found, nested=True) for found in nearest],
        }
        if not nearest or not nearest[0][2]:  # nothing failed: the deciding rule is the bar
            entry["against"] = [self.against(rule) for rule in self.winners(key)]
        return entry

    def alternative(
        self, key: str, rule: CompiledRule, value: Any, failed: list[Node], nested: bool
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            **ref(rule),
            "would_set": {key: None if value is MISSING else to_json(value)},
            "failed": [self.failed_part(part, nested) for part in failed],
        }
        if not failed:
            entry["beaten_by"] = [r.key for r in self.winners(key)]
        return entry

    def failed_part(self, part: Node, nested: bool) -> dict[str, Any]:
        change = self.reader.change(part)
        found: dict[str, Any] = {
            "condition": render(part),
            "actual": self.reader.actual(part),
            "values": read_values(part, self.values),
            "change": None if change is None else change.as_json(self.reader.now(change.name)),
        }
        if nested:
            via = self.via(part)
            if via:
                found["via"] = via
        return found

    def via(self, part: Node) -> list[dict[str, Any]]:
        """A failed part that needs a derived value (``covered == true``): the nearest
        rules that would have set that value so."""
        if not isinstance(part, Compare) or part.op not in ("==", "in"):
            return []
        if not isinstance(part.left, Name) or part.left.path not in self.ruleset.keys:
            return []
        name = part.left.path

        def satisfies(value: Any) -> bool:
            return self.reader.interpreter.condition(part, {**self.values, name: value})

        return [
            self.alternative(name, *found, nested=False)
            for found in self.alternatives(name, satisfies, NESTED)
        ]

    def against(self, rule: CompiledRule) -> dict[str, Any]:
        """The parts of a deciding rule's condition that held, and what would undo each."""
        holds = []
        for part in conjuncts(rule.condition):
            change = self.reader.change(part, make=False)
            holds.append(
                {
                    "condition": render(part),
                    "values": read_values(part, self.values),
                    "change": None
                    if change is None
                    else change.as_json(self.reader.now(change.name)),
                }
            )
        return {**ref(rule), "holds": holds}

    # needs_info ----------------------------------------------------------------

    def if_given(self, missing: list[str]) -> list[dict[str, Any]]:
        """For each missing fact, what the kind would decide with each of its likely
        values (booleans, enumerated values, or the boundaries rules compare it with),
        the other facts as sent."""
        if self.rerun is None:
            return []
        found = []
        for fact in missing[:MISSING_FACTS]:
            outcomes = [
                {"value": to_json(value), "outcome": self.rerun(self.part.kind, {fact: value})}
                for value in self.candidates(fact)
            ]
            found.append({"fact": fact, "outcomes": outcomes})
        return found

    def candidates(self, fact: str) -> list[Any]:
        """The values needs_info by consequence tries (booleans, the enumeration's words,
        each boundary a condition compares the fact with and its neighbours on both
        sides: `amount >= 100` → 99.99, 100, 100.01)."""
        t = self.ruleset.fact_types.get(fact)
        if t is None:
            return []
        reach = reach_of(self.ruleset, self.functions)
        return candidate_values(fact, t, reach, self.values, self.reader.interpreter)[:CANDIDATES]


def _limited(key: str, value: Any) -> bool:
    return key in LIMITED and value in LIMITED[key] and value not in (NEEDS_INFO, INVALID_INPUT)
