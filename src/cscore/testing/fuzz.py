"""Mutation fuzzing of the boundary (DESIGN.md §2.4: bad input never gives a traceback).

Used by the test suite (tests/test_fuzz.py, hypothesis drives the random choices) and
by the longer run ``python benchmarks/fuzz.py``. Every input must end in one of the
answers of the contract:

* a case: a :class:`Decision` that is strict JSON, or a :class:`CaseError`;
* a rule file: a :class:`RuleLoadError` / :class:`RuleFileError` when the kernel is
  built, or a kernel whose decisions keep the case contract (a rule that fails while a
  case is evaluated is a :class:`RuleEvaluationError`, which names its file and line).

Anything else is a finding: :func:`check_case` and :func:`check_rules` return it.
"""

from __future__ import annotations

import copy
import json
import math
import random
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from cscore.errors import CaseError, RuleEvaluationError, RuleFileError, RuleLoadError
from cscore.jsonvalues import as_received
from cscore.rulebook.yamlsource import plain

# Values that broke the boundary once (issue 8), and their neighbours.
NASTY_VALUES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    1.7e308,
    -1e307,
    1e306,
    1e16,
    1e-05,
    5e-324,
    -0.0,
    10**400,
    10**30,
    -(2**63),
    2**64,
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+09:00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "",
    " ",
    "\ud800",
    "line\nbreak\x1b[31m",
    "x" * 200_000,
    None,
    True,
    0,
    -1,
    [],
    {},
    [1, [2, [3]]],
    {"a": {"b": {"c": {}}}},
    "新疆",
    "1e+16",
    "NaN",
]
NASTY_KEYS = ["", " ", "a\nb", "\ud800", "x" * 5000, "__class__", "sid", "t", "0", "goods_amount"]
NASTY_TOKENS = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "&a ",
    "*a",
    "!include x.yaml",
    "!!python/object:os.system",
    ".nan",
    ".inf",
    "-.inf",
    "nan",
    "inf",
    "1e999",
    "9" * 5001,
    "(" * 150,
    "not " * 50,
    "\t",
    "\x00",
    "\ud800",
    "#",
    ",",
    '"',
    "'",
    "|",
    ">",
    "==",
    "and",
    "or",
    "null",
    "add_days(",
    "\n",
    "    ",
    "1e+16",
    "0.00001",
    "[" * 5000,
]


def base_cases(rules: Path) -> list[dict[str, Any]]:
    """Every case of the rule files' ``*.cases.yaml``, as the envelope a host sends."""
    loader = YAML(typ="safe")
    cases = []
    for file in sorted(rules.glob("*/*.cases.yaml")):
        data = loader.load(file.read_text(encoding="utf-8")) or {}
        industry = str(data.get("industry") or file.parent.name)  # a pack's cases name one
        for case in data.get("cases", []):
            kind = case.get("kind") or data.get("kind")
            facts = as_received(plain(case.get("facts") or {}))
            envelope = {"id": "F-1", "industry": industry, "facts": facts}
            if kind:
                envelope["kind"] = kind
            cases.append(envelope)
    return cases


def mutate_case(rng: random.Random, base: dict[str, Any]) -> Any:
    """One mutated case: a dict (facts, envelope) or text/bytes (the JSON itself)."""
    case = copy.deepcopy(base)
    facts = case.setdefault("facts", {})
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.45 and facts:
            key = rng.choice(sorted(facts))
            target = facts
            if isinstance(facts[key], dict) and facts[key] and rng.random() < 0.5:
                target = facts[key]
                key = rng.choice(sorted(target))
            target[key] = rng.choice(NASTY_VALUES)
        elif roll < 0.55 and facts:
            del facts[rng.choice(sorted(facts))]
        elif roll < 0.65:
            facts[rng.choice(NASTY_KEYS)] = rng.choice(NASTY_VALUES)
        elif roll < 0.70:
            facts.update({f"unknown_{i}": i for i in range(rng.choice([10, 2_000, 20_000]))})
        elif roll < 0.78:
            field = rng.choice(["industry", "kind", "kinds", "id", "facts"])
            real = base.get("industry", "")  # a real industry next to impossible ones
            case[field] = rng.choice([*NASTY_VALUES, real, "return", ["fee"]])
        elif roll < 0.84:
            deep: Any = 1
            for _level in range(rng.choice([40, 400, 3_000])):
                deep = rng.choice([[deep], {"x": deep}])
            facts[rng.choice(["condition", "items", "note"])] = deep
        else:
            return _mutate_text(rng, case)
    return case


def _mutate_text(rng: random.Random, case: dict[str, Any]) -> str | bytes:
    try:
        text = json.dumps(case, ensure_ascii=rng.random() < 0.5, allow_nan=True)
    except (RecursionError, ValueError):  # too deep or too long for Python to print
        text = json.dumps({"industry": case.get("industry"), "facts": {}}, default=str)
    roll = rng.random()
    if roll < 0.25:
        cut = rng.randrange(len(text) + 1)
        return text[:cut]
    if roll < 0.45:
        at = rng.randrange(len(text) + 1)
        return (
            text[:at]
            + rng.choice(["[" * 100_000, "9" * 5_000, "NaN", "Infinity", "\x00"])
            + text[at:]
        )
    if roll < 0.6:
        raw = text.encode("utf-8", "surrogatepass")
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + bytes([rng.choice([0xFF, 0xC3, 0x80, 0xED])]) + raw[at:]
    if roll < 0.7:
        return text + " " * rng.choice([10, 1_200_000])
    return text.replace(": ", ":" + rng.choice(["1e999", "-0", "1e-400", '"\\ud800"']) + ",", 1)


def check_case(kernel: Any, case: Any) -> str | None:
    """None when the case got the contract's answer; otherwise what went wrong."""
    try:
        decision = kernel.evaluate(case)
        json.dumps(decision.to_json_dict(), allow_nan=False)
        for warning in decision.warnings:
            if "\n" in warning:
                return f"multi-line warning {warning!r}"
    except CaseError as exc:
        if "\n" in str(exc):
            return f"multi-line error {str(exc)!r}"
    except RuleEvaluationError:
        pass  # a rule's own failure, named with file:line (counted, not a finding)
    except Exception:
        return traceback.format_exc(limit=-3)
    return None


def mutate_rule_text(rng: random.Random, text: str) -> str:
    """A rule file's text with a few random edits: nasty tokens, deletions, copies."""
    lines = text.splitlines(keepends=True)
    for _ in range(rng.randint(1, 3)):
        if not lines:
            lines = [""]
        roll = rng.random()
        index = rng.randrange(len(lines))
        line = lines[index]
        if roll < 0.5:
            at = rng.randrange(len(line) + 1)
            lines[index] = line[:at] + rng.choice(NASTY_TOKENS) + line[at:]
        elif roll < 0.65:
            del lines[index]
        elif roll < 0.8:
            lines.insert(rng.randrange(len(lines) + 1), line)
        elif roll < 0.9 and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: {rng.choice(NASTY_TOKENS)}\n"
        else:
            lines[index] = line.replace("  ", rng.choice(["", "   ", "\t"]), 1)
    return "".join(lines)


@contextmanager
def rules_copy(rules: Path) -> Iterator[Path]:
    """A scratch copy of a rules folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="cscore-fuzz-"))
    try:
        shutil.copytree(rules, folder / "rules")
        yield folder / "rules"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_rules(rules: Path, file: str, text: str, cases: list[dict[str, Any]]) -> str | None:
    """Build a kernel with ``file`` (relative to ``rules``) replaced by ``text``; None when
    it answers with a rule-file error, or loads and keeps the case contract."""
    from cscore.kernel import Kernel

    with rules_copy(rules) as folder:
        (folder / file).write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            kernel = Kernel(rules_dir=folder)
        except (RuleLoadError, RuleFileError) as exc:
            if "\n" in str(exc):
                return f"multi-line error {str(exc)!r}"
            return None
        except Exception:
            return traceback.format_exc(limit=-3)
        try:
            for case in cases:
                problem = check_case(kernel, case)
                if problem:
                    return problem
        finally:
            kernel.close()
    return None
