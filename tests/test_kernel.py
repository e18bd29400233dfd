"""The kernel's contract with host applications (DESIGN.md §2): a decision for every
well-formed case, a one-line CaseError for a malformed envelope, invalid_input and
needs_info outcomes for bad facts, and a clear error when a rule fails."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cscore import CaseError, Decision, RuleEvaluationError
from cscore.calendar import provisional_warning
from cscore.kernel import Kernel

from .conftest import return_case


def test_decision_has_the_contract_shape(kernel):
    """A decision carries case id, industry, outcomes per kind, trace, warnings, version,
    and its explanation (docs/decision.md)."""
    decision = kernel.evaluate(return_case())
    assert isinstance(decision, Decision)
    data = decision.to_json_dict()
    assert set(data) == {
        "case_id",
        "industry",
        "outcomes",
        "trace",
        "warnings",
        "rules_version",
        "explanation",
    }
    assert data["rules_version"].startswith("sha256:")
    entry = next(e for e in data["trace"] if e["rule"] == "ECOM-RET-001")
    assert entry["source"].startswith("rules/ecommerce/return.yaml:")
    assert entry["set"] == {"decision": "return", "reason": "no_reason_within_7_days"}
    assert entry["matched"]["return_deadline"] == "2026-03-09"
    assert decision.model_dump(mode="json") == data


def test_case_id_is_generated_when_absent(kernel):
    """A case without id gets a unique generated one."""
    case = return_case()
    del case["id"]
    first, second = kernel.evaluate(case), kernel.evaluate(case)
    assert first.case_id.startswith("C-") and first.case_id != second.case_id


def test_json_text_and_bytes_are_accepted(kernel):
    """A host may send the JSON text or bytes instead of a dict."""
    text = json.dumps(return_case(), ensure_ascii=False)
    assert kernel.evaluate(text).outcomes == kernel.evaluate(text.encode()).outcomes


# -- malformed envelopes: CaseError naming the field ---------------------------------


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ('{"industry": "ecommerce", "facts": {', "case: is not valid JSON: line 1 column"),
        ("[1, 2]", "case: must be a JSON object, got a list"),
        ({"kind": "return", "facts": {}}, "industry: is missing"),
        ({"industry": 7, "facts": {}}, "industry: must be a non-empty string"),
        (
            {"industry": "ecomerce", "kind": "return", "facts": {}},
            "industry: unknown industry 'ecomerce' (did you mean 'ecommerce'?)",
        ),
        (
            {"industry": "ecommerce", "kind": "retrun", "facts": {}},
            "kind: unknown kind 'retrun' for ecommerce (did you mean 'return'?)",
        ),
        ({"industry": "ecommerce", "facts": []}, "facts: must be a JSON object, got a list"),
        ({"industry": "ecommerce", "kind": "return", "kinds": ["fee"]}, "kind: give either"),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-industry",
        "industry-type",
        "unknown-industry",
        "unknown-kind",
        "facts-not-object",
        "kind-and-kinds",
    ],
)
def test_malformed_envelope_is_a_case_error(kernel, case, message):
    """Each malformed envelope raises CaseError with a one-line message naming the field."""
    with pytest.raises(CaseError) as raised:
        kernel.evaluate(case)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


# -- fact-level problems: invalid_input / needs_info outcomes --------------------------


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"goods_amount_paid": "259"}, "goods_amount_paid"),
        ({"quality_fault": 1}, "quality_fault"),
        ({"delivered_date": "03/02/2026"}, "delivered_date"),
        ({"order_channel": "wechat_group"}, "order_channel"),
        ({"goods_amount_paid": -1}, "goods_amount_paid"),
        ({"condition": {"tags_intact": "yes"}}, "condition.tags_intact"),
        ({"request_date": "2026-03-01"}, "request_date"),
    ],
    ids=[
        "string-amount",
        "int-as-bool",
        "bad-date",
        "unknown-enum",
        "negative",
        "nested",
        "request-before-delivery",
    ],
)
def test_impossible_facts_give_invalid_input(kernel, facts, field):
    """Wrong types, unknown enum values, negative amounts and a request dated before
    delivery are answered with invalid_input naming the field (COMMON-DATA-002)."""
    decision = kernel.evaluate(return_case(**facts))
    assert decision.outcomes["return"] == {"decision": "invalid_input", "invalid_fields": [field]}
    assert any(e.rule == "COMMON-DATA-002" for e in decision.trace)


def test_invalid_fact_is_explained_in_the_trace(kernel):
    """The trace says what was wrong with the fact, for a person."""
    decision = kernel.evaluate(return_case(order_channel="wechat_group"))
    entry = next(e for e in decision.trace if e.rule == "COMMON-DATA-002")
    assert entry.matched == {"order_channel": "wechat_group"}
    assert "order_channel" in entry.message and "online" in entry.message


def test_missing_required_fact_gives_needs_info(kernel):
    """A fact the applicable rules need is never guessed (COMMON-DATA-001)."""
    case = return_case()
    del case["facts"]["delivered_date"]
    del case["facts"]["order_channel"]
    outcome = kernel.evaluate(case).outcomes["return"]
    assert outcome == {
        "decision": "needs_info",
        "missing_fields": ["delivered_date", "order_channel"],
    }


def test_fact_needed_by_a_computation_gives_needs_info(kernel):
    """A fired rule whose value needs an absent fact asks for it instead of guessing."""
    case = return_case(request_type="cancel", order_status="paid_not_shipped")
    del case["facts"]["shipping_fee_paid"]
    assert kernel.evaluate(case).outcomes["return"] == {
        "decision": "needs_info",
        "missing_fields": ["shipping_fee_paid"],
    }


def test_unknown_fact_is_a_warning_with_a_suggestion(kernel):
    """A misspelt fact is ignored with a warning that suggests the right name."""
    decision = kernel.evaluate(return_case(delivred_date="2026-03-02"))
    assert (
        "unknown fact 'delivred_date' ignored (did you mean 'delivered_date'?)" in decision.warnings
    )


@pytest.mark.parametrize(
    ("delivered", "deadline"),
    [
        ("2026-12-25", "2027-01-04"),  # day 7 = 元旦 Fri 2027-01-01, then the weekend
        ("2027-01-29", "2027-02-11"),  # day 7 = 除夕 02-05; 春节 + 第六条 make-ups to 02-10
        ("2027-09-08", "2027-09-16"),  # day 7 = 中秋 2027-09-15
    ],
)
def test_year_without_notice_uses_statutory_holidays_with_a_warning(kernel, delivered, deadline):
    """COMMON-CAL-011: past the official tables the statutory rest days roll the deadline,
    and the decision says the year is provisional (never a bare Mon–Fri guess)."""
    on_time = kernel.evaluate(return_case(delivered_date=delivered, request_date=deadline))
    assert on_time.outcomes["return"]["decision"] == "return"
    assert on_time.outcomes["return"]["return_deadline"] == deadline
    assert provisional_warning(2027) in on_time.warnings
    assert not any("Mon–Fri" in w for w in on_time.warnings)
    late = dt.date.fromisoformat(deadline) + dt.timedelta(days=1)
    refused = kernel.evaluate(return_case(delivered_date=delivered, request_date=late.isoformat()))
    assert refused.outcomes["return"]["decision"] == "reject"


def test_host_calendar_in_the_case_is_used(kernel):
    """COMMON-CAL-003: a holiday_calendar fact makes its non-working days roll the deadline."""
    calendar = {
        "authoritative_range": ["2027-01-01", "2027-12-31"],
        "non_working_days": ["2027-03-08"],
        "adjusted_working_days": [],
    }
    decision = kernel.evaluate(
        return_case(
            delivered_date="2027-03-01", request_date="2027-03-02", holiday_calendar=calendar
        )
    )
    assert decision.outcomes["return"]["return_deadline"] == "2027-03-09"
    assert not any("2027" in w for w in decision.warnings)


# -- multi-kind ---------------------------------------------------------------------------


def test_case_without_kind_is_evaluated_for_every_kind(kernel):
    """A case without kind gets an outcome for each kind of its industry."""
    case = return_case()
    del case["kind"]
    decision = kernel.evaluate(case)
    assert set(decision.outcomes) == set(kernel.industries["ecommerce"].kinds)
    assert decision.outcomes["return"]["decision"] == "return"
    assert {e.kind for e in decision.trace} >= {"return"}


def test_kinds_list_limits_the_outcomes(kernel):
    """`kinds: [...]` evaluates exactly those kinds."""
    case = return_case()
    del case["kind"]
    case["kinds"] = ["return", "warranty"]
    assert list(kernel.evaluate(case).outcomes) == ["return", "warranty"]


# -- a rule that fails while evaluating -----------------------------------------------------


def test_rule_action_that_raises_names_the_rule_and_place(rules_copy):
    """A value that cannot be computed (here a division by zero) is an error naming the
    rule and file:line, and nothing is logged for the case."""
    path = rules_copy / "ecommerce" / "return.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "      refund_amount: goods_amount_paid + outbound_shipping_refund",
        "      refund_amount: goods_amount_paid / outbound_shipping_refund",
    )
    path.write_text(text, encoding="utf-8")
    with Kernel(rules_dir=rules_copy, db=":memory:") as kernel:
        case = return_case(
            request_type="cancel", order_status="paid_not_shipped", shipping_fee_paid=0
        )
        with pytest.raises(RuleEvaluationError) as raised:
            kernel.evaluate(case)
        message = str(raised.value)
        assert "rule ECOM-RET-007" in message
        assert "rules/ecommerce/return.yaml:" in message
        assert "division by zero" in message
        assert kernel.store.count() == 0
        # the kernel keeps serving after the failure
        assert kernel.evaluate(return_case()).outcomes["return"]["decision"] == "return"


def test_unique_hit_policy_conflict_is_an_error(rules_copy):
    """Two rules giving a `unique` key different values is an error naming both."""
    path = rules_copy / "ecommerce" / "return.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  return_deadline: unique\n", "  return_deadline: unique\n  conflict_probe: unique\n", 1
    )
    text = text.replace(
        "rules:\n",
        "rules:\n"
        "  - id: T-1\n    set: {conflict_probe: 1}\n"
        "  - id: T-2\n    set: {conflict_probe: 2}\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    with Kernel(rules_dir=rules_copy) as kernel, pytest.raises(RuleEvaluationError) as raised:
        kernel.evaluate(return_case())
    assert "'conflict_probe' must have one value" in str(raised.value)
    assert "T-1" in str(raised.value) and "T-2" in str(raised.value)


# -- the trace is built when first read ---------------------------------------------------


def test_trace_is_built_on_first_read_and_always_dumped(kernel):
    """A decision's trace appears in every way of reading it, the same each time."""
    import pickle

    first = kernel.evaluate(return_case())
    second = kernel.evaluate(return_case())
    assert "trace" not in first.__dict__  # not built yet
    assert first == second  # equality builds both
    assert [e.rule for e in first.trace][-1] == "ECOM-RET-006"
    fresh = kernel.evaluate(return_case())
    assert fresh.model_dump(mode="json")["trace"] == first.model_dump(mode="json")["trace"]
    assert pickle.loads(pickle.dumps(kernel.evaluate(return_case()))).trace == first.trace
    assert "ECOM-RET-001" in repr(kernel.evaluate(return_case()))
    assert kernel.evaluate(return_case()).model_copy().trace == first.trace
    assert json.loads(kernel.evaluate(return_case()).model_dump_json())["trace"][0]["rule"]


def test_decision_can_be_built_and_validated_like_any_model():
    """Host code and tests can still build a Decision from plain data."""
    data = {
        "case_id": "X",
        "industry": "ecommerce",
        "outcomes": {"return": {"decision": "return"}},
        "trace": [
            {
                "rule": "R",
                "name": "n",
                "kind": "return",
                "ruleset": "e.r",
                "source": "f:1",
                "set": {"decision": "return"},
            }
        ],
        "warnings": [],
        "rules_version": "sha256:0",
    }
    decision = Decision.model_validate(data)
    assert decision.trace[0].set_values == {"decision": "return"}
    assert decision.model_dump(mode="json")["trace"][0]["set"] == {"decision": "return"}


def test_a_typo_inside_a_nested_fact_is_a_warning_with_a_suggestion(kernel):
    """`condition.tag_intact` is reported like a top-level unknown fact; the value is
    ignored (so the case is decided as if the condition were not reported)."""
    case = return_case(condition={"packaging_opened": True, "tag_intact": False})
    decision = kernel.evaluate(case)
    assert (
        "unknown fact 'condition.tag_intact' ignored (did you mean 'tags_intact'?)"
        in decision.warnings
    )
    assert decision.outcomes["return"]["decision"] == "return"


def test_an_extra_key_in_the_holiday_calendar_does_not_invalidate_the_case(kernel):
    calendar = {
        "authoritative_range": ["2026-03-01", "2026-03-31"],
        "non_working_days": ["2026-03-09"],
        "note": "shop closed for inventory",
    }
    decision = kernel.evaluate(return_case(holiday_calendar=calendar))
    assert decision.outcomes["return"]["return_deadline"] == "2026-03-10"
    assert any("'holiday_calendar.note'" in warning for warning in decision.warnings)


def test_unknown_keys_in_order_lines_name_the_line(kernel):
    items = [{"list_price": 100, "qty": 1, "returned": True, "colour": "red"}]
    decision = kernel.evaluate(return_case(items=items, goods_amount_paid=100.0))
    assert any("'items[0].colour'" in warning for warning in decision.warnings)


def test_thousands_of_unknown_keys_stay_cheap_and_are_summarised(kernel, monkeypatch):
    """Only the first few unknown keys get a did-you-mean (a fuzzy search each, ~1 ms);
    the rest are counted."""
    from cscore.models import unknown

    searched: list[str] = []
    original = unknown.did_you_mean

    def counting(name: str, known: object) -> str:
        searched.append(name)
        return original(name, known)  # type: ignore[arg-type]

    monkeypatch.setattr(unknown, "did_you_mean", counting)
    facts = {f"stray_{n}": n for n in range(900)}  # the boundary allows 1,000 keys
    decision = kernel.evaluate(return_case(**facts))
    assert len(searched) == unknown.MAX_SUGGESTIONS
    assert decision.outcomes["return"]["decision"] == "return"
    assert "895 more unknown facts ignored" in decision.warnings
