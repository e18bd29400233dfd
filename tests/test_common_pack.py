"""The common rule pack (rules/common) as industries use it: overridable in one place,
traced to the file that decided, and VIP never changing anything but priority."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cscore.cli import cli
from cscore.kernel import Kernel

TICKET = {
    "id": "T-TICKET",
    "industry": "ecommerce",
    "kind": "escalation",
    "facts": {
        "issue_type": "logistics",
        "ticket_created_at": "2026-03-20T17:00:00+08:00",
        "as_of": "2026-03-20T17:05:00+08:00",
    },
}


def test_common_rules_take_part_in_every_ecommerce_kind_they_declare(kernel):
    """routing.yaml serves routing and escalation; tickets.yaml only escalation."""
    compiled = kernel.library.compiled()
    files = {
        kind: {f.path for f in compiled[("ecommerce", kind)].files}
        for kind in ("routing", "escalation", "return")
    }
    assert "rules/common/routing.yaml" in files["routing"] & files["escalation"]
    assert "rules/common/tickets.yaml" in files["escalation"] - files["routing"]
    assert not any(path.startswith("rules/common/") for path in files["return"])


def test_industry_overrides_a_common_constant_and_the_trace_says_where(rules_copy):
    """An e-commerce file redefines the 2 working hours of COMMON-CH-005: the deadline
    moves, and the trace names the file that set the value."""
    path = rules_copy / "ecommerce" / "escalation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("constants:\n", "constants:\n  department_contact_working_hours: 4\n", 1),
        encoding="utf-8",
    )
    with Kernel(rules_dir=rules_copy) as kernel:
        decision = kernel.evaluate(TICKET)
        compiled = kernel.library.get("ecommerce", "escalation").compiled
    # Friday 17:00 + 4 working hours = 1 h on Friday + 3 h on Monday
    assert decision.outcomes["escalation"]["first_contact_due_at"] == "2026-03-23T12:00:00+08:00"
    entry = next(e for e in decision.trace if e.rule == "COMMON-CH-005")
    assert entry.source.startswith("rules/common/tickets.yaml:")
    line = (
        path.read_text(encoding="utf-8").splitlines().index("  department_contact_working_hours: 4")
    )
    assert entry.overrides == {
        "department_contact_working_hours": f"rules/ecommerce/escalation.yaml:{line + 1}"
    }
    assert "department_contact_working_hours" in compiled.shadowed
    # other industries' view of the common pack is unchanged: the default rules still say 2 h
    with Kernel() as default:
        untouched = default.evaluate(TICKET).outcomes["escalation"]["first_contact_due_at"]
    assert untouched == "2026-03-23T10:00:00+08:00"


def test_industry_rule_replaces_a_common_rule(rules_copy):
    """`replaces:` swaps a common rule for an industry's own; the trace shows the
    industry file decided."""
    path = rules_copy / "ecommerce" / "escalation.yaml"
    text = path.read_text(encoding="utf-8")
    own_rule = (
        "rules:\n"
        "  - id: ECOM-TKT-005\n"
        "    name: 电商 普通工单 当日22:00前反馈\n"
        "    replaces: [COMMON-TKT-005]\n"
        "    when: ticket_created_at != null\n"
        "    set:\n"
        '      feedback_due_at: at(date_of(ticket_created_at), clock("22:00"))\n'
    )
    path.write_text(text.replace("rules:\n", own_rule, 1), encoding="utf-8")
    with Kernel(rules_dir=rules_copy) as kernel:
        decision = kernel.evaluate(TICKET)
    assert decision.outcomes["escalation"]["feedback_due_at"] == "2026-03-20T22:00:00+08:00"
    fired = {e.rule: e.source for e in decision.trace}
    assert "COMMON-TKT-005" not in fired
    assert fired["ECOM-TKT-005"].startswith("rules/ecommerce/escalation.yaml:")


def test_replacing_an_unknown_common_rule_is_an_error(rules_copy):
    """A typo in `replaces:` is reported with a suggestion."""
    from cscore import RuleLoadError

    path = rules_copy / "ecommerce" / "escalation.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "rules:\n",
        "rules:\n  - id: X\n    replaces: [COMMON-TKT-05]\n    set: {breached: true}\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        RuleLoadError, match=r"replaces 'COMMON-TKT-05'.*did you mean 'COMMON-TKT-00?5'"
    ):
        Kernel(rules_dir=rules_copy)


def _rules_test(rules_dir) -> tuple[int, set[str]]:
    result = CliRunner().invoke(cli, ["--db", ":memory:", "rules", "test", str(rules_dir)])
    failed = {
        line.split("›", 1)[1].split("  (")[0].strip()
        for line in result.output.splitlines()
        if line.startswith("FAIL  ")
    }
    return result.exit_code, failed


def test_changing_the_free_shipping_threshold_in_one_place(rules_copy):
    """One edit of shipping_terms.yaml moves the fee table and the partial-return
    deduction; `cscore rules test` names exactly the cases whose answer changed."""
    assert _rules_test(rules_copy) == (0, set())
    terms = rules_copy / "ecommerce" / "shipping_terms.yaml"
    text = terms.read_text(encoding="utf-8")
    terms.write_text(
        text.replace("free_shipping_threshold: 99.00", "free_shipping_threshold: 100.00"),
        encoding="utf-8",
    )
    exit_code, failed = _rules_test(rules_copy)
    assert exit_code == 1
    assert failed == {"满99包邮 (正好99)"}


def test_changing_the_remote_province_list_in_one_place(rules_copy):
    """Taking 宁夏 off the remote list changes exactly the 宁夏 case."""
    terms = rules_copy / "ecommerce" / "shipping_terms.yaml"
    text = terms.read_text(encoding="utf-8")
    terms.write_text(
        text.replace("[新疆, 西藏, 青海, 甘肃, 宁夏]", "[新疆, 西藏, 青海, 甘肃]"), encoding="utf-8"
    )
    exit_code, failed = _rules_test(rules_copy)
    assert exit_code == 1
    assert failed == {"偏远地区 198.99 收20元"}


def test_vip_changes_priority_and_nothing_else(kernel):
    """COMMON-VIP-001: for the same case a VIP gets a higher priority and the ticket's
    internal feedback deadline that follows it (with the escalation its miss brings);
    every other outcome field of every kind (eligibility, fees, statutory deadlines) is
    identical."""
    internal = {"feedback_due_at", "breached", "escalation_level", "escalate_to"}
    facts = {
        "issue_type": "logistics",
        "ticket_created_at": "2026-03-20T17:00:00+08:00",
        "as_of": "2026-03-23T09:30:00+08:00",
        "order_channel": "online",
        "request_type": "no_reason_return",
        "delivered_date": "2026-03-02",
        "request_date": "2026-03-06",
        "goods_amount_paid": 59.0,
        "shipping_fee_paid": 0.0,
        "ship_to_province": "新疆",
        "courier_reachable": True,
        "fault_date": "2026-03-05",
    }
    regular = kernel.evaluate(
        {"industry": "ecommerce", "facts": {**facts, "customer_tier": "regular"}}
    )
    vip = kernel.evaluate({"industry": "ecommerce", "facts": {**facts, "customer_tier": "vip"}})
    for kind, outcome in regular.outcomes.items():
        other = dict(vip.outcomes[kind])
        if "priority" in outcome:
            assert (outcome["priority"], other.pop("priority")) == ("normal", "urgent")
            outcome = {k: v for k, v in outcome.items() if k != "priority"}
        if kind == "escalation":  # normal: next working day 18:00; urgent: the same day
            assert (outcome["feedback_due_at"], other["feedback_due_at"]) == (
                "2026-03-23T18:00:00+08:00",
                "2026-03-20T18:00:00+08:00",
            )
            outcome = {k: v for k, v in outcome.items() if k not in internal}
            other = {k: v for k, v in other.items() if k not in internal}
        assert outcome == other, kind


def test_explain_a_multi_kind_case(tmp_path):
    """--explain on a case without kind: a section per kind, each rule with file:line and
    the values it matched."""
    case = {
        "id": "MULTI",
        "industry": "ecommerce",
        "facts": {
            **TICKET["facts"],
            "ship_to_province": "新疆",
            "goods_amount_paid": 150.0,
            "courier_reachable": True,
            "promotion_free_shipping": False,
        },
    }
    path = tmp_path / "multi.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "evaluate", str(path), "--explain"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    for kind in ("return", "fee", "escalation", "warranty", "routing"):
        assert f"[{kind}]" in out
    fee = out.split("[fee]")[1].split("[escalation]")[0]
    assert "shipping_fee: 20.0" in fee
    assert (
        "ECOM-FEE-002@fee.shipping.csv#2 偏远地区 不满门槛 基础运费+偏远附加  "
        "(rules/ecommerce/fee.shipping.csv:" in fee
    )
    assert "matched: courier_reachable=true, goods_amount_paid=150.0, remote_area=true" in fee
    escalation = out.split("[escalation]")[1].split("[warranty]")[0]
    assert "COMMON-CH-005" in escalation and "(rules/common/tickets.yaml:" in escalation
    assert "matched: ticket_created_at=2026-03-20T17:00:00+08:00" in escalation
    assert "needs_info" in out.split("[return]")[1].split("[fee]")[0]
