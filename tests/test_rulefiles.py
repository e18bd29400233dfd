"""Rule files: what business staff write is checked when it loads, and every problem
is reported as ``file:line: rule ID: what is wrong (did you mean …?)``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cscore import RuleLoadError
from cscore.kernel import Kernel

from .conftest import return_case

GOOD = """\
title: 测试规则
constants:
  window_days: 7
outputs:
  decision: priority
  reason: priority
  return_deadline: unique
rules:
  - id: R-DEADLINE
    name: deadline
    when: delivered_date != null
    set:
      return_deadline: add_days(delivered_date, window_days)
  - id: R-RETURN
    name: within the window
    when: >-
      request_type == no_reason_return
      and request_date <= return_deadline
    set: {decision: return, reason: in_window}
"""


def write_rules(tmp_path: Path, text: str, name: str = "return.yaml") -> Path:
    rules = tmp_path / "rules"
    (rules / "common").mkdir(parents=True, exist_ok=True)
    (rules / "ecommerce").mkdir(parents=True, exist_ok=True)
    (rules / "ecommerce" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return rules


def load_errors(tmp_path: Path, text: str) -> list[str]:
    rules = write_rules(tmp_path, text)
    with pytest.raises(RuleLoadError) as raised:
        Kernel(rules_dir=rules)
    return [str(error) for error in raised.value.errors]


def test_a_minimal_rule_file_loads_and_decides(tmp_path):
    """The smallest useful file: a derived value and a rule reading it, in two layers."""
    with Kernel(rules_dir=write_rules(tmp_path, GOOD)) as kernel:
        decision = kernel.evaluate(return_case())
        ruleset = kernel.library.get("ecommerce", "return").compiled
    assert decision.outcomes["return"] == {
        "decision": "return",
        "reason": "in_window",
        "return_deadline": "2026-03-09",
    }
    layers = {rule.id: rule.layer for rule in ruleset.rules}
    assert layers["R-DEADLINE"] < layers["R-RETURN"]


def test_yaml_error_names_file_and_line(tmp_path):
    """A YAML syntax error is reported with the file and line."""
    errors = load_errors(tmp_path, GOOD.replace("    name: deadline", "    name: [deadline"))
    assert len(errors) == 1
    assert errors[0].startswith("rules/ecommerce/return.yaml:")
    assert "YAML error" in errors[0]


def test_unknown_fact_in_condition_suggests_the_right_one(tmp_path):
    """DESIGN.md §3's own example: a misspelt fact, with file:line and did-you-mean."""
    text = GOOD.replace(
        "      request_type == no_reason_return\n",
        "      request_type == no_reason_return and condition.tag_intact == false\n",
    )
    [error] = load_errors(tmp_path, text)
    assert error.endswith(
        "return.yaml:17: rule R-RETURN: unknown fact 'condition.tag_intact' "
        "(did you mean 'condition.tags_intact'?)"
    )


def test_bare_misspelt_fact_is_an_unknown_fact(tmp_path):
    """A bare misspelt name compared with a date is reported as an unknown fact."""
    text = GOOD.replace("and request_date <= return_deadline", "and request_dat <= return_deadline")
    [error] = load_errors(tmp_path, text)
    assert "line" not in error.split(":")[0]
    assert ":18: rule R-RETURN: unknown fact 'request_dat' (did you mean 'request_date'?)" in error


def test_error_on_a_later_line_of_a_folded_condition(tmp_path):
    """In a multi-line `>-` condition the error points at the line of the bad token."""
    text = GOOD.replace("and request_date <= return_deadline", "and request_date <= 'soon'")
    [error] = load_errors(tmp_path, text)
    assert "return.yaml:18:" in error and "not a valid date" in error


def test_cycle_between_rules_is_a_load_error(tmp_path):
    """Rules that read each other's conclusions form a cycle, named with both places."""
    text = """\
    outputs: {decision: priority}
    values: {a: unique, b: unique}
    rules:
      - id: R-A
        when: b == true
        set: {a: true}
      - id: R-B
        when: a == true
        set: {b: true, decision: return}
    """
    [error] = load_errors(tmp_path, text)
    assert "rules form a cycle" in error
    assert "R-A (" in error and "R-B (" in error and "sets a, read by R-B" in error


def test_a_rule_reading_its_own_conclusion_is_a_cycle(tmp_path):
    """A self-feeding rule would loop; it is refused at load."""
    text = """\
    outputs: {refund_amount: priority}
    rules:
      - id: R-SELF
        when: refund_amount > 0
        set: {refund_amount: refund_amount + 1}
    """
    [error] = load_errors(tmp_path, text)
    assert "cycle" in error and "R-SELF" in error


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("    set: {decision: return, reason: in_window}", "    set: {decison: return}"),
            "sets 'decison', which is declared neither in outputs nor in values "
            "(did you mean 'decision'?)",
        ),
        (
            ("    set: {decision: return, reason: in_window}", "    set: {decision: retrun}"),
            "decision: 'retrun' is not one of [",
        ),
        (
            ("  reason: priority", "  reason: prority"),
            "unknown hit policy 'prority' (did you mean 'priority'?)",
        ),
        (("    name: deadline", "    nmae: deadline"), "unknown key 'nmae' (did you mean 'name'?)"),
        (("rules:", "rulez:"), "unknown section 'rulez' (did you mean 'rules'?)"),
        (
            ("add_days(delivered_date, window_days)", "add_dayz(delivered_date, window_days)"),
            "unknown function 'add_dayz' (did you mean 'add_days'?)",
        ),
        (
            ("add_days(delivered_date, window_days)", "add_days(delivered_date, 'x')"),
            "add_days() value 2 must be a whole number",
        ),
        (
            # a function in a condition is hoisted into an earlier value; its mistakes
            # still name the rule and the line of the condition
            ("request_date <= return_deadline", "request_date <= add_days(delivered_date, 'x')"),
            "return.yaml:18: rule R-RETURN: add_days() value 2 must be a whole number",
        ),
        (
            ("request_date <= return_deadline", "request_date = return_deadline"),
            "unexpected character '=': use == to compare",
        ),
        (
            ("delivered_date != null", "delivered_date > 5"),
            "cannot compare a date with a whole number",
        ),
        (
            ("  - id: R-RETURN\n    name: within the window\n", "  - name: no id\n"),
            "every rule needs an id",
        ),
    ],
    ids=[
        "undeclared-key",
        "enum-typo",
        "hit-policy",
        "rule-key",
        "section",
        "function",
        "argument-type",
        "function-in-condition",
        "single-equals",
        "type-mismatch",
        "no-id",
    ],
)
def test_load_errors_name_the_place_and_the_fix(tmp_path, edit, expected):
    """Each kind of mistake gives a one-line error with file:line and a suggestion."""
    old, new = edit
    assert old in GOOD
    errors = load_errors(tmp_path, GOOD.replace(old, new))
    assert any(expected in error for error in errors), errors
    assert all("return.yaml:" in error for error in errors)


def test_every_broken_rule_is_reported_at_once(tmp_path):
    """Two broken rules give two errors, not one per run."""
    text = GOOD.replace("delivered_date != null", "delivred_date != null").replace(
        "request_type == no_reason_return", "request_typ == no_reason_return"
    )
    errors = load_errors(tmp_path, text)
    assert len(errors) == 2
    assert any("R-DEADLINE" in e for e in errors) and any("R-RETURN" in e for e in errors)


def test_reading_a_value_no_rule_sets_is_an_error(tmp_path):
    """A condition on a value that nothing sets could never be true: refused."""
    text = GOOD.replace(
        "  return_deadline: unique\n", "  return_deadline: unique\n  refund_amount: priority\n"
    )
    text = text.replace("delivered_date != null", "refund_amount > 0")
    errors = load_errors(tmp_path, text)
    assert any(
        "reads 'refund_amount', but no rule of ecommerce.return sets it" in e for e in errors
    )


def test_file_without_a_kind_is_reported(tmp_path):
    """A file whose name is not a kind must declare its kinds."""
    rules = write_rules(tmp_path, GOOD, name="misc.yaml")
    with pytest.raises(RuleLoadError) as raised:
        Kernel(rules_dir=rules)
    assert "misc.yaml: cannot tell which kind this file decides" in str(raised.value)


def test_files_can_share_constants_across_kinds(tmp_path):
    """A file with `kinds: [fee, return]` takes part in both rule sets."""
    rules = write_rules(tmp_path, GOOD)
    (rules / "ecommerce" / "terms.yaml").write_text(
        "kinds: [fee, return]\nconstants: {threshold: 99}\nvalues: {free: unique}\n"
        "rules:\n  - id: T\n    when: goods_amount_paid >= threshold\n    set: {free: true}\n",
        encoding="utf-8",
    )
    # fee's own file (without it, fee would decide nothing: an error, test_silent_edits)
    (rules / "ecommerce" / "fee.yaml").write_text("outputs: {shipping_fee: first}\n")
    with Kernel(rules_dir=rules) as kernel:
        compiled = kernel.library.compiled()
    assert any(r.id == "T" for r in compiled[("ecommerce", "fee")].rules)
    assert any(r.id == "T" for r in compiled[("ecommerce", "return")].rules)
    assert not any(r.id == "T" for r in compiled[("ecommerce", "warranty")].rules)


def test_comments_survive_a_machine_edit(tmp_path):
    """Rule files are round-trip YAML: a tool changing a constant keeps the comments."""
    from cscore.rulebook.yamlsource import read_yaml, write_yaml

    path = write_rules(tmp_path, "# owner: 客服主管\n" + GOOD) / "ecommerce" / "return.yaml"
    data, _ = read_yaml(path, "return.yaml")
    data["constants"]["window_days"] = 10
    write_yaml(path, data)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# owner: 客服主管\n") and "window_days: 10" in text
