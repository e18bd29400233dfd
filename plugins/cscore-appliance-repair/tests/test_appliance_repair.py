"""The appliance-repair plugin as a third party would test it: through the installed
kernel (``cscore_kernel``), cases built with ``make_case``, and ``cscore.plugin`` only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cscore_appliance_repair
from cscore.plugin import INVALID_INPUT, NEEDS_INFO, CaseError

# The spec's public appliance cases (CATALOG.md examples), copied beside the tests.
PUBLIC = json.loads((Path(__file__).parent / "public_cases.json").read_text(encoding="utf-8"))


def test_the_public_cases_are_the_ten_appliance_cases():
    assert [c["id"] for c in PUBLIC] == [f"PUB-APPL-{n:02d}" for n in range(1, 11)]
    assert {c["industry"] for c in PUBLIC} == {"appliance_repair"}


@pytest.mark.parametrize("case", PUBLIC, ids=[c["id"] for c in PUBLIC])
def test_public_case(cscore_kernel, case):
    """Every expected field, and every rule the case cites appears in the trace."""
    decision = cscore_kernel.evaluate(case)
    outcome = decision.outcomes[case["kind"]]
    for key, expected in case["expected"].items():
        if isinstance(expected, float):
            assert outcome.get(key) == pytest.approx(expected, abs=0.005), key
        else:
            assert outcome.get(key) == expected, key
    fired = {entry.rule for entry in decision.trace}
    assert set(case["rules"]) <= fired, sorted(set(case["rules"]) - fired)


def test_industry_is_registered_with_its_kinds(cscore_kernel):
    spec = cscore_kernel.industries["appliance_repair"]
    assert spec.kinds == ("warranty", "return", "fee", "escalation", "routing")
    assert spec.rules_dir == cscore_appliance_repair.default_rules_dir()
    assert (spec.rules_dir / "warranty.main_parts.csv").is_file()


def test_every_catalog_rule_is_implemented():
    """Each APPL id of CATALOG.md §3 is a rule id in the rule files."""
    text = " ".join(
        p.read_text(encoding="utf-8")
        for p in cscore_appliance_repair.default_rules_dir().iterdir()
        if not p.name.endswith(".cases.yaml")
    )
    wanted = (
        [f"APPL-WAR-{n:03d}" for n in range(1, 9)]
        + [f"APPL-RET-{n:03d}" for n in range(1, 10)]
        + [f"APPL-FEE-{n:03d}" for n in range(1, 5)]
        + [f"APPL-SLA-{n:03d}" for n in range(1, 5)]
        + [f"APPL-ESC-{n:03d}" for n in range(1, 6)]
        + [f"APPL-ROUTE-{n:03d}" for n in range(1, 4)]
    )
    assert [rule for rule in wanted if f"id: {rule}" not in text and f"{rule}," not in text] == []


def test_every_deciding_rule_speaks_to_the_customer_in_chinese(cscore_kernel, make_case):
    """The trace of a decision carries the customer-facing message of the deciding rule."""
    case = make_case(
        "appliance_repair",
        "warranty",
        product_category="television",
        delivery_date="2026-01-10",
        fault_date="2026-03-01",
        failed_part_is_main=False,
        has_warranty_card=True,
    )
    decision = cscore_kernel.evaluate(case)
    messages = [e.message for e in decision.trace if e.rule == "APPL-WAR-002" and e.message]
    assert messages == ["您好，您的产品仍在整机保修期内（至{warranty_end}），本次维修免费。"]


def test_main_part_years_come_from_the_editable_table(cscore_kernel, make_case):
    """A 三包-catalogue category gets 3 years for a main part, any other category 2."""
    facts = {
        "delivery_date": "2024-03-01",
        "fault_date": "2026-06-01",
        "failed_part_is_main": True,
        "has_invoice": True,
    }
    fridge = cscore_kernel.evaluate(
        make_case("appliance_repair", "warranty", product_category="refrigerator", **facts)
    )
    dishwasher = cscore_kernel.evaluate(
        make_case("appliance_repair", "warranty", product_category="dishwasher", **facts)
    )
    assert fridge.outcomes["warranty"]["warranty_end"] == "2027-03-01"
    assert fridge.outcomes["warranty"]["covered"] is True
    assert dishwasher.outcomes["warranty"]["warranty_end"] == "2026-03-01"
    assert dishwasher.outcomes["warranty"]["covered"] is False


def test_day_windows_across_every_kind_boundary(cscore_kernel, make_case):
    """Day 7 → return, day 8 → exchange, day 15 → exchange, day 16 → warranty repair."""
    base = {
        "invoice_date": "2026-06-01",
        "invoice_price": 1999.0,
        "delivery_date": "2026-06-01",
        "performance_fault": True,
        "requested_remedy": "return",
        "has_invoice": True,
        "failed_part_is_main": False,
    }
    decisions = {}
    for day in (0, 7, 8, 15, 16):
        case = make_case("appliance_repair", "return", fault_date=f"2026-06-{1 + day:02d}", **base)
        outcome = cscore_kernel.evaluate(case).outcomes["return"]
        decisions[day] = (outcome["decision"], outcome["day"])
    assert decisions == {
        0: ("return", 0),
        7: ("return", 7),
        8: ("exchange", 8),
        15: ("exchange", 15),
        16: ("repair", 16),
    }


def test_impossible_and_missing_facts(cscore_kernel, make_case):
    before_start = make_case(
        "appliance_repair",
        "warranty",
        delivery_date="2026-06-10",
        fault_date="2026-06-09",
        has_invoice=True,
    )
    no_install_date = make_case(
        "appliance_repair",
        "fee",
        installation_required=True,
        delivery_date="2026-06-10",
        fault_date="2026-07-01",
    )
    bad_rate = make_case("appliance_repair", "return", depreciation_rate_per_day=1.5)
    assert cscore_kernel.evaluate(before_start).outcomes["warranty"] == {
        "decision": INVALID_INPUT,
        "invalid_fields": ["fault_date"],
    }
    assert cscore_kernel.evaluate(no_install_date).outcomes["fee"] == {
        "decision": NEEDS_INFO,
        "missing_fields": ["installation_completed_date"],
    }
    rate = cscore_kernel.evaluate(bad_rate).outcomes["return"]
    assert rate["decision"] == INVALID_INPUT
    assert rate["invalid_fields"] == ["depreciation_rate_per_day"]


def test_without_the_plugin_the_industry_is_gone(monkeypatch, make_case):
    """Not loading the plugin (as if uninstalled) removes the industry and nothing else."""
    monkeypatch.setenv("CSCORE_LOAD_PLUGINS", "ecommerce,common")
    import cscore  # the host's API: the kernel a host would start

    with cscore.Kernel(db=":memory:") as kernel:
        assert "appliance_repair" not in kernel.industries
        assert "ecommerce" in kernel.industries
        with pytest.raises(CaseError, match="unknown industry 'appliance_repair'"):
            kernel.evaluate(make_case("appliance_repair", "warranty", fault_date="2026-01-01"))
