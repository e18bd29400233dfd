"""needs_info by consequence: ask for a missing fact only when its value matters.

DESIGN §2.4 / CATALOG §12.1: a missing fact whose possible values would lead to
different outcomes is asked for (``needs_info``, ``missing_fields`` sorted, every such
fact); one that cannot change the outcome is not. Rule files still state explicit
demands with ``requires``; this module finds the rest without per-rule lists.

After a kind has been evaluated (and decided: not already needs_info/invalid_input):

1. *Candidates*: facts a rule condition of the set reads that the host sends (the
   facts model's fields, nested records only when the record itself is present), that
   are absent from the case and whose absence has no declared meaning
   (:mod:`cscore.models.absent`).
2. *Could it matter?* — no engine run. The rules reading the fact are re-read in
   three-valued logic, the fact unknown and everything else as this evaluation settled
   it; a rule that may act differently makes the values it sets unknown too, and so on.
   If no rule deciding a reported field (or asking, or refusing) may act differently,
   no value of the fact changes anything: it is not asked. Most cases stop here, so a
   case that misses nothing relevant costs no re-evaluation. The walk reads the case
   only through its memo of observations, so it is kept by what it observed
   (:mod:`cscore.rulebook.walkmemo`): a case that observes what an earlier one with the
   same absent facts did gets that answer without the walk.
3. *Does it matter?* — for the rest, the case is evaluated
   again with each candidate value (booleans, enumeration values, the boundary values
   the conditions compare the fact with: ``c - step``, ``c``, ``c + step``; at most
   :data:`MAX_VALUES`). A fact is missing when the outcome decided without it is wrong
   for one of its values (:func:`contradicts`); what each value would decide is
   told by the trace and the explanation (not in the outcome: a needs_info has no
   other fields, COMMON-DATA-001). Facts beyond :data:`MAX_FACTS` that could matter
   are asked for without probing (never guessed).

Facts are probed one at a time with the others as they are (no search over
combinations, no recursion): once the host answers, the next evaluation asks again if
another fact then matters. Derived facts a plugin computes are not recomputed for a
probe (they derive from lists, which are never probed).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cscore.jsonvalues import to_json
from cscore.language.ast import (
    BoolOp,
    Call,
    Compare,
    ListExpr,
    Literal,
    Name,
    Node,
    Unary,
    names_in,
    walk,
)
from cscore.language.functions import EvalContext, FunctionSpec
from cscore.language.interpreter import MISSING, Interpreter, compile_predicate, lookup
from cscore.language.types import Type
from cscore.models.absent import Absent
from cscore.models.decision import TraceEntry
from cscore.models.outcomes import INVALID_INPUT, NEEDS_INFO
from cscore.rulebook.compiled import CompiledRule, CompiledRuleset
from cscore.rulebook.walkmemo import Recording, WalkMemo

MAX_FACTS = 12  # facts re-evaluated per kind at most (the rest are asked for unprobed)
MAX_VALUES = 8  # candidate values per fact at most

# How long before now an event of unknown date is tried (days): same day, the next,
# a working week, a fortnight and a half, a month, a year and more.
PAST_DAYS = (0, 1, 3, 7, 16, 31, 400)

# A value no rule names: stands for "any other text" of a free-text fact.
OTHER = "\u2039other\u203a"

Rerun = Callable[[Mapping[str, Any]], dict[str, Any]]  # facts -> JSON outcome


@dataclass
class Asked:
    """Facts found missing by consequence, and what each of their values would decide."""

    missing: list[str]
    would_decide: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def outcome(self) -> dict[str, Any]:
        """The needs_info outcome: no other fields (CATALOG COMMON-DATA-001); what each
        value would decide is told by the trace and the explanation (``if_given``)."""
        return {"decision": NEEDS_INFO, "missing_fields": self.missing}


class Reach:
    """What each rule of one rule set reads (in its condition, in its values) and which
    rules decide a reported field (or ask, or refuse); computed once per rule set."""

    def __init__(self, ruleset: CompiledRuleset, functions: Mapping[str, FunctionSpec]) -> None:
        self.ruleset = ruleset
        self.functions = functions
        self.reads: list[tuple[CompiledRule, frozenset[str], frozenset[str]]] = []
        self.keys: dict[int, frozenset[str]] = {}  # rule order -> the keys it sets
        # rule order -> its condition's three-valued reading (None: no condition), made
        # when first read (a needs_info case reads a few: the CLI's one case pays less)
        self._tri: dict[int, Tri | None] = {}
        self._leaves: dict[int, LeafSpec] = {}  # every leaf of those, by its key in a memo
        self._steps: list[Step] | None = None
        self._walks = WalkMemo(self._observer)  # could_matter's walks, by what they read
        self.readers: dict[str, list[int]] = {}  # name -> the rules (in self.reads) reading it
        for rule in ruleset.rules:
            in_condition = frozenset(names_in(rule.condition)) if rule.condition else frozenset()
            in_sets = frozenset(n for item in rule.sets for n in names_in(item.expression))
            self.reads.append((rule, in_condition, in_sets))
            self.keys[rule.order] = frozenset(item.key for item in rule.sets)
            for name in in_condition | in_sets:
                self.readers.setdefault(name, []).append(len(self.reads) - 1)
        self.condition_names = frozenset(n for _, cond, _ in self.reads for n in cond)
        reported = {key for key, spec in ruleset.keys.items() if spec.report}
        reported |= {"missing_fields", "invalid_fields"}
        self.deciding = frozenset(
            rule.order for rule in ruleset.rules if any(i.key in reported for i in rule.sets)
        )
        self._askable: tuple[Mapping[str, Absent | None], tuple[str, ...]] | None = None
        # Facts an evaluation can miss (needs_info), each with the rules (in self.reads)
        # that would: a `requires` naming it (a rule setting missing_fields to the name),
        # or a rule whose values cannot do without it.
        self.demanders: dict[str, list[int]] = {}
        for index, (rule, _cond, _sets) in enumerate(self.reads):
            named = {
                item.expression.value
                for item in rule.sets
                if item.key == "missing_fields" and isinstance(item.expression, Literal)
            }
            named |= {n for item in rule.sets for n in required_names(item.expression)}
            for name in named:
                if name in ruleset.fact_types:
                    self.demanders.setdefault(name, []).append(index)
        self.all_keys = frozenset(key for keys in self.keys.values() for key in keys)

    def reading(self, index: int) -> Tri | None:
        """The three-valued reading of rule ``index`` (in :attr:`reads`); None: it has
        no condition."""
        rule = self.reads[index][0]
        if rule.order not in self._tri:
            self._tri[rule.order] = (
                None
                if rule.condition is None
                else compile_tri(rule.condition, self.functions, self._leaves)
            )
        return self._tri[rule.order]

    def relevant(self, absent: list[str], values: Mapping[str, Any], ctx: EvalContext) -> list[str]:
        """The facts of ``absent`` that :func:`could_matter`, in their order. A case that
        observes what an earlier case with the same absent facts did gets that case's
        answer without the walk (:mod:`cscore.rulebook.walkmemo`)."""
        start = tuple(absent)
        kept, found = self._walks.answer(start, values, ctx)
        if kept:
            return list(found)
        known = Recording()
        relevant = [name for name in absent if could_matter(self, name, values, ctx, known)]
        self._walks.keep(start, known, tuple(relevant))
        return relevant

    def _observer(self, key: Hashable) -> Callable[[Mapping[str, Any], EvalContext], Any]:
        """How the walk made the observation under ``key`` in its memo (see _junction)."""
        if type(key) is tuple:  # (a leaf, the unknown names): does another name lack a value
            leaf, unknown = key
            others = tuple(self._leaves[leaf][0] - unknown)

            return functools.partial(_lacks_any, others)  # (no Python frame of its own)
        assert type(key) is int  # a leaf's key: its node's id
        return functools.partial(_read_leaf, self._leaves[key][1])

    @property
    def steps(self) -> list[Step]:
        """What the walk of could_matter needs of each rule, in one tuple: the keys it
        sets, its three-valued reading, what its values read, whether it decides."""
        if self._steps is None:
            self._steps = [
                (self.keys[rule.order], self.reading(index), sets, rule.order in self.deciding)
                for index, (rule, _cond, sets) in enumerate(self.reads)
            ]
        return self._steps

    def askable(self, host: Mapping[str, Absent | None]) -> tuple[str, ...]:
        """The facts conditions read that the host sends and whose absence has no
        declared meaning, sorted (``host``: :func:`cscore.models.absent.host_facts`,
        the same mapping for every case of an industry)."""
        if self._askable is None or self._askable[0] is not host:
            names = tuple(
                name
                for name in sorted(self.condition_names)
                if name in host and host[name] is None and name in self.ruleset.fact_types
            )
            self._askable = (host, names)
        return self._askable[1]


def required_names(node: Node) -> set[str]:
    """The names an expression cannot be computed without: those only in the first
    argument of ``default()`` may be missing."""
    found: set[str] = set()
    for current in walk(node, skip=_is_default):
        if isinstance(current, Name):
            found.add(current.path)
        elif _is_default(current):
            assert isinstance(current, Call)
            for argument in current.args[1:]:
                found |= required_names(argument)
    return found


def _is_default(node: Node) -> bool:
    return isinstance(node, Call) and node.name == "default"


_REACH: dict[str, Reach] = {}  # by rule set version (a content hash)


def reach_of(ruleset: CompiledRuleset, functions: Mapping[str, FunctionSpec]) -> Reach:
    found = _REACH.get(ruleset.version)
    if found is None or found.ruleset is not ruleset or found.functions is not functions:
        if len(_REACH) > 256:  # reloads make new versions; old ones are dropped
            _REACH.clear()
        found = _REACH[ruleset.version] = Reach(ruleset, functions)
    return found


# -- three-valued reading of a condition -------------------------------------------------


# What a three-valued reading is given: the unknown names, the case's values, the
# case's memo of conditions that read no unknown name, and the evaluation context.
Known = dict[Hashable, "bool | None"]
Tri = Callable[[frozenset[str], Mapping[str, Any], Known, EvalContext], "bool | None"]
# A rule as could_matter walks it: the keys it sets, its reading, what its values read,
# whether it decides a reported field.
Step = tuple[frozenset[str], "Tri | None", frozenset[str], bool]


def compile_tri(
    node: Node, functions: Mapping[str, FunctionSpec], leaves: dict[int, LeafSpec] | None = None
) -> Tri:
    """The condition read in three-valued logic, as closures built once per rule set:
    the reading returns True/False if the condition has that value whatever the
    unknown names are, None if it depends on them. ``known`` remembers, for one case,
    what the nodes that read no unknown name came to (their value does not depend on
    which fact is probed, and the same guards — the request type, the category — are
    read for every fact asked about). ``leaves``: gets each leaf's spec by its key in
    ``known``."""
    if leaves is None:
        leaves = {}
    if isinstance(node, BoolOp):
        # Short-circuit as the rules do: one false operand decides an `and`, one true
        # operand an `or`, whatever the others are (so the order they are read in does
        # not change the reading).
        specs = tuple(_leaf_spec(op, functions, leaves) for op in node.operands if _is_leaf(op))
        parts = tuple(
            compile_tri(op, functions, leaves) for op in node.operands if not _is_leaf(op)
        )
        return _junction(node.op != "and", specs, parts)
    if isinstance(node, Unary) and node.op == "not":
        inner = compile_tri(node.operand, functions, leaves)

        def negated(
            unknown: frozenset[str], values: Mapping[str, Any], known: Known, ctx: EvalContext
        ) -> bool | None:
            found = inner(unknown, values, known, ctx)
            return None if found is None else not found

        return negated
    if isinstance(node, Literal):
        constant = bool(node.value)
        return lambda unknown, values, known, ctx: constant
    return _junction(False, (_leaf_spec(node, functions, leaves),), ())


# A leaf's reading, prepared once: the names it reads, its compiled predicate, its key
# in the case's memo, whether a missing other name decides it, and what it then is.
LeafSpec = tuple[frozenset[str], Callable[[Mapping[str, Any], EvalContext], bool], int, bool, bool]


def _is_leaf(node: Node) -> bool:
    return not isinstance(node, BoolOp | Literal) and not (
        isinstance(node, Unary) and node.op == "not"
    )


def _leaf_spec(
    node: Node, functions: Mapping[str, FunctionSpec], leaves: dict[int, LeafSpec]
) -> LeafSpec:
    names = frozenset(names_in(node))
    holds = compile_predicate(node, functions)
    key = id(node)  # the rule set keeps its nodes alive
    # A comparison one of whose other names has no value is decided without the unknown
    # one: false (`!=`/`not in`: true), as the compiled rules read it. Not so for a
    # test against null, or one that calls a function (it may supply a default).
    sided = (
        isinstance(node, Compare)
        and not any(isinstance(n, Call) for n in walk(node))
        and not (isinstance(node.right, Literal) and node.right.value is None)
    )
    absent_means = isinstance(node, Compare) and node.op in ("!=", "not in")
    spec = leaves[key] = (names, holds, key, sided, absent_means)
    return spec


def _junction(deciding: bool, leaves: tuple[LeafSpec, ...], parts: tuple[Tri, ...]) -> Tri:
    """An `or` (``deciding`` True) or `and` of leaves and other readings. The leaves are
    read in this loop, not through a closure each (the walk reads some twenty a case);
    a lone leaf is an `and` of one. What it reads of the case goes through ``known``,
    each observation once (cscore.rulebook.walkmemo replays them): a leaf's value under
    its key, whether one of its other names lacks a value under (key, unknown)."""
    decided: bool | None = deciding  # what a deciding operand makes of the whole

    def either(
        unknown: frozenset[str], values: Mapping[str, Any], known: Known, ctx: EvalContext
    ) -> bool | None:
        open_ = False
        found: Any  # a reading, or _UNSEEN in the memo
        for names, holds, key, sided, absent_means in leaves:
            if names.isdisjoint(unknown):
                found = known.get(key, _UNSEEN)
                if found is _UNSEEN:
                    found = known[key] = _read_leaf(holds, values, ctx)
            elif sided:
                lacking = known.get((key, unknown), _UNSEEN)
                if lacking is _UNSEEN:
                    lacking = known[(key, unknown)] = _lacks_any(names - unknown, values)
                if not lacking:
                    open_ = True
                    continue
                found = absent_means
            else:
                open_ = True
                continue
            if found is deciding:
                return decided
            if found is None:
                open_ = True
        for part in parts:
            found = part(unknown, values, known, ctx)
            if found is deciding:
                return decided
            if found is None:
                open_ = True
        return None if open_ else not deciding

    return either


_UNSEEN = object()


# The two observations a walk makes of a case (the memo keeps them; walkmemo replays them).


def _read_leaf(
    holds: Callable[[Mapping[str, Any], EvalContext], bool],
    values: Mapping[str, Any],
    ctx: EvalContext,
) -> bool | None:
    """A leaf's value, None if it cannot be read now (it may go either way)."""
    try:
        return holds(values, ctx)
    except Exception:
        return None


def _lacks_any(names: Iterable[str], values: Mapping[str, Any], ctx: Any = None) -> bool:
    """Whether one of the names has no value (a loop: any() over a generator costs a
    frame more)."""
    for name in names:
        if lookup(values, name) is MISSING:
            return True
    return False


def could_matter(
    reach: Reach,
    fact: str,
    values: Mapping[str, Any],
    ctx: EvalContext,
    known: Known | None = None,
) -> bool:
    """Whether some value of ``fact`` could change what a deciding rule does. The names
    that depend on the fact grow from it through the rules that may act differently
    (their condition depends on those names, or they compute from them); a rule that is
    certainly false in this case, whatever the fact, passes nothing on. ``known``: the
    case's memo of conditions that read no unknown name (see :func:`compile_tri`), shared by
    the calls for one case."""
    if known is None:
        known = {}
    unknown = {fact}
    frozen = frozenset(unknown)
    touched: Any = reach.readers.get(fact, ())  # in rule order, as below
    steps = reach.steps
    while True:
        grew = False
        # Only rules that read one of the unknown names can act differently.
        for index in touched:
            keys, reading, sets, deciding = steps[index]
            if keys <= unknown:
                continue
            certain = True if reading is None else reading(frozen, values, known, ctx)
            if certain is None or (certain and sets & unknown):
                if deciding:
                    return True
                unknown |= keys
                grew = True
        if not grew:
            return False
        frozen = frozenset(unknown)
        touched = sorted({i for name in frozen for i in reach.readers.get(name, ())})


# -- candidate values ----------------------------------------------------------------------


def _step(t: Type) -> Any:
    if t.name == "integer":
        return 1
    if t.name in ("money", "number"):
        return 0.01
    if t.name == "date":
        return dt.timedelta(days=1)
    if t.name == "datetime":
        return dt.timedelta(seconds=1)
    return None


def candidate_values(
    fact: str, t: Type, reach: Reach, values: Mapping[str, Any], interp: Interpreter
) -> list[Any]:
    """The values worth trying for ``fact``: each boolean or enumeration value, else the
    values the conditions compare it with and their neighbours."""
    if t.name == "bool":
        return [True, False]
    named: list[Any] = []
    for rule, cond, _sets in reach.reads:
        if rule.condition is None or fact not in cond:
            continue
        for node in walk(rule.condition):
            if isinstance(node, Compare):
                named.extend(_compared(fact, node, values, interp))
    if t.name == "string":
        if t.values is not None:
            listed = sorted(t.values)
            if len(listed) <= MAX_VALUES:
                return list(listed)
            mentioned = [v for v in dict.fromkeys(named) if v in t.values]
            others = [v for v in listed if v not in mentioned]
            return [*mentioned, *others[:1]][:MAX_VALUES]
        texts = [v for v in dict.fromkeys(named) if isinstance(v, str)]
        return [*texts, OTHER][:MAX_VALUES]
    step = _step(t)
    if step is None:
        return []
    found: list[Any] = []
    for value in dict.fromkeys(v for v in named if v is not None and not isinstance(v, bool)):
        for candidate in (value - step, value, value + step):
            if t.name in ("money", "integer") and candidate < 0:
                continue
            if isinstance(candidate, float):
                candidate = round(candidate, 2)
            if candidate not in found:
                found.append(candidate)
    if not found:  # only tested for presence: its value counts through what it computes
        found = past_dates(t, values)
        if not found and t.name in ("money", "number", "integer"):
            found = [0, 1]
    return found[:MAX_VALUES]


def past_dates(t: Type, values: Mapping[str, Any]) -> list[Any]:
    """For a date or timestamp fact: an event some time before now, spread over the
    spans rules count in (deadlines computed from it may or may not have passed)."""
    now = values.get("as_of")
    if not isinstance(now, dt.datetime) or t.name not in ("date", "datetime"):
        return []
    base = now if t.name == "datetime" else now.date()
    return [base - dt.timedelta(days=days) for days in PAST_DAYS]


def _compared(
    fact: str, node: Compare, values: Mapping[str, Any], interp: Interpreter
) -> list[Any]:
    for this, other in ((node.left, node.right), (node.right, node.left)):
        if not (isinstance(this, Name) and this.path == fact):
            continue
        if isinstance(other, ListExpr):
            return [item.value for item in other.items if isinstance(item, Literal)]
        if isinstance(other, Literal):
            return [other.value]
        if fact in names_in(other):
            return []
        try:
            found = interp.value(other, values)
        except Exception:
            return []
        return found if isinstance(found, list) else [found]
    return []


# -- the check -----------------------------------------------------------------------------


def with_value(facts: Mapping[str, Any], fact: str, value: Any) -> dict[str, Any]:
    probe = dict(facts)
    if "." not in fact:
        probe[fact] = value
        return probe
    root, rest = fact.split(".", 1)
    inner = probe.get(root)
    inner = dict(inner) if isinstance(inner, Mapping) else {}
    probe[root] = with_value(inner, rest, value)
    return probe


def candidates(
    reach: Reach, facts: Mapping[str, Any], host: Mapping[str, Absent | None]
) -> list[str]:
    """Facts the conditions read that the host could send, did not, and whose absence
    means nothing by declaration."""
    return [name for name in reach.askable(host) if lacks(facts, name)]


def lacks(facts: Mapping[str, Any], name: str) -> bool:
    """Whether the case left the fact out — not a field of a record it did not send at
    all: there is none (no gift, no promotion)."""
    if "." not in name:  # (lookup's answer for a plain name, without the call)
        return facts.get(name) is None
    if lookup(facts, name.split(".")[0]) is MISSING:
        return False
    return lookup(facts, name) is MISSING


def ask_by_consequence(
    ruleset: CompiledRuleset,
    facts: Mapping[str, Any],
    values: Mapping[str, Any],
    outcome: Mapping[str, Any],
    host: Mapping[str, Absent | None],
    rerun: Rerun,
    functions: Mapping[str, FunctionSpec],
    ctx: EvalContext,
) -> Asked | None:
    """The facts to ask for because their value would change ``outcome`` (None: none).

    ``outcome`` is the JSON outcome of the evaluation whose facts and settled values
    are ``values``; ``rerun`` evaluates the kind again for other facts and returns its
    JSON outcome."""
    if outcome.get("decision") in (NEEDS_INFO, INVALID_INPUT):
        return None  # explicit demands and impossible facts come first
    reach = reach_of(ruleset, functions)
    absent = candidates(reach, facts, host)
    if not absent:
        return None
    relevant = reach.relevant(absent, values, ctx)
    if not relevant:
        return None  # most cases: nothing they lack could change the outcome
    interp = Interpreter(functions, ctx)
    asked = Asked([])
    asked.missing.extend(relevant[MAX_FACTS:])  # never guessed: asked, without probing
    for name in relevant[:MAX_FACTS]:
        options = candidate_values(name, ruleset.fact_types[name], reach, values, interp)
        decided: dict[str, dict[str, Any]] = {}
        for value in options:
            decided[_label(value)] = rerun(with_value(facts, name, value))
        if any(contradicts(outcome, result) for result in decided.values()):
            asked.missing.append(name)
            asked.would_decide[name] = decided
    if not asked.missing:
        return None
    asked.missing.sort()
    return asked


def every_missing(
    ruleset: CompiledRuleset,
    facts: Mapping[str, Any],
    values: Mapping[str, Any],
    missing: list[str],
    host: Mapping[str, Absent | None],
    rerun: Rerun,
    functions: Mapping[str, FunctionSpec],
    ctx: EvalContext,
) -> list[str]:
    """``missing`` and the facts missing whatever values those take, sorted (CATALOG
    §12.1: needs_info lists every missing fact that would change the outcome).

    An evaluation stops at the first layer that misses a fact, so what a later layer
    also needs (a refund that reads the goods amount beside the shipping fee) is not
    seen. Here each missing fact is given, in turn, each value worth trying
    (:func:`candidate_values`) and the kind evaluated again: a fact every one of those
    evaluations still misses is missing too, and is tried the same way. A fact only
    some values need (the return date when the same model may be in stock) is not: it
    is asked for once the answer makes it matter. At most :data:`MAX_FACTS` facts.
    ``host``: as for :func:`candidates`; a case in which no rule might demand another
    fact it lacks is not evaluated again (most needs_info cases)."""
    found = list(dict.fromkeys(missing))
    reach = reach_of(ruleset, functions)
    if not _may_miss_more(reach, facts, values, host, found, ctx):
        return sorted(found)
    interp = Interpreter(functions, ctx)
    tried = list(found)
    while tried and len(found) < MAX_FACTS:
        new: list[str] = []
        for name in tried:
            fact_type = ruleset.fact_types.get(name)
            # a date's values also spread over the past: a window may have closed
            options = (
                dict.fromkeys(
                    [
                        *candidate_values(name, fact_type, reach, values, interp),
                        *past_dates(fact_type, values),
                    ]
                )
                if fact_type
                else {}
            )
            needed: set[str] | None = None
            for value in options:
                again = rerun(with_value(facts, name, value))
                if again.get("decision") != NEEDS_INFO:
                    needed = set()
                    break
                still = set(again.get("missing_fields", ())) - {name}
                needed = still if needed is None else needed & still
                if not needed:
                    break
            new.extend(sorted((needed or set()) - set(found) - set(new)))
        found.extend(new)
        tried = new
    return sorted(found)


def _may_miss_more(
    reach: Reach,
    facts: Mapping[str, Any],
    values: Mapping[str, Any],
    host: Mapping[str, Absent | None],
    known: list[str],
    ctx: EvalContext,
) -> bool:
    """Whether, once ``known`` are given, a rule might still demand another fact the
    case lacks (one whose absence means nothing by declaration). No engine run: the
    demanding rules' conditions are read in three-valued logic with ``known`` and every
    value this evaluation did not settle (it stopped at the first missing fact) unknown;
    a rule certainly false whatever they are demands nothing."""
    unknown = frozenset(known) | frozenset(k for k in reach.all_keys if k not in values)
    memo: Known = {}
    for name, demanders in reach.demanders.items():
        if name in known or name not in host or host[name] or not lacks(facts, name):
            continue
        for index in demanders:
            reading = reach.reading(index)
            if reading is None or reading(unknown, values, memo, ctx) is not False:
                return True
    return False


def contradicts(absent: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether the outcome decided without the fact is wrong for one of its values: it
    reports a field that value would decide otherwise, or lacks the ``decision`` (or
    everything) the value decides. Another field only a value adds (the delivery
    estimate a city would give) leaves the answer incomplete, not wrong: no reason to
    hold the case up."""
    if not absent:
        return bool(other)
    if "decision" in other and "decision" not in absent:
        return True
    return any(other.get(key) != value for key, value in absent.items())


def _label(value: Any) -> str:
    shown = to_json(value)
    if isinstance(shown, bool):
        return "true" if shown else "false"
    return str(shown)


def asked_trace(
    asked: list[tuple[str, CompiledRuleset, Asked]], cited: tuple[str, str]
) -> list[TraceEntry]:
    """One entry per fact asked for by consequence, saying what its values would decide
    (the trace explains the needs_info); ``cited`` is the (id, name) of the rule a pack
    names for a missing fact (``RulePack.missing_facts_rule``)."""
    rule_id, rule_name = cited
    entries = []
    for kind, ruleset, found in asked:
        for name in found.missing:
            options = found.would_decide[name]
            shown = "; ".join(f"{value} → {_brief(result)}" for value, result in options.items())
            entries.append(
                TraceEntry.build(
                    rule=rule_id,
                    name=rule_name,
                    kind=kind,
                    ruleset=ruleset.key,
                    source="consequence: evaluated again with each value of the fact",
                    set_values={"decision": NEEDS_INFO, "missing_fields": [name]},
                    matched={name: None},
                    overridden=[],
                    overrides={},
                    message=f"{name}: {shown}",
                    key=f"{rule_id}:{name}",
                )
            )
    return entries


def _brief(outcome: Mapping[str, Any]) -> str:
    parts = [f"{key}={outcome[key]}" for key in ("decision", "reason") if key in outcome]
    if not parts:
        parts = [f"{key}={value}" for key, value in list(outcome.items())[:3]]
    return ", ".join(parts) or "{}"
