"""Only money is rounded: values typed money (CATALOG §7 amounts, money facts, `type:
money` outputs) show 2 decimals, half up; other numbers (rates) are shown as computed."""

from __future__ import annotations

import pytest

from cscore.jsonvalues import round_half_up
from cscore.kernel import Kernel
from cscore.language.types import MONEY, NUMBER

from .conftest import return_case

PROBE = """\
kinds: [return]
outputs:
  depreciation_rate: {hit: priority, type: number}
  probe_amount: {hit: priority, type: money}
  probe_ratio: priority
  probe_paid: {hit: priority, type: money}
values:
  probe_share: priority
rules:
  - id: T-RATE
    name: a rate and an amount
    set:
      depreciation_rate: 0.001
      probe_share: goods_amount_paid / 3
      probe_amount: goods_amount_paid * 0.0105
      probe_ratio: goods_amount_paid / goods_amount_paid / 3
      probe_paid: goods_amount_paid + 0
"""


def _probe_kernel(rules_copy):
    (rules_copy / "ecommerce" / "probe.yaml").write_text(PROBE, encoding="utf-8")
    return Kernel(rules_dir=rules_copy)


def test_a_rate_survives_and_money_rounds_half_up(rules_copy):
    """0.001 stays 0.001 (it used to show as 0.0); 259 × 0.0105 = 2.7195 shows 2.72 and
    the money/money ratio keeps its digits; the trace rounds the same names."""
    with _probe_kernel(rules_copy) as kernel:
        decision = kernel.evaluate(return_case())
    outcome = decision.outcomes["return"]
    assert outcome["depreciation_rate"] == 0.001
    assert outcome["probe_amount"] == 2.72
    assert outcome["probe_ratio"] == 1 / 3
    entry = next(e for e in decision.trace if e.rule == "T-RATE")
    assert entry.set_values["depreciation_rate"] == 0.001
    assert entry.set_values["probe_amount"] == 2.72
    # an intermediate amount computed from money is money too, and so rounded
    assert entry.set_values["probe_share"] == 86.33


def test_half_up_not_bankers(rules_copy):
    """2.675 (binary 2.67499…) rounds to 2.68, as CATALOG's round half up wants."""
    with _probe_kernel(rules_copy) as kernel:
        decision = kernel.evaluate(return_case(goods_amount_paid=2.675))
    assert decision.outcomes["return"]["probe_paid"] == 2.68


@pytest.mark.parametrize(
    ("computed", "rounded"),
    [
        (3299 * 0.001 * 45, 148.46),  # 148.45499999999998 in binary: 148.455 half up
        (1234.5 * 0.001 * 10, 12.35),  # 12.344999999999999
        (0.1 + 0.2, 0.3),
        (2.675, 2.68),
        (-148.455, -148.46),  # half away from zero, as the decimal text reads
        (148.4549, 148.45),  # below the half: down
        (99999999999.995, 100000000000.0),
    ],
)
def test_half_up_reads_the_computed_value_not_its_binary_noise(computed, rounded):
    assert round_half_up(computed, 2) == rounded


def test_catalog_amounts_are_money_and_rates_are_not(kernel):
    """§7 amounts are typed money in the industry's vocabulary, so the compiled rule
    set rounds them; the rounding follows the type, not the value."""
    returns = kernel.library.get("ecommerce", "return").compiled
    fees = kernel.library.get("ecommerce", "fee").compiled
    assert returns.key_types["refund_amount"] == MONEY
    assert fees.key_types["shipping_fee"] == MONEY
    assert {"refund_amount", "shipping_deduction"} <= set(returns.money)
    assert "shipping_fee" in fees.money
    assert returns.key_types["return_deadline"] != NUMBER


def test_money_facts_are_money_to_the_rules(kernel):
    """`Money` facts reach the rule language as money."""
    types = kernel.industries["ecommerce"].fact_types()
    assert types["goods_amount_paid"] == MONEY
    assert types["promotion.discount"] == MONEY
