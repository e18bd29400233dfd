"""The edits of issue 9 that used to change decisions without a word: each one, made
in a scratch copy of rules/, makes `cscore rules check` fail with one line naming
file:line (a value read before every path sets it is a warning, fatal with --strict)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cscore.cli import cli


@pytest.fixture
def check(tmp_path):
    def invoke(rules: Path, *options: str) -> Result:
        args = ["--db", str(tmp_path / "cli.db"), "rules", "check", *options, str(rules)]
        return CliRunner().invoke(cli, args)

    return invoke


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (which must occur once) and return the line where ``new`` starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def errors(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("ERROR ")]


def test_the_shipped_rules_check_clean_even_strictly(check):
    """The baseline: no error, no warning, exit 0 with --strict."""
    result = check(Path(__file__).resolve().parents[1] / "rules", "--strict")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and result.output.startswith("OK: ")


def test_full_width_commas_in_a_list(check, rules_copy):
    """`[新疆，西藏，青海]` would be one item: 新疆 would ship free."""
    path = rules_copy / "ecommerce" / "shipping_terms.yaml"
    line = edit(path, "[新疆, 西藏, 青海, 甘肃, 宁夏]", "[新疆，西藏，青海，甘肃，宁夏]")
    result = check(rules_copy)
    assert result.exit_code == 1
    [error] = errors(result)
    assert f"shipping_terms.yaml:{line}: constant 'remote_provinces'" in error
    assert "full-width '，'" in error


def test_a_csv_row_missing_its_last_cell(check, rules_copy):
    """The last row without its carrier cell would drop carrier from the decision."""
    path = rules_copy / "ecommerce" / "fee.shipping.csv"
    row = "ECOM-FEE-001,不满门槛 收标准运费,!= false,,false,< free_shipping_threshold,"
    message = ",您好，您的订单未满包邮门槛，运费为{shipping_fee}元。"
    line = edit(
        path,
        row + "standard_shipping_fee,standard" + message,
        row + "standard_shipping_fee" + message,
    )
    result = check(rules_copy)
    assert result.exit_code == 1
    [error] = errors(result)
    assert f"fee.shipping.csv:{line}: 8 cells but 9 columns" in error


SEVEN_DAY_RULE = """\
  - id: ECOM-RET-001
    name: 七日无理由退货
    message: 您好，您的订单在七日无理由退货期内（至{return_deadline}），可以为您办理退货。
    # (the request types of a no-reason claim are repeated so that the rule visibly
    # excludes an exchange, a cancellation and an out-of-stock refund)
    when: >-
      no_reason_claim == true and request_type in [no_reason_return, quality_return]
      and order_channel in distance_channels and request_date <= return_deadline
    set: {decision: return, reason: no_reason_within_7_days}
"""


def _place_first(path: Path, block: str) -> int:
    return edit(path, "rules:\n", "rules:\n" + block + "\n") + 1


def test_a_copy_pasted_duplicate_rule_placed_first(check, rules_copy):
    """The same rule twice: the error names both places."""
    path = rules_copy / "ecommerce" / "return.yaml"
    original = path.read_text(encoding="utf-8")
    assert SEVEN_DAY_RULE in original
    first = _place_first(path, SEVEN_DAY_RULE)
    later = path.read_text(encoding="utf-8")
    second = later[: later.rindex(SEVEN_DAY_RULE)].count("\n") + 1
    result = check(rules_copy)
    assert result.exit_code == 1
    [error] = errors(result)
    assert re.search(rf"return\.yaml:{second}: rule ECOM-RET-001: is a copy of .*:{first} ", error)


def test_a_copy_placed_first_and_edited_to_an_exchange(check, rules_copy):
    """The copy that turned every 7-day return into an exchange: same priority, same
    condition, another value — a tie, named with both rules."""
    path = rules_copy / "ecommerce" / "return.yaml"
    copy = SEVEN_DAY_RULE.replace(
        "{decision: return, reason: no_reason_within_7_days}",
        "{decision: exchange, reason: no_reason_within_7_days}",
    )
    first = _place_first(path, copy)
    result = check(rules_copy)
    assert result.exit_code == 1
    assert any(
        f"return.yaml:{first}" in error and "with the same priority (0)" in error
        for error in errors(result)
    ), result.output


EXCLUSION_TEST = (
    "      (no_reason_claim == true or request_type == exchange)\n"
    "      and (return_exclusion in statutory_exclusions"
)


def test_equal_priorities_setting_different_values(check, rules_copy):
    """A statutory exclusion given the priority of the 7-day window: which reason a late
    request for a custom-made item gets would depend on file order."""
    path = rules_copy / "ecommerce" / "return.yaml"
    line = edit(
        path,
        "    priority: 30\n    when: >-\n" + EXCLUSION_TEST,
        "    priority: 40\n    when: >-\n" + EXCLUSION_TEST,
    )
    result = check(rules_copy)
    assert result.exit_code == 1
    [error] = errors(result)
    assert re.search(
        rf"return\.yaml:{line - 3}: rule ECOM-RET-002: sets '(decision|reason)'", error
    )
    assert "same priority (40) as ECOM-RET-001" in error


def test_a_typo_in_a_compared_value(check, rules_copy):
    """`reason == no_reason_within_7_day` is never true: the field would disappear."""
    path = rules_copy / "ecommerce" / "return.yaml"
    line = edit(
        path,
        "    when: reason == no_reason_within_7_days\n    set: {outbound_shipping_refund: 0}",
        "    when: reason == no_reason_within_7_day\n    set: {outbound_shipping_refund: 0}",
    )
    result = check(rules_copy)
    assert result.exit_code == 1
    [error] = errors(result)
    assert f"return.yaml:{line}: rule ECOM-FEE-007:" in error
    assert "(did you mean 'no_reason_within_7_days'?)" in error


def test_a_deleted_rule_file(check, rules_copy):
    """Without return.yaml every return decision would be `{}`."""
    (rules_copy / "ecommerce" / "return.yaml").unlink()
    result = check(rules_copy)
    assert result.exit_code == 1
    [error] = errors(result)
    assert "ERROR rules/ecommerce: ecommerce decides 'return'" in error  # no server path
    assert "add " in error and "return.yaml" in error


def test_a_rule_reading_a_value_only_some_rules_set(check, rules_copy):
    """A guard removed: earnest_valid is set only when a deposit cap and the amount are
    known. A warning naming the rule that sets it and when; --strict makes it fatal."""
    path = rules_copy / "sales_office" / "return.yaml"
    line = edit(
        path,
        "    when: earnest_valid != null and contract_signed == false\n",
        "    when: contract_signed == false\n",
    )
    result = check(rules_copy)
    assert result.exit_code == 0, result.output
    warnings = [w for w in result.output.splitlines() if w.startswith("warning: ")]
    assert len(warnings) == 2  # valid_deposit and excess, once each
    assert any(
        f"return.yaml:{line + 2}: rule SALES-DEP-004: valid_deposit reads 'earnest_valid'" in w
        and "when deposit_cap != null and amount_paid != null" in w
        for w in warnings
    ), warnings
    strict = check(rules_copy, "--strict")
    assert strict.exit_code == 1
    assert "2 warning(s) and --strict" in strict.output


def test_an_explicitly_empty_kind_file_is_allowed(check, rules_copy):
    """`rules: []` in fee.yaml says on purpose that the kind decides nothing (unlike a
    deleted file: the terms files still serving the kind would hide the loss)."""
    folder = rules_copy / "ecommerce"
    for name in ("fee.shipping.csv", "fee.cases.yaml"):
        (folder / name).unlink()
    (folder / "fee.yaml").write_text("rules: []\n", encoding="utf-8")
    result = check(rules_copy)
    assert result.exit_code == 0, result.output
