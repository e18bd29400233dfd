"""The sales-office plugin as a third party sees it: installed, discovered, deciding
through the public fixtures only."""

from __future__ import annotations

import json

from cscore.plugin import mask


def test_the_industry_is_discovered_with_its_kinds(cscore_kernel):
    spec = cscore_kernel.industries["sales_office"]
    assert spec.kinds == ("return", "fee", "escalation", "routing")
    assert spec.rules_dir.name in ("sales_office", "rules")


def test_a_vip_with_the_named_consultant_off_site(cscore_kernel, make_case):
    """SALES-ROUTE-002 + 004: the rotation receives, the named consultant is credited and
    notified with the sales manager, priority urgent."""
    decision = cscore_kernel.evaluate(
        make_case(
            "sales_office",
            "routing",
            first_visit=False,
            customer_tier="vip",
            named_consultant="刘洋",
            named_consultant_on_site=False,
            rotation_next="陈杰",
        )
    )
    assert decision.outcomes["routing"] == {
        "assigned_consultant": "陈杰",
        "credited_consultant": "刘洋",
        "notify": ["刘洋", "sales_manager"],
        "priority": "urgent",
    }
    assert {"SALES-ROUTE-002", "SALES-ROUTE-004", "COMMON-VIP-001"} <= {
        entry.rule for entry in decision.trace
    }


def test_the_earliest_valid_claim_wins(cscore_kernel, make_case):
    """SALES-ROUTE-003 judged in the rule file with list operations: the claim after the
    window is ignored, the earliest of the others wins."""
    decision = cscore_kernel.evaluate(
        make_case(
            "sales_office",
            "routing",
            first_visit=False,
            rotation_next="陈杰",
            received_by="王敏",
            visit_date="2026-04-15",
            claims=[
                {"consultant": "陈杰", "claim_date": "2026-04-18"},
                {"consultant": "李娜", "claim_date": "2026-04-17"},
                {"consultant": "赵强", "claim_date": "2026-04-16"},
            ],
        )
    )
    routing = decision.outcomes["routing"]
    assert routing["credited_consultant"] == "赵强"
    assert routing["claim_deadline"] == "2026-04-17T23:59:59+08:00"


def test_personal_facts_never_change_the_answer_and_never_show(cscore_kernel, make_case):
    facts = {"requester_role": "authorized_agent", "written_authorization": True}
    personal = {"customer_name": "张伟", "customer_phone": "13812345678", "unit_number": "12-1801"}
    plain = cscore_kernel.evaluate(make_case("sales_office", "routing", **facts))
    carried = cscore_kernel.evaluate(make_case("sales_office", "routing", **facts, **personal))
    assert (
        carried.outcomes
        == plain.outcomes
        == {"routing": {"action": "disclose", "reason": "written_authorization"}}
    )
    shown = json.dumps(carried.to_json_dict(), ensure_ascii=False)
    assert all(value not in shown for value in personal.values())
    assert mask("13812345678", "phone") == "138****5678"
