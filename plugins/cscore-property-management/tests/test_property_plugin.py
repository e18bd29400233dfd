"""The property-management plugin as a third party would test it: only the public
fixtures (cscore_kernel, make_case) and cscore.plugin."""

from __future__ import annotations

import pytest

from cscore.plugin import INVALID_INPUT, NEEDS_INFO, CaseError
from cscore_property_management import INDUSTRY, KINDS


def test_the_industry_is_discovered_with_its_kinds(cscore_kernel, make_case):
    """Installed through its entry point, the industry answers each of its kinds."""
    assert KINDS == ("warranty", "fee", "escalation", "routing")
    case = make_case(INDUSTRY, request_type="repair", repair_type="burst_pipe")
    decision = cscore_kernel.evaluate(case)
    assert decision.outcomes["routing"]["priority"] == "urgent"


def test_no_return_kind(cscore_kernel, make_case):
    """Property management has no return rules (CATALOG §10): a return case is refused
    with a one-line error naming the kinds it has."""
    case = make_case(INDUSTRY, "return", request_type="repair")
    with pytest.raises(CaseError, match="unknown kind 'return' for property_management"):
        cscore_kernel.evaluate(case)


def test_covered_defect_goes_to_the_developer_free(cscore_kernel, make_case):
    decision = cscore_kernel.evaluate(
        make_case(
            INDUSTRY,
            "warranty",
            item_type="roof_waterproofing",
            location="common",
            completion_acceptance_date="2021-09-01",
            report_date="2026-09-01",
            cause="normal_use",
        )
    )
    outcome = decision.outcomes["warranty"]
    assert outcome["covered"] is True
    assert outcome["warranty_end"] == "2026-09-01"  # the last day of 5 years, inclusive
    assert outcome["responsible_party"] == "developer"
    assert outcome["department"] == "developer"
    assert "COMMON-CAL-009" in {entry.rule for entry in decision.trace}


def test_handover_month_is_prorated_by_calendar_days(cscore_kernel, make_case):
    decision = cscore_kernel.evaluate(
        make_case(
            INDUSTRY,
            "fee",
            unit_price_per_sqm_month=2.0,
            area_sqm=90.0,
            billing_months=["2026-08", "2026-09"],
            handover_date="2026-08-31",
        )
    )
    outcome = decision.outcomes["fee"]
    # monthly 180; August: owner 180 × 1/31 = 5.81, developer 174.19; September owner
    assert outcome == {
        "monthly_fee": 180.0,
        "owner_amount": 185.81,
        "developer_amount": 174.19,
    }


def test_every_deciding_rule_speaks_chinese_to_the_customer(cscore_kernel, make_case):
    """The deciding rules carry a polite customer-facing message."""
    decision = cscore_kernel.evaluate(
        make_case(
            INDUSTRY, "fee", utility="water", utility_amount=50.0, utility_handling_fee_charged=2.0
        )
    )
    messages = [e.message for e in decision.trace if e.rule == "PROP-FEE-002" and e.message]
    assert messages and all(m.startswith(("您好", "非常抱歉")) for m in messages)


def test_bad_and_missing_facts(cscore_kernel, make_case):
    arrival_before_report = make_case(
        INDUSTRY,
        "escalation",
        request_type="repair",
        repair_type="gas_leak",
        reported_at="2026-07-01T10:00:00+08:00",
        arrived_at="2026-07-01T09:50:00+08:00",
    )
    outcome = cscore_kernel.evaluate(arrival_before_report).outcomes["escalation"]
    assert outcome == {"decision": INVALID_INPUT, "invalid_fields": ["arrived_at"]}

    unknown_item = make_case(INDUSTRY, "warranty", item_type="swimming_pool")
    outcome = cscore_kernel.evaluate(unknown_item).outcomes["warranty"]
    assert outcome["decision"] == INVALID_INPUT
    assert outcome["invalid_fields"] == ["item_type"]

    no_handover = make_case(
        INDUSTRY, "fee", unit_price_per_sqm_month=2.0, area_sqm=90.0, billing_months=["2026-08"]
    )
    outcome = cscore_kernel.evaluate(no_handover).outcomes["fee"]
    assert outcome == {"decision": NEEDS_INFO, "missing_fields": ["handover_date"]}
