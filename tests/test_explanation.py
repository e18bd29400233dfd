"""Explanations an agent can read out (issue 11): the deciding rule of every outcome
field, customer messages, why not, what would change it, and needs_info alternatives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cscore import RuleLoadError
from cscore.cli import cli
from cscore.cli.explain import explain
from cscore.kernel import Kernel

from .conftest import PUBLIC_CASES, return_case

ECOMMERCE = [
    c for c in json.loads(PUBLIC_CASES.read_text(encoding="utf-8")) if c["industry"] == "ecommerce"
]


def _decided_by(text: str, kind: str) -> list[str]:
    section = text.split(f"[{kind}]", 1)[1].split("decided by:", 1)[1]
    return section.splitlines()


@pytest.mark.parametrize("case", ECOMMERCE, ids=[c["id"] for c in ECOMMERCE])
def test_every_public_case_names_the_deciding_rule_of_each_field_first(case, kernel):
    """The JSON decision names, per outcome field, the rule that set it (a rule of the
    trace that set that field to the value the outcome shows); --explain lists it right
    under the field, before any other fired rule."""
    decision = kernel.evaluate(case)
    data = decision.to_json_dict()
    kind = case["kind"]
    outcome = data["outcomes"][kind]
    deciding = data["explanation"]["kinds"][kind]["deciding"]
    assert set(deciding) == set(outcome)
    text = explain(data)
    lines = _decided_by(text, kind)
    for field, value in outcome.items():
        rules = deciding[field]["rules"]
        if not rules:  # a declared default: the declaration is named instead
            assert deciding[field]["default"]
            continue
        setters = {
            e["key"]: e["set"] for e in data["trace"] if e["kind"] == kind and field in e["set"]
        }
        assert rules[0]["key"] in setters, field
        if len(rules) == 1 and not isinstance(value, list):
            assert setters[rules[0]["key"]][field] == value, field
        header = next(
            i
            for i, line in enumerate(lines)
            if line.strip().endswith(":") and (field in line.strip()[:-1].split(", "))
        )
        assert lines[header + 1].strip().startswith(rules[0]["key"] + " "), (field, text)
    assert text.index("decided by:") < text.index("rules version")


def test_a_late_return_says_which_rule_failed_with_both_values_and_the_date_that_allows_it(
    kernel,
):
    decision = kernel.evaluate(return_case(request_date="2026-03-11"))
    assert decision.outcomes["return"]["decision"] == "reject"
    why = decision.explanation["kinds"]["return"]["why_not"][0]
    assert why["key"] == "decision" and why["value"] == "reject"
    nearest = why["rules"][0]
    assert nearest["rule"] == "ECOM-RET-001" and nearest["name"] == "七日无理由退货"
    assert nearest["would_set"] == {"decision": "return"}
    (failed,) = nearest["failed"]
    assert failed["actual"] == "request_date 2026-03-11 > return_deadline 2026-03-09"
    assert failed["values"] == {"request_date": "2026-03-11", "return_deadline": "2026-03-09"}
    change = failed["change"]
    assert (change["name"], change["op"], change["value"]) == ("request_date", "<=", "2026-03-09")
    assert change["fact"] is True and change["now"] == "2026-03-11"
    assert change["text"] == "request_date 在 2026-03-09 或之前"
    text = explain(decision)
    assert "ECOM-RET-001#3 七日无理由退货 would set decision=return" in text
    assert "failed: request_date 2026-03-11 > return_deadline 2026-03-09" in text
    assert (
        "would change it: request_date 在 2026-03-09 或之前  (request_date <= 2026-03-09)" in text
    )


def test_a_paid_repair_names_the_warranty_rule_and_its_end_date(kernel):
    case = {
        "id": "PAID",
        "industry": "ecommerce",
        "kind": "warranty",
        "facts": {
            "product_category": "blender",
            "delivered_date": "2025-11-20",
            "fault_date": "2028-01-10",
            "failed_part": "motor",
            "failed_part_is_main": True,
            "has_invoice": True,
        },
    }
    decision = kernel.evaluate(case)
    assert decision.outcomes["warranty"]["charge"] == "paid"
    part = decision.explanation["kinds"]["warranty"]
    assert part["deciding"]["warranty_end"]["rules"][0]["rule"] == "ECOM-WAR-001"
    charge = next(w for w in part["why_not"] if w["key"] == "charge")
    free = charge["rules"][0]
    assert free["rule"] == "ECOM-WAR-003" and free["would_set"] == {"charge": "free"}
    (failed,) = free["failed"]
    assert failed["condition"] == "covered == true"
    ends = {v["failed"][0]["change"]["value"] for v in failed["via"]}
    assert "2027-11-20" in ends  # the main-part warranty's end
    assert all(v["rule"] == "ECOM-WAR-001" for v in failed["via"])
    assert "fault_date 在 2027-11-20 或之前" in explain(decision)


def test_needs_info_says_what_each_value_of_the_missing_fact_would_decide(kernel):
    case = return_case()
    del case["facts"]["order_channel"]
    decision = kernel.evaluate(case)
    assert decision.outcomes["return"]["decision"] == "needs_info"
    (given,) = decision.explanation["kinds"]["return"]["if_given"]
    assert given["fact"] == "order_channel"
    decided = {o["value"]: o["outcome"]["decision"] for o in given["outcomes"]}
    assert decided["online"] == "return" and decided["offline_store"] == "reject"
    assert len(decided) <= 6
    assert "= offline_store → decision=reject" in explain(decision)


def test_messages_are_rendered_with_the_decisions_values_in_order(kernel):
    decision = kernel.evaluate(return_case())
    messages = decision.explanation["messages"]
    texts = [m["text"] for m in messages]
    assert "您好，您的订单在七日无理由退货期内（至2026-03-09），可以为您办理退货。" in texts
    assert "您好，本次将为您退款259.00元。" in texts
    assert all("{" not in text for text in texts)
    assert [m["kind"] for m in messages] == ["return"] * len(messages)


def test_every_deciding_rule_of_every_rule_file_has_a_message(kernel):
    """A deciding rule sets an outcome field (not only values, not the data checks)."""
    without = set()
    for industry, spec in kernel.industries.items():
        for kind in spec.kinds:
            ruleset = kernel.library.get(industry, kind).compiled
            for rule in ruleset.rules:
                deciding = rule.role == "rule" and any(
                    ruleset.keys[item.key].report
                    and item.key not in ("missing_fields", "invalid_fields")
                    for item in rule.sets
                )
                if deciding and not rule.message:
                    without.add(str(rule.where))
    assert not without, sorted(without)
    assert len(kernel.industries) >= 4


def test_a_message_placeholder_that_names_nothing_is_a_load_error(rules_copy: Path):
    path = rules_copy / "ecommerce" / "return.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("您的七日无理由退货期限至{return_deadline}", "期限至{retrun_deadline}", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleLoadError) as raised:
        Kernel(rules_dir=rules_copy)
    message = str(raised.value)
    assert "return.yaml:" in message and "'{retrun_deadline}'" in message
    assert "did you mean 'return_deadline'" in message


def test_explanation_is_built_only_when_read(monkeypatch):
    """Without reading it, evaluating costs no explanation; reading it builds it once."""
    import cscore.kernel as kernel_module

    calls = []
    real = kernel_module.explain_decision

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(kernel_module, "explain_decision", counting)
    with Kernel() as kernel:
        decision = kernel.evaluate(return_case())
        assert decision.outcomes["return"]["decision"] == "return"
        _ = decision.trace
        assert calls == []
        assert decision.explanation["kinds"]["return"]["deciding"]
        _ = decision.to_json_dict()
        assert calls == [1]


def test_decisions_show_explain_renders_the_logged_decision_alike(tmp_path):
    path = tmp_path / "late.json"
    path.write_text(json.dumps(return_case(request_date="2026-03-11")), encoding="utf-8")
    db = str(tmp_path / "log.db")
    runner = CliRunner()
    live = runner.invoke(cli, ["--db", db, "evaluate", str(path), "--explain"])
    assert live.exit_code == 0, live.output
    logged = runner.invoke(cli, ["--db", db, "decisions", "show", "1", "--explain"])
    assert logged.exit_code == 0, logged.output
    assert logged.output == live.output
    assert "request_date 在 2026-03-09 或之前" in logged.output
    every = runner.invoke(cli, ["--db", db, "decisions", "show", "1", "--explain", "--all"])
    assert "other rules that fired:" in every.output
