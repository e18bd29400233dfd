"""needs_info by consequence (DESIGN §2.4, CATALOG §12.1; cscore.rulebook.consequence):
a missing fact is asked for exactly when one of its values would decide otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest

from cscore.kernel import Kernel
from cscore.language.parser import parse
from cscore.models.absent import NOTHING, host_facts
from cscore.plugin import (
    MONEY,
    NOT_REPORTED,
    EvalContext,
    FactsModel,
    Flag,
    IndustrySpec,
    Money,
    WorkCalendar,
    enum,
    hookimpl,
)
from cscore.rulebook import consequence, walkmemo
from cscore.rulebook.cases import load_cases
from cscore.rulebook.consequence import (
    Interpreter,
    candidate_values,
    contradicts,
    reach_of,
    required_names,
)

from .conftest import RULES

TINY_RULES = """\
title: 小规则集
outputs:
  decision: priority
  fee: priority
rules:
  - id: T-1
    name: 会员免费
    priority: 10
    when: member == true
    set: {decision: accept, fee: 0}
  - id: T-2
    name: 满100免费
    when: member != true and amount >= 100
    set: {decision: accept, fee: 0}
  - id: T-3
    name: 不满100收费
    when: member != true and amount < 100
    set: {decision: accept, fee: 10}
  - id: T-4
    name: 加急 (只在有标记时)
    priority: 20
    when: express == true and colour == red
    set: {decision: express}
"""


class TinyFacts(FactsModel):
    member: Flag | None = None
    amount: Money | None = None
    express: Annotated[Flag | None, NOT_REPORTED] = None
    colour: Literal["red", "blue"] | None = None


def _tiny(rules_dir: Path) -> IndustrySpec:
    outcomes = {"fee": {"decision": enum(["accept", "express"]), "fee": MONEY}}
    return IndustrySpec(
        "tiny", "小", TinyFacts, ("fee",), rules_dir, outcomes=outcomes, ask_by_consequence=True
    )


class _OneIndustry:
    """A plugin registering one test industry."""

    def __init__(self, spec: IndustrySpec) -> None:
        self.spec = spec

    @hookimpl
    def register_industries(self, register: Any) -> None:
        register(self.spec)


def _kernel_with(
    factory: pytest.TempPathFactory,
    file_name: str,
    rules: str,
    industry: Callable[[Path], IndustrySpec],
) -> Kernel:
    """A kernel with one test industry, its one rule file written to a fresh folder."""
    folder = factory.mktemp(file_name.removesuffix(".yaml"))
    (folder / file_name).write_text(rules, encoding="utf-8")
    return Kernel(plugins=[_OneIndustry(industry(folder))], load_entrypoints=False)


def _outcome_of(kernel: Kernel, industry: str, kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    return kernel.evaluate({"industry": industry, "facts": facts}).outcomes[kind]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with _kernel_with(tmp_path_factory, "fee.yaml", TINY_RULES, _tiny) as kernel:
        yield kernel


def _fee(kernel: Kernel, **facts: Any) -> dict[str, Any]:
    return _outcome_of(kernel, "tiny", "fee", facts)


def _if_given(kernel: Kernel, case: dict[str, Any], kind: str, fact: str) -> dict[Any, Any]:
    """What each value of a missing fact would decide, as the explanation tells it (the
    needs_info outcome has no other fields, COMMON-DATA-001)."""
    decision = kernel.evaluate(case)
    assert set(decision.outcomes[kind]) == {"decision", "missing_fields"}
    assert decision.explanation is not None
    given = decision.explanation["kinds"][kind]["if_given"]
    (entry,) = [g for g in given if g["fact"] == fact]
    return {o["value"]: o["outcome"] for o in entry["outcomes"]}


def test_a_fact_whose_values_decide_differently_is_asked_with_what_each_decides(tiny):
    """No member flag and an amount under 100: member true → free, false → 10."""
    outcome = _fee(tiny, amount=50.0)
    assert outcome["decision"] == "needs_info"
    assert outcome == {"decision": "needs_info", "missing_fields": ["member"]}
    assert _if_given(tiny, {"industry": "tiny", "facts": {"amount": 50.0}}, "fee", "member") == {
        True: {"decision": "accept", "fee": 0.0},
        False: {"decision": "accept", "fee": 10.0},
    }


def test_a_fact_that_cannot_change_the_outcome_is_not_asked(tiny):
    """A member pays nothing whatever the amount: the amount is not asked for."""
    assert _fee(tiny, member=True) == {"decision": "accept", "fee": 0.0}


def test_boundary_values_of_a_number_are_tried(tiny):
    """Not a member, no amount: 99.99 and 100 decide differently → amount is asked, and
    the values tried are the compared boundary and its neighbours."""
    outcome = _fee(tiny, member=False)
    assert outcome["missing_fields"] == ["amount"]
    tried = _if_given(tiny, {"industry": "tiny", "facts": {"member": False}}, "fee", "amount")
    assert tried[99.99]["fee"] == 10.0 and tried[100]["fee"] == 0.0


def test_every_missing_fact_that_matters_is_listed_sorted(tiny):
    outcome = _fee(tiny)
    assert outcome["missing_fields"] == ["amount", "member"]


def test_a_fact_with_a_declared_absence_is_never_asked(tiny):
    """`express` absent means "not reported" (NOT_REPORTED): colour then cannot matter
    either (T-4 is certainly false), so nothing is asked."""
    assert _fee(tiny, member=True) == {"decision": "accept", "fee": 0.0}
    outcome = _fee(tiny, member=True, express=True)
    assert outcome["missing_fields"] == ["colour"]


def test_no_re_evaluation_when_nothing_missing_could_matter(tiny, monkeypatch):
    """A case missing nothing that matters costs one engine run per kind."""
    runs: list[str] = []
    original = Kernel._run

    def counting(self: Kernel, *args: Any) -> Any:
        runs.append(args[1])
        return original(self, *args)

    monkeypatch.setattr(Kernel, "_run", counting)
    _fee(tiny, member=True)
    assert runs == ["fee"]
    runs.clear()
    _fee(tiny, amount=50.0)
    assert runs == ["fee", "fee", "fee"]  # the case, then member true and false


def test_the_trace_says_what_each_value_would_decide(tiny):
    decision = tiny.evaluate({"industry": "tiny", "facts": {"amount": 50.0}})
    # without a rule pack naming the rule for a missing fact, a neutral id is cited
    entry = next(e for e in decision.trace if e.key == "missing_facts:member")
    assert entry.rule == "missing_facts"
    assert entry.message is not None and "true → decision=accept" in entry.message


def test_a_case_that_reads_as_an_earlier_one_is_not_walked_again(tiny, monkeypatch):
    """The walk of could_matter is kept by what it read (cscore.rulebook.walkmemo): a
    member without an amount reads `member != true` false in T-2 and T-3 whatever
    else the case holds, so the second such case is answered without walking."""
    walked: list[str] = []
    original = consequence.could_matter

    def counting(reach: Any, fact: str, *args: Any) -> bool:
        walked.append(fact)
        return original(reach, fact, *args)

    monkeypatch.setattr(consequence, "could_matter", counting)
    assert _fee(tiny, member=True, colour="blue") == {"decision": "accept", "fee": 0.0}
    first = list(walked)
    assert _fee(tiny, member=True, colour="red") == {"decision": "accept", "fee": 0.0}
    assert walked == first  # colour is read by no rule the walk reached
    # the same facts absent, but T-2 reads otherwise: walked
    assert _fee(tiny, member=False, colour="blue")["missing_fields"] == ["amount"]
    assert len(walked) > len(first)


def test_kept_walks_answer_as_walking_does(tiny, monkeypatch):
    """Every combination of the tiny industry's facts decides the same with the kept
    walks as with a walk for each case."""
    grid = [
        {name: value for name, value in facts.items() if value is not None}
        for facts in (
            {"member": member, "amount": amount, "express": express, "colour": colour}
            for member in (True, False, None)
            for amount in (50.0, 100.0, 150.0, None)
            for express in (True, False, None)
            for colour in ("red", "blue", None)
        )
    ]
    with monkeypatch.context() as walking:  # nothing is answered from the tree
        walking.setattr(walkmemo.WalkMemo, "answer", lambda *args: (False, None))
        walked = [_fee(tiny, **facts) for facts in grid]
    kept = [_fee(tiny, **facts) for facts in grid]
    assert kept == walked
    assert {o["decision"] for o in kept} == {"accept", "express", "needs_info"}


STAGED_RULES = """\
title: 两层退款
outputs:
  decision: priority
  amount: priority
values:
  base: unique
requires:
  - id: S-0
    name: 需要申请类型
    facts: [request]
rules:
  - id: S-1
    name: 退款先看运费
    when: request == refund
    set: {base: shipping}
  - id: S-2
    name: 再加货款
    when: base != null
    set:
      decision: refund
      amount: goods + default(bonus, 0) + base
  - id: S-3
    name: 换货
    priority: 10
    when: request == swap
    set: {decision: swap}
"""


class StagedFacts(FactsModel):
    request: Literal["refund", "swap"] | None = None
    shipping: Money | None = None
    goods: Money | None = None
    bonus: Money | None = None


def _staged(rules_dir: Path) -> IndustrySpec:
    """An industry without needs_info by consequence: every industry lists every
    missing fact (§12.1)."""
    outcomes = {"refund": {"decision": enum(["refund", "swap"]), "amount": MONEY}}
    return IndustrySpec("staged", "两层", StagedFacts, ("refund",), rules_dir, outcomes=outcomes)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with _kernel_with(tmp_path_factory, "refund.yaml", STAGED_RULES, _staged) as kernel:
        yield kernel


def _refund(kernel: Kernel, **facts: Any) -> dict[str, Any]:
    return _outcome_of(kernel, "staged", "refund", facts)


def test_a_fact_a_later_layer_needs_whatever_the_first_is_listed_too(staged):
    """The evaluation stops at S-1 (no shipping); once shipping is known, S-2 needs the
    goods amount whatever shipping is: both are missing (§12.1). `bonus` has a default."""
    assert _refund(staged, request="refund") == {
        "decision": "needs_info",
        "missing_fields": ["goods", "shipping"],
    }
    assert _refund(staged, request="refund", shipping=5.0) == {
        "decision": "needs_info",
        "missing_fields": ["goods"],
    }
    assert _refund(staged, request="refund", shipping=5.0, goods=10.0)["amount"] == 15.0


def test_a_fact_only_some_values_need_waits_for_the_answer(staged):
    """Without the request, a swap needs nothing more: shipping and goods are asked for
    once the answer is `refund`, not before."""
    assert _refund(staged) == {"decision": "needs_info", "missing_fields": ["request"]}
    assert _refund(staged, request="swap") == {"decision": "swap"}


def test_required_names_leave_out_what_default_may_miss():
    assert required_names(parse("goods + default(bonus, 0) + base")) == {"goods", "base"}
    assert required_names(parse("default(bonus, goods)")) == {"goods"}
    assert required_names(parse("if flag then a else default(b, c)")) == {"flag", "a", "c"}


def test_the_common_pack_names_the_rule_a_missing_fact_breaks(kernel):
    """With the common pack installed, the trace cites COMMON-DATA-001 for the fact."""
    case = {
        "industry": "ecommerce",
        "kind": "warranty",
        "facts": {"delivered_date": "2025-11-20", "fault_date": "2026-12-01", "has_invoice": True},
    }
    decision = kernel.evaluate(case)
    assert decision.outcomes["warranty"]["decision"] == "needs_info"
    asked = [e for e in decision.trace if e.key.startswith("COMMON-DATA-001:")]
    assert asked and all(e.rule == "COMMON-DATA-001" for e in asked)


def test_contradicts_ignores_a_field_only_a_value_adds():
    assert not contradicts({"a": 1}, {"a": 1, "estimate": 3})
    assert contradicts({"a": 1}, {"a": 2})
    assert contradicts({"deadline": 1}, {"deadline": 1, "decision": "return"})
    assert contradicts({}, {"decision": "x"}) and not contradicts({}, {})


# -- e-commerce --------------------------------------------------------------------------


def _ecommerce(kernel: Kernel, kind: str, **facts: Any) -> dict[str, Any]:
    case = {"industry": "ecommerce", "kinds": [kind], "facts": facts}
    return kernel.evaluate(case).outcomes[kind]


QUALITY = {
    "order_channel": "online",
    "request_type": "quality_return",
    "delivered_date": "2026-04-13",
    "request_date": "2026-04-16",
    "goods_amount_paid": 139.0,
    "shipping_fee_paid": 0.0,
}


def test_a_quality_return_without_inspection_result_says_both_paths(kernel):
    """ECOM-RET-013: quality fault → return at the merchant's cost; none → the no-reason
    return at the buyer's."""
    outcome = _ecommerce(kernel, "return", **QUALITY)
    assert outcome["missing_fields"] == ["quality_fault"]
    case = {"industry": "ecommerce", "kinds": ["return"], "facts": QUALITY}
    paths = _if_given(kernel, case, "return", "quality_fault")
    assert paths[True]["reason"] == "quality_fault_within_7_days"
    assert paths[True]["return_shipping_paid_by"] == "merchant"
    assert paths[False]["reason"] == "no_reason_within_7_days"
    assert paths[False]["return_shipping_paid_by"] == "buyer"


def test_a_missing_fact_that_cannot_matter_in_ecommerce_is_not_asked(kernel):
    """Year 1 of the warranty: main part or not, the repair is free — not asked."""
    outcome = _ecommerce(
        kernel,
        "warranty",
        delivered_date="2025-11-20",
        fault_date="2026-03-01",
        has_invoice=True,
    )
    assert outcome["covered"] is True and "missing_fields" not in outcome


def test_a_phone_contact_without_rings_is_asked(kernel):
    outcome = _ecommerce(kernel, "escalation", channel="phone")
    assert outcome["missing_fields"] == ["rings_before_answer"]
    case = {"industry": "ecommerce", "kinds": ["escalation"], "facts": {"channel": "phone"}}
    assert _if_given(kernel, case, "escalation", "rings_before_answer")[4]["breached"] is True


def test_provinces_are_normalised_to_the_short_name(kernel):
    for name, fee in (("新疆维吾尔自治区", 20.0), ("甘肃省", 20.0), ("北京市", 0.0), ("香港", 0.0)):
        outcome = _ecommerce(kernel, "fee", goods_amount_paid=150.0, ship_to_province=name)
        assert outcome["shipping_fee"] == fee, name
    decision = kernel.evaluate(
        {
            "industry": "ecommerce",
            "kinds": ["fee"],
            "facts": {"goods_amount_paid": 150.0, "ship_to_province": "新疆自治区"},
        }
    )
    assert decision.outcomes["fee"]["invalid_fields"] == ["ship_to_province"]
    assert "did you mean '新疆维吾尔自治区'" in (decision.trace[0].message or "")


# -- the walk over every fact the e-commerce and common rules read ------------------------


def _cases() -> list[Any]:
    found = []
    for folder in (RULES / "ecommerce", RULES / "common"):
        for path in sorted(folder.glob("*.cases.yaml")):
            found.extend(c for c in load_cases(path) if c.industry == "ecommerce")
    return found


def test_no_missing_fact_default_can_change_an_outcome(kernel):
    """For every rule set of the e-commerce kinds, for every fact a condition reads and
    every rule case: the case evaluated with the fact absent is compared with the fact set
    to each of its values. Where one of those decides otherwise, the absent case is
    needs_info naming the fact — unless the facts model declares what absence means:
    then, where it names the value absence stands for, absent and that value decide
    alike. So every default is either harmless, declared and checked, or asked for."""
    host = host_facts(kernel.industries["ecommerce"].facts_model)
    checked = 0
    for case in _cases():
        for kind in case.kinds:
            ruleset = kernel.library.get("ecommerce", kind).compiled
            reach = reach_of(ruleset, kernel.functions)
            interp = Interpreter(kernel.functions)
            facts = dict(case.facts)
            for name in sorted(reach.condition_names & set(host)):
                if "." in name:
                    continue  # nested facts: their record's own case files cover them
                absent_facts = {k: v for k, v in facts.items() if k != name}
                absent = _outcome(kernel, kind, absent_facts)
                if absent.get("decision") == "invalid_input":
                    continue
                declared = host[name]
                settled = _settled(kernel, kind, absent_facts)
                values = candidate_values(name, ruleset.fact_types[name], reach, settled, interp)
                if name in facts:
                    values.append(facts[name])
                if declared is not None:
                    if declared.same_as is not NOTHING:
                        same = _outcome(kernel, kind, {**absent_facts, name: declared.same_as})
                        assert same == absent, (case.where, name)
                    continue
                for value in values:
                    other = _outcome(kernel, kind, {**absent_facts, name: value})
                    checked += 1
                    # A value that makes the case ask for another fact (or refuse it)
                    # decides nothing to compare with.
                    undecided = other.get("decision") in ("invalid_input", "needs_info")
                    if contradicts(absent, other) and not undecided:
                        # asked for: by consequence, or by an explicit `requires` first
                        assert absent.get("decision") == "needs_info", (case.where, name, value)
    assert checked > 1000


def _settled(kernel: Kernel, kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The facts and values an evaluation of the case settles (what conditions compare
    a fact with: return_deadline, threshold_for_free_shipping…)."""
    validated = kernel.industries["ecommerce"].facts_model.model_validate(facts)
    values = validated.model_dump(exclude_none=True)
    values["as_of"] = validated.as_of or kernel._now()
    calendar = WorkCalendar(None, kernel.calendar_data)
    values.update(kernel._enrich("ecommerce", values, calendar))
    return dict(kernel._run("ecommerce", kind, values, EvalContext(calendar=calendar)).values)


def _outcome(kernel: Kernel, kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    case = {"industry": "ecommerce", "kinds": [kind], "facts": facts}
    return kernel.evaluate(case).outcomes[kind]
