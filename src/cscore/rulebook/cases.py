"""Rule cases: tests business staff write beside the rules, "given these facts, expect
this" (``return.cases.yaml`` next to ``return.yaml``)::

    industry: ecommerce          # optional: the folder name says it
    kind: return                 # optional: the file name says it
    cases:
      - name: 第7天申请 仍在无理由退货期
        facts: {order_channel: online, delivered_date: 2026-03-02, ...}
        expect: {decision: return, return_deadline: 2026-03-09}    # a partial match
        expect_rules: [ECOM-RET-001]                                # rules that must fire

``cscore rules test`` runs them and prints PASS/FAIL per case; pytest collects the
same files through the plugin in :mod:`cscore.testing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cscore.errors import CaseError, CscoreError, RuleFileError, did_you_mean
from cscore.jsonvalues import as_received
from cscore.rulebook.formats import CASES_SUFFIX
from cscore.rulebook.yamlsource import item_line, key_line, node_line, plain, read_yaml

CASE_KEYS = ("name", "facts", "expect", "expect_rules", "kind", "kinds", "industry", "note", "id")
FILE_KEYS = ("industry", "kind", "kinds", "cases", "title", "note")


@dataclass(frozen=True)
class RuleCase:
    name: str
    industry: str
    kinds: tuple[str, ...]
    facts: dict[str, Any]
    expect: dict[str, dict[str, Any]]  # kind -> expected outcome fields
    expect_rules: tuple[str, ...]
    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def envelope(self) -> dict[str, Any]:
        return {
            "id": f"{Path(self.path).name}:{self.line}",
            "industry": self.industry,
            "kinds": list(self.kinds),
            "facts": self.facts,
        }


@dataclass
class CaseResult:
    case: RuleCase
    problems: list[str] = field(default_factory=list)
    outcomes: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # the decision's warnings

    @property
    def passed(self) -> bool:
        return not self.problems


def rules_dir_for(path: Path) -> Path | None:
    """The rules folder (holding common/ and <industry>/) that a rule or cases file is in."""
    path = path.resolve()
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents):
        if (candidate / "common").is_dir() or candidate.name == "rules":
            return candidate
    return None


def find_case_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file() and path.name.endswith(CASES_SUFFIX):
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(path.rglob(f"*{CASES_SUFFIX}")))
    return sorted(dict.fromkeys(found))


def load_cases(file: Path, display: str | None = None) -> list[RuleCase]:
    display = display or str(file)
    data, _sha = read_yaml(file, display)
    if isinstance(data, list):
        data = {"cases": data}
    if not isinstance(data, dict) or "cases" not in data:
        raise RuleFileError(display, 1, "a cases file has 'cases:' with a list of cases")
    for key in data:
        if key not in FILE_KEYS:
            hint = did_you_mean(str(key), FILE_KEYS)
            raise RuleFileError(display, key_line(data, key), f"unknown section '{key}'{hint}")
    industry = str(data.get("industry") or file.parent.name)
    default_kinds = _kinds(data, file.name.removesuffix(CASES_SUFFIX).split(".")[0])
    cases = data["cases"]
    if not isinstance(cases, list):
        raise RuleFileError(display, key_line(data, "cases"), "cases must be a list")
    loaded = []
    for index, entry in enumerate(cases):
        line = node_line(entry, item_line(cases, index))
        if not isinstance(entry, dict):
            raise RuleFileError(display, line, "each case is a mapping with name, facts, expect")
        for key in entry:
            if key not in CASE_KEYS:
                hint = did_you_mean(str(key), CASE_KEYS)
                raise RuleFileError(
                    display, key_line(entry, key, line), f"unknown key '{key}'{hint}"
                )
        name = str(entry.get("name") or f"case {index + 1}")
        kinds = _kinds(entry, None) or default_kinds
        expect = plain(entry.get("expect") or {})
        if not isinstance(expect, dict):
            raise RuleFileError(display, line, f"case '{name}': expect must be a mapping")
        if len(kinds) == 1 and not (set(expect) and set(expect) <= set(kinds)):
            expect = {kinds[0]: expect}
        facts = plain(entry.get("facts") or {})
        if not isinstance(facts, dict):
            raise RuleFileError(display, line, f"case '{name}': facts must be a mapping")
        loaded.append(
            RuleCase(
                name=name,
                industry=str(entry.get("industry") or industry),
                kinds=kinds,
                facts=as_received(facts),
                expect={k: as_received(v) for k, v in expect.items()},
                expect_rules=tuple(str(r) for r in plain(entry.get("expect_rules") or [])),
                path=display,
                line=line,
            )
        )
    return loaded


def _kinds(data: dict[str, Any], fallback: str | None) -> tuple[str, ...]:
    if data.get("kinds"):
        return tuple(str(k) for k in plain(data["kinds"]))
    if data.get("kind"):
        return (str(data["kind"]),)
    return (fallback,) if fallback else ()


def run_case(kernel: Any, case: RuleCase) -> CaseResult:
    result = CaseResult(case)
    try:
        decision = kernel.evaluate(case.envelope())
    except (CaseError, CscoreError) as exc:
        result.problems.append(f"error: {exc}")
        return result
    result.outcomes = decision.outcomes
    result.warnings = list(decision.warnings)
    for kind, expected in case.expect.items():
        actual = decision.outcomes.get(kind)
        if actual is None:
            result.problems.append(
                f"{kind}: no outcome (kinds evaluated: {', '.join(decision.outcomes)})"
            )
            continue
        for key, want in expected.items():
            got = actual.get(key)
            if not _same(want, got):
                result.problems.append(f"{kind}.{key}: expected {_show(want)}, got {_show(got)}")
    fired = {entry.rule for entry in decision.trace}
    for rule in case.expect_rules:
        if rule not in fired:
            hint = did_you_mean(rule, fired)
            result.problems.append(f"rule {rule} did not fire{hint}")
    return result


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    if isinstance(want, int | float) and isinstance(got, int | float):
        return round(float(want), 2) == round(float(got), 2)
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(_same(w, g) for w, g in zip(want, got, strict=True))
    return bool(want == got)


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    return str(value).replace("True", "true").replace("False", "false")


# Outcome fields the kernel reports besides a rule set's outputs (DESIGN.md §2.4).
KERNEL_FIELDS = ("decision", "missing_fields", "invalid_fields")


def check_case(kernel: Any, case: RuleCase) -> list[str]:
    """What in a case can never match, without running it: an unknown industry or kind,
    an unknown fact (did-you-mean), an expected field that is no output of its kind, an
    expected rule id that no rule of the kind has. Each as ``file:line: case '…': …``."""
    from cscore.models.unknown import unknown_fact_warnings

    where = f"{case.where}: case '{case.name}'"
    industry = kernel.industries.get(case.industry)
    if industry is None:
        hint = did_you_mean(case.industry, kernel.industries)
        return [f"{where}: unknown industry '{case.industry}'{hint}"]
    problems = []
    for kind in case.kinds:
        if kind not in industry.kinds:
            hint = did_you_mean(kind, industry.kinds)
            problems.append(f"{where}: {case.industry} has no kind '{kind}'{hint}")
    for warning in unknown_fact_warnings(industry.facts_model, case.facts):
        problems.append(f"{where}: {warning.replace(' ignored', '')}")
    compiled = kernel.library.compiled()
    rule_ids: set[str] = set()
    for kind in case.kinds:
        ruleset = compiled.get((case.industry, kind))
        if ruleset is None:
            continue
        rule_ids.update(rule.id for rule in ruleset.rules)
        # a function a rule calls may apply a catalog rule of its own (COMMON-CAL-009)
        rule_ids.update(cited for rule in ruleset.rules for cited, *_ in rule.cites)
        fields = [*ruleset.outputs, *KERNEL_FIELDS]
        for key in case.expect.get(kind, {}):
            if key not in fields:
                hint = did_you_mean(key, fields)
                problems.append(f"{where}: '{key}' is not an output of {ruleset.key}{hint}")
    for kind in case.expect:
        if kind not in case.kinds:
            problems.append(f"{where}: expect names kind '{kind}', which the case does not ask")
    for rule in case.expect_rules:
        if rule_ids and rule not in rule_ids:
            hint = did_you_mean(rule, sorted(rule_ids))
            problems.append(f"{where}: expect_rules names '{rule}', which no rule has{hint}")
    return problems
