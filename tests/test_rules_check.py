"""`cscore rules check` reports every problem at once, reads the rule cases too, and
translates YAML syntax errors; `cscore rules test` prints a decision's warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cscore.cli import cli

from .test_rulefiles import GOOD, load_errors


def run(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(tmp_path / "cli.db"), *args])


def test_every_broken_entry_of_a_file_is_reported(tmp_path):
    """The YAML reader no longer stops at the first broken rule of a file."""
    text = GOOD.replace("    name: deadline", "    nmae: deadline").replace(
        "    name: within the window", "    titel: within the window"
    )
    errors = load_errors(tmp_path, text)
    assert len(errors) == 2, errors
    assert "return.yaml:10: rule R-DEADLINE: unknown key 'nmae'" in errors[0]
    assert "return.yaml:15: rule R-RETURN: unknown key 'titel'" in errors[1]


def test_rules_check_reads_the_rule_cases(tmp_path, rules_copy):
    """A fact, an expected field and an expected rule that cannot match, each named
    with the case's file:line and a did-you-mean."""
    path = rules_copy / "ecommerce" / "return.cases.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      order_channel: online\n", "      order_chanel: online\n", 1)
    text = text.replace(
        "      return_shipping_paid_by: buyer\n", "      return_shiping: buyer\n", 1
    )
    text = text.replace(
        "expect_rules: [ECOM-RET-001, COMMON", "expect_rules: [ECOM-RTE-001, COMMON"
    )
    path.write_text(text, encoding="utf-8")
    result = run(tmp_path, "rules", "check", str(rules_copy))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR ")]
    where = "return.cases.yaml:8: case '第4天 七日无理由退货 (PUB-ECOM-01)'"
    errors = [error for error in errors if where in error]  # (later cases share the facts)
    expected = [
        "unknown fact 'order_chanel' (did you mean 'order_channel'?)",
        "'return_shiping' is not an output of ecommerce.return "
        "(did you mean 'return_shipping_paid_by'?)",
        "expect_rules names 'ECOM-RTE-001', which no rule has (did you mean 'ECOM-RET-001'?)",
    ]
    for message in expected:
        assert any(message in error for error in errors), (message, errors)


def test_rules_check_refuses_an_unknown_kind_in_a_case(tmp_path, rules_copy):
    path = rules_copy / "ecommerce" / "return.cases.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("kind: return\n", "kind: retrun\n"),
        encoding="utf-8",
    )
    result = run(tmp_path, "rules", "check", str(rules_copy))
    assert result.exit_code == 1
    assert "ecommerce has no kind 'retrun' (did you mean 'return'?)" in result.output


def test_rules_test_prints_the_decisions_warnings(tmp_path, rules_copy):
    """A fact the industry does not know is ignored with a warning: shown under PASS."""
    path = rules_copy / "ecommerce" / "return.cases.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "      shipping_fee_paid: 0.00\n",
            "      shipping_fee_paid: 0.00\n      colour: red\n",
            1,
        ),
        encoding="utf-8",
    )
    result = run(tmp_path, "rules", "test", str(path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    index = lines.index("PASS  ecommerce.return › 第4天 七日无理由退货 (PUB-ECOM-01)")
    assert lines[index + 1].strip() == "warning: unknown fact 'colour' ignored"


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("    name: deadline", "\tname: deadline", 10, "a tab character at the start of a line"),
        ("    name: deadline", "    name deadline", 10, "a missing colon"),
        (
            "    name: deadline",
            "    name: deadline: soon",
            10,
            "a colon followed by a space inside a value: put the text in quotes",
        ),
        ("    name: deadline", "    name: [deadline", 10, "a '[' that is not closed"),
        ("    name: deadline", '    name: "deadline', 10, "a quote that is not closed"),
    ],
    ids=["tab", "missing-colon", "unquoted-colon", "bracket", "quote"],
)
def test_yaml_syntax_errors_in_plain_words(tmp_path, old, new, line, words):
    [error] = load_errors(tmp_path, GOOD.replace(old, new))
    assert f"return.yaml:{line}: YAML error: {words}" in error, error


def test_an_error_on_the_third_line_of_a_plain_multi_line_condition(tmp_path):
    """Without `>-` YAML folds the lines into one; the error still names line 18."""
    text = GOOD.replace("    when: >-\n      request_type", "    when: request_type").replace(
        "and request_date <= return_deadline",
        "and request_type != exchange\n      and request_date <= 'soon'",
    )
    [error] = load_errors(tmp_path, text)
    assert "return.yaml:18:" in error and "not a valid date" in error, error
