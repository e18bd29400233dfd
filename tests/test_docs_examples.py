"""The rule-file examples in docs/rules.md load and decide what their cases say.

An example is a fenced YAML block after a ``<!-- example: NAME INDUSTRY/KIND -->``
comment; its cases are the fenced block after ``<!-- cases: NAME -->``. Each example is
written as ``rules/INDUSTRY/KIND.yaml`` of a scratch rules folder (the example is the
whole rule set of that kind: no common pack) and its cases run as ``cscore rules test``
runs them, so a 客服主管 who copies an example gets what the guide promises.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cscore.kernel import Kernel
from cscore.rulebook.cases import load_cases, run_case

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
_BLOCK = r"\s*```yaml\n(?P<body>.*?)```"
_EXAMPLE = re.compile(
    r"<!-- example: (?P<name>\S+) (?P<industry>\w+)/(?P<kind>\w+) -->" + _BLOCK, re.S
)
_CASES = re.compile(r"<!-- cases: (?P<name>\S+) -->" + _BLOCK, re.S)

# Every language feature the guide teaches has an example that runs.
REQUIRED = {"if-then-else", "months", "list-operations", "schedules"}


def _examples() -> dict[str, tuple[str, str, str, str]]:
    text = DOCS.read_text(encoding="utf-8")
    cases = {m["name"]: m["body"] for m in _CASES.finditer(text)}
    found = {}
    for m in _EXAMPLE.finditer(text):
        assert m["name"] in cases, f"example {m['name']} has no <!-- cases: … --> block"
        found[m["name"]] = (m["industry"], m["kind"], m["body"], cases[m["name"]])
    return found


EXAMPLES = _examples()


def test_every_feature_has_an_example():
    assert set(EXAMPLES) >= REQUIRED


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docs_example_runs(tmp_path, name):
    """The example loads without errors, and every one of its cases passes."""
    industry, kind, rules_text, cases_text = EXAMPLES[name]
    folder = tmp_path / "rules" / industry
    folder.mkdir(parents=True)
    (folder / f"{kind}.yaml").write_text(rules_text, encoding="utf-8")
    cases_file = folder / f"{kind}.cases.yaml"
    cases_file.write_text(cases_text, encoding="utf-8")
    cases = load_cases(cases_file)
    assert cases
    with Kernel(rules_dir=tmp_path / "rules") as kernel:
        for case in cases:
            result = run_case(kernel, case)
            assert result.passed, (case.name, result.problems, result.outcomes)
