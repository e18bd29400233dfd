"""Assemble the rule files of one industry and kind into a :class:`CompiledRuleset`.

The steps, each of which can stop with an error naming file:line:

1. merge the common pack and the industry's files: constants (an industry may
   override a common constant), output/value declarations, rules (an industry rule may
   ``replaces:`` a common one);
2. parse every condition and value;
3. order rules in *layers* by what they read and write, like a DMN decision graph: a
   rule that reads a derived value runs only after every rule that sets it, so it never
   sees a conclusion that a higher-priority rule later overrides. A cycle is an error;
4. check types layer by layer (a value's type comes from its declaration, the §7
   vocabulary, or the rules that set it);
5. compile conditions into the engine definition, one type-tagged fact per layer chunk
   (at most CHUNK rules, and few enough tests under each engine node: fanout.py).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cscore.errors import RuleFileError, RuleLoadError, did_you_mean
from cscore.language.ast import (
    BoolOp,
    Compare,
    ListExpr,
    Literal,
    Name,
    Node,
    calls_in,
    names_in,
    render,
)
from cscore.language.checker import Scope, check_condition, check_value
from cscore.language.compiler import compile_condition
from cscore.language.exclusive import exclusive
from cscore.language.functions import FunctionSpec
from cscore.language.interpreter import compile_value
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import ANY, ORDERED, STRING, Type, enum, list_of, unify
from cscore.models.outcomes import DATA_OUTCOMES, merge_declared
from cscore.rulebook.compiled import CompiledRule, CompiledRuleset, CompiledSet
from cscore.rulebook.fanout import MAX_TESTS_PER_NODE, Chunks, chunk_tag
from cscore.rulebook.hoist import Hoister
from cscore.rulebook.messages import unknown_placeholders
from cscore.rulebook.model import (
    NO_DEFAULT,
    ConstantSpec,
    KeySpec,
    RuleFile,
    RuleSpec,
    SetSpec,
    Where,
)
from cscore.rulebook.rowgroups import row_groups
from cscore.rulebook.unset import RuleView, unset_reads
from cscore.rulebook.yamlsource import line_offset

# Rules per engine fact: durable_rules refuses > 64 matches on one fact. A chunk can
# hold fewer when long lists would put too many tests under one node (fanout.py).
CHUNK = 50
PRIME_TAG = "__prime"  # the tag of the engine adapter's own priming fact
DATA_KEYS = ("missing_fields", "invalid_fields")  # requires / checks report in these


@dataclass
class RulesetSources:
    key: str  # "ecommerce.return"
    industry: str
    kind: str
    own: Sequence[RuleFile]  # the industry's files for this kind
    shared: Sequence[RuleFile]  # the shared rule packs' files for this kind
    outcomes: Mapping[str, Type] = field(default_factory=dict)  # the industry's vocabulary
    # function -> (rule id, name) a rule pack says the function implements (RulePack.cites)
    citations: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    folder: str = ""  # the industry's rule folder as shown to people (rules/ecommerce)
    has_cases: bool = False  # the folder has rule cases for this kind (<kind>.cases.yaml)


@dataclass
class _Draft:
    """A rule on its way to being compiled."""

    spec: RuleSpec
    file: RuleFile
    condition: Node | None
    condition_text: Any
    sets: list[tuple[str, Node, Any, Where]]  # key, expression, source text, where
    order: int = 0
    layer: int = 0
    written_names: frozenset[str] = frozenset()  # every name as written, before checking
    fact: str | None = None  # the fact a `requires` entry expanded into this rule checks
    origin: str | None = None  # a hoisted value's rule: the rule whose condition held it

    @property
    def rule_id(self) -> str:
        """The rule an error names: for a hoisted value, the rule that wrote it."""
        return self.origin or self.spec.id

    def __post_init__(self) -> None:
        self.written_names = frozenset(_reads(self))


def assemble(
    sources: RulesetSources,
    fact_types: Mapping[str, Type],
    functions: Mapping[str, FunctionSpec],
) -> CompiledRuleset:
    return _Assembler(sources, fact_types, functions).run()


class _Assembler:
    def __init__(
        self,
        sources: RulesetSources,
        fact_types: Mapping[str, Type],
        functions: Mapping[str, FunctionSpec],
    ) -> None:
        self.sources = sources
        self.fact_types = dict(fact_types)
        self.functions = functions
        self.errors: list[RuleFileError] = []
        self.warnings: list[str] = []

    def fail(self, where: Where | None, message: str, rule: str | None = None) -> RuleFileError:
        if where is None:
            return RuleFileError(self.sources.key, None, message, rule)
        return RuleFileError(where.path, where.line, message, rule)

    def run(self) -> CompiledRuleset:
        constants, shadowed = self.merge_constants()
        keys = self.merge_keys(constants)
        specs = self.select_rules()
        self.stop_on_errors()
        drafts = [d for d in (self.parse_rule(spec, file) for spec, file in specs) if d]
        self.errors.extend(duplicate_rules(drafts, self.fail))
        drafts = self.expand_data_rules(drafts)
        self.stop_on_errors()
        drafts = self.hoist(drafts, keys, constants)
        for order, draft in enumerate(drafts):
            draft.order = order
        self.check_set_keys(drafts, keys)
        self.check_messages(drafts, keys, constants)
        self.check_outputs_set(drafts, keys)
        self.stop_on_errors()
        groups = row_groups(([key for key, *_ in d.sets] for d in drafts), keys)
        layers = self.layer(drafts, keys)
        self.stop_on_errors()
        key_types = self.check_types(drafts, keys, constants, layers)
        self.stop_on_errors()
        views = [
            RuleView(d.spec.id, d.spec.where, d.condition, [(k, n, w) for k, n, _t, w in d.sets])
            for d in drafts
        ]
        self.warnings.extend(unset_reads(views, keys))
        self.check_ties(drafts, keys, groups)
        self.stop_on_errors()
        return self.compile(drafts, keys, key_types, constants, shadowed, groups)

    def stop_on_errors(self) -> None:
        if self.errors:
            raise RuleLoadError(self.errors)

    # 1. merging ------------------------------------------------------------------

    def merge_constants(self) -> tuple[dict[str, ConstantSpec], dict[str, tuple[Where, Where]]]:
        merged: dict[str, ConstantSpec] = {}
        shadowed: dict[str, tuple[Where, Where]] = {}
        for group in (self.sources.shared, self.sources.own):
            seen_in_group: dict[str, ConstantSpec] = {}
            for file in group:
                for name, spec in file.constants.items():
                    if name in self.fact_types:
                        self.errors.append(
                            self.fail(spec.where, f"constant '{name}' has the name of a fact")
                        )
                    if name in seen_in_group:
                        first = seen_in_group[name].where
                        self.errors.append(
                            self.fail(
                                spec.where, f"constant '{name}' is already defined at {first}"
                            )
                        )
                        continue
                    if name in merged:  # an industry file overrides a common constant
                        shadowed[name] = (merged[name].where, spec.where)
                    seen_in_group[name] = spec
                    merged[name] = spec
        return merged, shadowed

    def merge_keys(self, constants: Mapping[str, ConstantSpec]) -> dict[str, KeySpec]:
        keys: dict[str, KeySpec] = {}
        for file in [*self.sources.shared, *self.sources.own]:
            for name, spec in file.keys.items():
                if name in self.fact_types:
                    self.errors.append(
                        self.fail(
                            spec.where,
                            f"'{name}' is a fact of the case; a rule cannot set it "
                            "(give the value another name)",
                        )
                    )
                elif name in constants:
                    self.errors.append(self.fail(spec.where, f"'{name}' is also a constant"))
                previous = keys.get(name)
                if previous is not None and previous.hit != spec.hit:
                    self.errors.append(
                        self.fail(
                            spec.where,
                            f"'{name}' has hit policy '{spec.hit}' here but "
                            f"'{previous.hit}' at {previous.where}",
                        )
                    )
                if previous is not None and previous.type is not None:
                    merged = merge_declared(previous.type, spec.type)
                    if merged is None:
                        self.errors.append(
                            self.fail(
                                spec.where,
                                f"'{name}' is declared a {spec.type} here but a "
                                f"{previous.type} at {previous.where}",
                            )
                        )
                    spec = replace(spec, type=merged or spec.type)
                keys[name] = spec
        for name in DATA_KEYS:
            keys.setdefault(name, KeySpec(name, "collect", Where(self.sources.key, 0), True))
        return keys

    def select_rules(self) -> list[tuple[RuleSpec, RuleFile]]:
        shared = [(rule, file) for file in self.sources.shared for rule in file.rules]
        own = [(rule, file) for file in self.sources.own for rule in file.rules]
        replaced: set[str] = set()
        shared_ids = {rule.id for rule, _ in shared}
        for rule, _file in own:
            for target in rule.replaces:
                if target not in shared_ids:
                    hint = did_you_mean(target, shared_ids)
                    self.errors.append(
                        self.fail(
                            rule.where,
                            f"replaces '{target}', which no common rule has{hint}",
                            rule.id,
                        )
                    )
                replaced.add(target)
        return own + [(rule, file) for rule, file in shared if rule.id not in replaced]

    # 2. parsing ------------------------------------------------------------------

    def parse_text(self, text: Any, where: Where, rule: str) -> Node | None:
        try:
            return parse(str(text))
        except ExpressionError as exc:
            line = where.line + line_offset(text, exc.pos)
            self.errors.append(self.fail(Where(where.path, line), exc.message, rule))
            return None

    def parse_rule(self, spec: RuleSpec, file: RuleFile) -> _Draft | None:
        condition = None
        if spec.when is not None:
            assert spec.when_where is not None
            condition = self.parse_text(spec.when, spec.when_where, spec.id)
            if condition is None:
                return None
        elif spec.role == "check":
            self.errors.append(self.fail(spec.where, "a check needs 'when:'", spec.id))
            return None
        sets = []
        for item in spec.sets:
            node = self.value_node(item.value, item.where, spec.id)
            if node is None:
                return None
            sets.append((item.key, node, item.value, item.where))
        return _Draft(spec, file, condition, spec.when, sets)

    def value_node(self, raw: Any, where: Where, rule: str) -> Node | None:
        if isinstance(raw, str):
            return self.parse_text(raw, where, rule)
        if isinstance(raw, list):
            items = [self.value_node(item, where, rule) for item in raw]
            if any(item is None for item in items):
                return None
            return ListExpr(0, tuple(i for i in items if i is not None))
        if isinstance(raw, dict):
            self.errors.append(self.fail(where, "a value cannot be a mapping", rule))
            return None
        return Literal(0, raw)

    def expand_data_rules(self, drafts: list[_Draft]) -> list[_Draft]:
        """``requires`` → one rule per fact that sets missing_fields when it is absent;
        ``checks`` → a rule that sets invalid_fields."""
        expanded: list[_Draft] = []
        for draft in drafts:
            spec = draft.spec
            if spec.role == "rule":
                expanded.append(draft)
                continue
            names = spec.facts if spec.role == "requires" else spec.invalid
            if not names:
                what = "facts" if spec.role == "requires" else "invalid"
                self.errors.append(self.fail(spec.where, f"'{what}:' lists no facts", spec.id))
                continue
            for name in names:
                if name not in self.fact_types:
                    hint = did_you_mean(name, self.fact_types)
                    self.errors.append(
                        self.fail(spec.where, f"unknown fact '{name}'{hint}", spec.id)
                    )
            if spec.role == "check":
                field_list = ListExpr(0, tuple(Literal(0, n) for n in names))
                draft.sets = [("invalid_fields", field_list, None, spec.where)]
                expanded.append(draft)
                continue
            for name in names:
                absent = Compare(0, "==", Name(0, name), Literal(0, None))
                condition = (
                    absent
                    if draft.condition is None
                    else BoolOp(0, "and", (draft.condition, absent))
                )
                expanded.append(
                    _Draft(
                        spec,
                        draft.file,
                        condition,
                        draft.condition_text,
                        [("missing_fields", Literal(0, name), None, spec.where)],
                        fact=name,
                    )
                )
        return expanded

    def hoist(
        self, drafts: list[_Draft], keys: dict[str, KeySpec], constants: Mapping[str, ConstantSpec]
    ) -> list[_Draft]:
        """Function calls, list operations and ``if`` in conditions become values that a
        synthetic rule of an earlier layer sets (rulebook/hoist.py); hit ``unique``, so
        they take no part in row groups or ties."""
        hoister = Hoister(
            constants,
            self.functions,
            lambda name: name in keys or name in constants or name in self.fact_types,
            {*self.fact_types, *keys},
        )
        synthetic: list[_Draft] = []
        for draft in drafts:
            if draft.condition is None:
                continue
            before = len(hoister.by_text)
            draft.condition = hoister.rewrite(draft.condition, draft.spec.id)
            draft.written_names = frozenset(_reads(draft))
            where = draft.spec.when_where or draft.spec.where
            for part in hoister.hoisted[before:]:
                keys[part.name] = KeySpec(part.name, "unique", where, False)
                spec = RuleSpec(
                    id=part.name,
                    name=f"{part.text} (computed for the condition of {part.origin})",
                    where=where,
                    sets=(SetSpec(part.name, part.text, where),),
                )
                sets = [(part.name, part.value_node(), draft.condition_text, where)]
                synthetic.append(_Draft(spec, draft.file, None, None, sets, origin=draft.spec.id))
        return drafts + synthetic

    def check_set_keys(self, drafts: list[_Draft], keys: Mapping[str, KeySpec]) -> None:
        for draft in drafts:
            for key, _node, _text, where in draft.sets:
                if key not in keys:
                    hint = did_you_mean(key, keys)
                    self.errors.append(
                        self.fail(
                            where,
                            f"sets '{key}', which is declared neither in outputs nor in "
                            f"values{hint}",
                            draft.spec.id,
                        )
                    )

    def check_messages(
        self,
        drafts: list[_Draft],
        keys: Mapping[str, KeySpec],
        constants: Mapping[str, ConstantSpec],
    ) -> None:
        """A message's placeholders must name a fact, a value or output, or a constant."""
        known = {*self.fact_types, *keys, *constants}
        checked: set[int] = set()
        for draft in drafts:
            text = draft.spec.message
            if text is None or id(draft.spec) in checked:
                continue
            checked.add(id(draft.spec))
            for name in unknown_placeholders(text, known):
                self.errors.append(
                    self.fail(
                        draft.spec.where,
                        f"message placeholder '{{{name}}}' names no fact, value or "
                        f"constant of {self.sources.key}{did_you_mean(name, known)}",
                        draft.spec.id,
                    )
                )

    def check_outputs_set(self, drafts: list[_Draft], keys: Mapping[str, KeySpec]) -> None:
        """A kind none of whose outputs any rule sets has lost its rule file (a deleted
        return.yaml): every decision of it would be empty, without a word."""
        outputs = {key for key, spec in keys.items() if spec.report and key not in DATA_KEYS}
        if any(key in outputs for draft in drafts for key, *_ in draft.sets):
            return
        if any(spec.report for file in self.sources.own for spec in file.keys.values()):
            return  # the kind's file is there, only its rules are still to be written
        kind_files = [f for f in self.sources.own if f.file.name.split(".")[0] == self.sources.kind]
        if kind_files:
            return  # an explicitly empty <kind>.yaml: the kind decides nothing, on purpose
        if not (self.sources.own or self.sources.has_cases):
            return  # a kind this folder does not decide (yet): the packs' rules serve it
        folder = self.sources.folder or self.sources.industry
        kind = self.sources.kind
        self.errors.append(
            RuleFileError(
                folder,
                None,
                f"{self.sources.industry} decides '{kind}', but no rule sets any output of "
                f"it: its rule file is missing (add {folder}/{kind}.yaml, or a file with "
                f"'kinds: [{kind}]')",
            )
        )

    # 3. layers -------------------------------------------------------------------

    def layer(
        self,
        drafts: list[_Draft],
        keys: Mapping[str, KeySpec],
    ) -> int:
        writers: dict[str, list[int]] = {}
        for index, draft in enumerate(drafts):
            for key, *_ in draft.sets:
                writers.setdefault(key, []).append(index)

        reads: list[set[str]] = []
        for draft in drafts:
            read = {n for n in draft.written_names if n in keys}
            for name in sorted(read):
                if name not in writers and keys[name].default is NO_DEFAULT:
                    self.errors.append(
                        self.fail(
                            draft.spec.where,
                            f"reads '{name}', but no rule of {self.sources.key} sets it "
                            "(and it has no default)",
                            draft.rule_id,
                        )
                    )
            reads.append(read)
        depth: dict[int, int] = {}
        visiting: list[int] = []

        def visit(index: int) -> int:
            if index in depth:
                return depth[index]
            if index in visiting:
                cycle = [*visiting[visiting.index(index) :], index]
                raise _Cycle(cycle)
            visiting.append(index)
            level = 0
            for name in reads[index]:
                for writer in writers.get(name, []):
                    level = max(level, visit(writer) + 1)
            visiting.pop()
            depth[index] = level
            return level

        try:
            for index in range(len(drafts)):
                drafts[index].layer = visit(index)
        except _Cycle as cycle:
            self.errors.append(self.cycle_error(cycle.rules, drafts, reads))
            return 0
        return 1 + max((d.layer for d in drafts), default=-1)

    def cycle_error(
        self, cycle: list[int], drafts: list[_Draft], reads: list[set[str]]
    ) -> RuleFileError:
        steps = []
        for current, following in itertools.pairwise(cycle):
            written = {key for key, *_ in drafts[current].sets} & reads[following]
            steps.append(
                f"{drafts[current].spec.id} ({drafts[current].spec.where}) sets "
                f"{', '.join(sorted(written))}, read by {drafts[following].spec.id}"
            )
        first = drafts[cycle[0]].spec
        return self.fail(first.where, "rules form a cycle: " + "; ".join(steps), first.id)

    # 4. types --------------------------------------------------------------------

    def check_types(
        self,
        drafts: list[_Draft],
        keys: Mapping[str, KeySpec],
        constants: Mapping[str, ConstantSpec],
        layer_count: int,
    ) -> dict[str, Type]:
        declared: dict[str, Type | None] = {}
        for key, spec in keys.items():
            vocabulary = merge_declared(self.sources.outcomes.get(key), DATA_OUTCOMES.get(key))
            merged = merge_declared(spec.type, vocabulary)
            if merged is None and spec.type is not None and vocabulary is not None:
                self.errors.append(
                    self.fail(
                        spec.where,
                        f"'{key}' is declared a {spec.type} here, but {self.sources.industry} "
                        f"reports it as a {vocabulary}",
                    )
                )
            declared[key] = merged
        inferred: dict[str, Type] = {}
        scope = Scope(
            facts=self.fact_types,
            values={key: declared[key] or ANY for key in keys},
            constants={name: spec.value for name, spec in constants.items()},
            functions=self.functions,
        )
        last_layer: dict[str, int] = {}
        for draft in drafts:
            for key, *_ in draft.sets:
                last_layer[key] = max(last_layer.get(key, 0), draft.layer)
        for layer in range(layer_count):
            for draft in (d for d in drafts if d.layer == layer):
                self.check_draft(draft, scope, keys, declared, inferred)
            for key, t in inferred.items():  # visible to the next layers
                if declared[key] is None:
                    scope.values[key] = t  # type: ignore[index]
            for key, written in last_layer.items():
                if written == layer:  # every rule that sets it is checked: narrow it
                    narrowed = _words_set(key, drafts, keys[key])
                    if narrowed is not None and scope.values[key].name == "string":
                        scope.values[key] = narrowed  # type: ignore[index]
        return {key: declared[key] or inferred.get(key, ANY) for key in keys}

    def check_draft(
        self,
        draft: _Draft,
        scope: Scope,
        keys: Mapping[str, KeySpec],
        declared: Mapping[str, Type | None],
        inferred: dict[str, Type],
    ) -> None:
        spec = draft.spec
        if draft.condition is not None:
            try:
                draft.condition = check_condition(draft.condition, scope)
            except ExpressionError as exc:
                where = spec.when_where or spec.where
                line = where.line + line_offset(draft.condition_text or "", exc.pos)
                self.errors.append(self.fail(Where(where.path, line), exc.message, spec.id))
                return
        checked_sets = []
        for key, node, text, where in draft.sets:
            expected = declared.get(key)
            collect = keys[key].hit == "collect"
            try:
                if collect:
                    checked, t = check_value(node, scope)
                    item = t.item if t.name == "list" else t
                    want = expected.item if expected is not None and expected.item else None
                    if want is not None and item is not None:
                        check_value(node, scope, expected if t.name == "list" else want)
                    t = list_of(item or ANY)
                else:
                    checked, t = check_value(node, scope, expected)
                    if keys[key].hit in ("sum", "max", "min") and t.name not in (
                        *ORDERED,  # money amounts too: a sum of fees
                        "any",
                    ):
                        raise ExpressionError(f"hit policy '{keys[key].hit}' needs numbers", 0)
            except ExpressionError as exc:
                line = where.line + (line_offset(text, exc.pos) if isinstance(text, str) else 0)
                shown = exc.message if draft.origin else f"{key}: {exc.message}"
                self.errors.append(self.fail(Where(where.path, line), shown, draft.rule_id))
                continue
            if expected is None:
                merged = t if key not in inferred else unify(inferred[key], t)
                if merged is None:
                    self.errors.append(
                        self.fail(
                            where,
                            f"sets '{key}' to a {t}, but another rule sets it to a {inferred[key]}",
                            spec.id,
                        )
                    )
                    continue
                if merged.name == "string" and t.values is not None and not collect:
                    merged = STRING  # symbols set freely: a reason code is any word
                inferred[key] = merged
            checked_sets.append((key, checked, text, where))
        draft.sets = checked_sets

    def check_ties(
        self,
        drafts: list[_Draft],
        keys: Mapping[str, KeySpec],
        groups: Mapping[str, frozenset[str]],
    ) -> None:
        """Two rules of equal priority that may both fire and set a key of one row
        group to different values would be settled by file order alone: an edit that
        moves a rule would silently change decisions. That is an error, unless the key
        says ``order: file`` (then the first rule in file order wins, and explain says
        so). Between an industry's rule and a shared pack's, the industry's wins by
        design (CATALOG §12.4), so that pair is no tie."""
        from_packs = {id(file) for file in self.sources.shared}
        # Only rules of one priority and one side (industry or pack) can tie, and only
        # if they set some key differently: rules are bucketed by both and, inside a
        # bucket, by what they set (rendered once), so a table of 1,000 rules that set
        # the same values costs no pair comparisons (it cost ~500,000 before).
        buckets: dict[tuple[int, bool], dict[tuple[tuple[str, str], ...], list[int]]] = {}
        rendered: dict[int, dict[str, str]] = {}
        for index, draft in enumerate(drafts):
            mine = {k: render(n) for k, n, *_ in draft.sets if keys[k].hit == "priority"}
            if not mine:
                continue
            rendered[index] = mine
            side = (draft.spec.priority, id(draft.file) in from_packs)
            signature = tuple(sorted(mine.items()))
            buckets.setdefault(side, {}).setdefault(signature, []).append(index)
        pairs = sorted(
            (min(i, j), max(i, j))
            for classes in buckets.values()
            if len(classes) > 1
            for one, two in itertools.combinations(classes.values(), 2)
            for i in one
            for j in two
        )
        for i, j in pairs:
            first, second = drafts[i], drafts[j]
            mine, theirs = rendered[i], rendered[j]
            differing = sorted(
                k
                for k in mine.keys() & theirs.keys()
                if keys[k].order != "file" and mine[k] != theirs[k]
            )
            if not differing:
                continue
            key = differing[0]
            group = groups.get(key, frozenset({key}))
            if exclusive(_standing(first, group, second), _standing(second, group, first)):
                continue
            self.errors.append(
                self.fail(
                    second.spec.where,
                    f"sets '{key}' to {theirs[key]} with the same priority "
                    f"({second.spec.priority}) as {first.spec.id} ({first.spec.where}), "
                    f"which sets it to {mine[key]}, and both may apply to one "
                    "case: give one of them a higher priority (or make their conditions "
                    f"exclude each other, or declare '{key}' with order: file)",
                    second.spec.id,
                )
            )

    # 5. compiling ----------------------------------------------------------------

    def compile(
        self,
        drafts: list[_Draft],
        keys: dict[str, KeySpec],
        key_types: dict[str, Type],
        constants: dict[str, ConstantSpec],
        shadowed: dict[str, tuple[Where, Where]],
        groups: dict[str, frozenset[str]],
    ) -> CompiledRuleset:
        layer_count = 1 + max((d.layer for d in drafts), default=-1)
        packing = Chunks(CHUNK, reserved_tags=(PRIME_TAG,))
        rules: list[CompiledRule] = []
        definition: dict[str, Any] = {}
        engine_fields: set[str] = set()
        rule_keys = _rule_keys(drafts)
        for draft in drafts:
            try:
                engine_condition = (
                    True if draft.condition is None else compile_condition(draft.condition)
                )
            except ExpressionError as exc:
                where = draft.spec.when_where or draft.spec.where
                line = where.line + line_offset(draft.condition_text or "", exc.pos)
                self.errors.append(self.fail(Where(where.path, line), exc.message, draft.spec.id))
                continue
            chunk = 0
            if engine_condition is not False:
                placed = self.place(packing, draft, engine_condition)
                if placed is None:
                    continue
                chunk = placed
            shown = sorted(names_in(draft.condition)) if draft.condition is not None else []
            engine_fields.update(name if name in keys else name.split(".")[0] for name in shown)
            rule = CompiledRule(
                order=draft.order,
                engine_name=f"r{draft.order}",
                id=draft.spec.id,
                name=draft.spec.name,
                role=draft.spec.role,
                where=draft.spec.where,
                file=draft.file.path,
                priority=draft.spec.priority,
                layer=draft.layer,
                chunk=chunk,
                condition=draft.condition,
                engine_condition=engine_condition,
                sets=tuple(
                    CompiledSet(k, n, key_types[k], w, compile_value(n, self.functions))
                    for k, n, _t, w in draft.sets
                ),
                reads=frozenset(n for n in draft.written_names if n in keys),
                shown=tuple(shown),
                message=draft.spec.message,
                overrides={
                    name: str(shadowed[name][1])
                    for name in sorted(draft.written_names)
                    if name in shadowed
                },
                cites=self.cited_rules(draft),
                key=rule_keys[id(draft)],
            )
            rules.append(rule)
            if engine_condition is False:
                self.warnings.append(
                    f"{rule.where}: rule {rule.id}: its condition can never be true"
                )
                continue
            definition[rule.engine_name] = _engine_rule(
                chunk_tag(rule.layer, chunk), engine_condition
            )
        self.stop_on_errors()
        chunks = packing.per_layer(layer_count)
        last_writer: dict[str, int] = {}
        for rule in rules:
            for item in rule.sets:
                last_writer[item.key] = max(last_writer.get(item.key, 0), rule.layer)
        settle: dict[int, tuple[str, ...]] = {}
        for key, layer in last_writer.items():
            settle[layer] = (*settle.get(layer, ()), key)
        files = _participating(self.sources)
        return CompiledRuleset(
            key=self.sources.key,
            industry=self.sources.industry,
            kind=self.sources.kind,
            rules=tuple(rules),
            keys=keys,
            key_types=key_types,
            constants=constants,
            fact_types=self.fact_types,
            layer_count=layer_count,
            chunks=chunks,
            settle=settle,
            groups={key: group for key, group in groups.items() if len(group) > 1},
            engine_fields=frozenset(engine_fields),
            definition=definition,
            files=files,
            version=rules_version(files),
            shadowed=shadowed,
            warnings=tuple(self.warnings),
        )

    def place(self, packing: Chunks, draft: _Draft, condition: Any) -> int | None:
        """The layer chunk of a rule, or None (an error is recorded) if the engine would
        hang on it wherever it went: too many tests under one of its nodes."""
        chunk, overflow = packing.place(
            draft.layer, lambda tag: _engine_rule(tag, condition)["all"][0]["m"]
        )
        if overflow is None:
            return chunk
        where = draft.spec.when_where or draft.spec.where
        if overflow.field == "t":  # the chunk tags themselves: too many chunks
            problem = (
                f"the rule set needs more than {MAX_TESTS_PER_NODE} engine facts to keep "
                "its long lists apart; move long lists of values into a decision table"
            )
        else:
            problem = (
                f"its condition puts {overflow.tests} tests on '{overflow.field.lstrip('@')}' "
                f"under one engine node, more than the {MAX_TESTS_PER_NODE} the engine "
                "allows; move the values into a decision table, or split the lists over "
                "several rules that set a yes/no value and test that"
            )
        self.errors.append(self.fail(where, problem, draft.spec.id))
        return None

    def cited_rules(self, draft: _Draft) -> tuple[tuple[str, str, str], ...]:
        cited: dict[str, tuple[str, str, str]] = {}
        for _key, node, *_ in draft.sets:
            for name in reversed(calls_in(node)):
                spec = self.functions.get(name)
                if spec is not None and spec.rule:
                    cited.setdefault(spec.rule, (spec.rule, spec.rule_name, name))
                elif name in self.sources.citations:
                    rule_id, rule_name = self.sources.citations[name]
                    cited.setdefault(rule_id, (rule_id, rule_name, name))
        return tuple(cited.values())


class _Cycle(Exception):
    def __init__(self, rules: list[int]) -> None:
        super().__init__("cycle")
        self.rules = rules


def _standing(draft: _Draft, group: frozenset[str], other: _Draft) -> Node | None:
    """A rule's condition, and that its row stands: a rule that lost its row sets none
    of the group's keys, so it can tie with nothing there. ``when: covered == true``
    never ties with a rule that sets ``covered: false`` in the same row. Only the keys
    the other rule reads count: two rules setting a key differently are not exclusive
    for that alone (that is the very tie)."""
    read = names_in(other.condition) if other.condition is not None else set()
    row = [
        Compare(0, "==", Name(0, key), node)
        for key, node, *_ in draft.sets
        if key in group and key in read and isinstance(node, Literal) and node.value is not None
    ]
    if not row:
        return draft.condition
    parts = [draft.condition, *row] if draft.condition is not None else row
    return parts[0] if len(parts) == 1 else BoolOp(0, "and", tuple(parts))


def _words_set(key: str, drafts: list[_Draft], spec: KeySpec) -> Type | None:
    """The words the rules of a rule set can give ``key``, when each sets a word: a
    condition comparing ``key`` with any other word can never be true, so it is a typo
    (``reason == no_reason_within_7_day``) the checker reports with a did-you-mean."""
    if spec.hit not in ("priority", "first", "unique"):
        return None
    words: set[str] = set()
    for draft in drafts:
        for name, node, *_ in draft.sets:
            if name != key:
                continue
            if not (isinstance(node, Literal) and isinstance(node.value, str)):
                return None  # a computed value: any word is possible
            words.add(node.value)
    if spec.default is not NO_DEFAULT:
        if not isinstance(spec.default, str):
            return None
        words.add(spec.default)
    return enum(words) if words else None


def duplicate_rules(
    drafts: Sequence[_Draft], fail: Callable[[Where, str, str], RuleFileError]
) -> list[RuleFileError]:
    """A rule copied with the same id and body (condition and values) is a paste
    mistake: the copy fires twice, and an edit of one leaves the other deciding."""
    errors = []
    seen: dict[tuple[Any, ...], _Draft] = {}
    for draft in drafts:
        spec = draft.spec
        body = (
            spec.id,
            spec.role,
            None if draft.condition is None else render(draft.condition),
            tuple((key, render(node)) for key, node, *_ in draft.sets),
            spec.facts,
            spec.invalid,
        )
        first = seen.setdefault(body, draft)
        if first is not draft:
            errors.append(
                fail(
                    spec.where,
                    f"is a copy of the rule {spec.id} at {first.spec.where} (same condition "
                    "and values): delete one of them",
                    spec.id,
                )
            )
    return errors


def _reads(draft: _Draft) -> set[str]:
    """The names a rule's condition and values mention."""
    names: set[str] = set()
    if draft.condition is not None:
        names |= names_in(draft.condition)
    for _key, node, *_ in draft.sets:
        names |= names_in(node)
    return names


def _engine_rule(tag: str, condition: Any) -> dict[str, Any]:
    guard = {"t": tag}
    if condition is True:
        test: dict[str, Any] = guard
    elif set(condition) == {"$and"}:
        test = {"$and": [guard, *condition["$and"]]}
    else:
        test = {"$and": [guard, condition]}
    return {"all": [{"m": test}], "pri": 1}


def _rule_keys(drafts: Sequence[_Draft]) -> dict[int, str]:
    """A unique key per rule (by ``id(draft)``): the catalog id when one rule of the set
    has it; else the id plus ``#n``, the rule's place among the rules with that id in its
    file (``ECOM-RET-001#2``), and ``@file`` when the id is in several files. Only rules
    of the same id count, so editing, adding or removing other rules keeps every key.
    A ``requires`` entry checks each of its facts in a rule of its own: ``…:fact``."""
    specs: dict[str, list[tuple[RuleSpec, RuleFile]]] = {}
    for draft in drafts:
        same = specs.setdefault(draft.spec.id, [])
        if not any(spec is draft.spec for spec, _file in same):
            same.append((draft.spec, draft.file))
    keys: dict[int, str] = {}
    for draft in drafts:
        spec = draft.spec
        same = specs[spec.id]
        key = spec.id
        if len(same) > 1:
            files = {file.path for _spec, file in same}
            names = {Path(path).name for path in files}
            if len(files) > 1:
                key += "@" + (
                    Path(draft.file.path).name if len(names) == len(files) else draft.file.path
                )
            in_file = [rule for rule in draft.file.rules if rule.id == spec.id]
            if len(in_file) > 1:
                key += f"#{next(n for n, rule in enumerate(in_file, 1) if rule is spec)}"
        if draft.fact is not None:
            key += f":{draft.fact}"
        keys[id(draft)] = key
    return keys


def _participating(sources: RulesetSources) -> tuple[RuleFile, ...]:
    return tuple(sorted([*sources.shared, *sources.own], key=lambda f: f.path))


def rules_version(files: Sequence[RuleFile]) -> str:
    """``sha256:…`` over the content of every file that took part."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.path):
        digest.update(f"{file.path}\0{file.sha256}\n".encode())
    return "sha256:" + digest.hexdigest()
