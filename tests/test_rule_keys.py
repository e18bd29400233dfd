"""Every rule has a key unique in its rule set: the catalog id, plus `#n` (its place among
the rules of that id in its file) and `@file` where the id is in several files; `:fact`
for each fact a `requires` entry checks. Keys survive edits to rules of other ids."""

from __future__ import annotations

from collections import Counter

from click.testing import CliRunner

from cscore.cli import cli
from cscore.kernel import Kernel

from .conftest import return_case


def _keys(kernel: Kernel, industry: str, kind: str) -> list[str]:
    return [rule.key for rule in kernel.library.get(industry, kind).compiled.rules]


def test_keys_are_unique_in_every_rule_set(kernel):
    for (industry, kind), compiled in kernel.library.compiled().items():
        counts = Counter(rule.key for rule in compiled.rules)
        assert all(n == 1 for n in counts.values()), (industry, kind, counts.most_common(3))
        for rule in compiled.rules:
            assert rule.key.startswith(rule.id)


def test_key_shapes(kernel):
    """One rule of an id: the id; several in one file: #n; in several files: @file#n."""
    keys = set(_keys(kernel, "ecommerce", "return"))
    assert "ECOM-RET-002" in keys
    assert {"ECOM-RET-001#1", "ECOM-RET-001#2", "ECOM-RET-001#3"} <= keys
    assert {"ECOM-WAR-001@return.yaml", "ECOM-WAR-001@warranty_terms.yaml#2"} <= keys
    assert "COMMON-DATA-001#1:request_type" in keys


def test_keys_survive_edits_to_other_rules(rules_copy):
    """A rule of another id added at the top of return.yaml changes no key."""
    with Kernel(rules_dir=rules_copy) as kernel:
        before = _keys(kernel, "ecommerce", "return")
    path = rules_copy / "ecommerce" / "return.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "rules:\n", "rules:\n  - id: T-NEW\n    when: false\n    set: {reason: probe}\n", 1
    )
    path.write_text(text, encoding="utf-8")
    with Kernel(rules_dir=rules_copy) as kernel:
        after = _keys(kernel, "ecommerce", "return")
    assert "T-NEW" in after
    assert [k for k in after if k != "T-NEW"] == before


def test_trace_entries_carry_the_key_and_the_catalog_id(kernel):
    decision = kernel.evaluate(return_case())
    entry = next(e for e in decision.trace if e.key == "ECOM-RET-001#3")
    assert entry.rule == "ECOM-RET-001"
    assert decision.to_json_dict()["trace"][decision.trace.index(entry)]["key"] == entry.key


def test_rules_list_shows_keys():
    result = CliRunner().invoke(cli, ["rules", "list", "ecommerce.return"])
    assert result.exit_code == 0, result.output
    assert " ECOM-RET-001#3 " in result.output and " ECOM-WAR-001@return.yaml " in result.output
