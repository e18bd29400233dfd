"""Plain Python: the appliance-repair policy (rules/appliance_repair/ and the common
pack it uses) as hand-written functions, one per kind.

Each ``decide_<kind>(facts)`` returns the outcome cscore gives for that kind
(``Kernel().evaluate(case).outcomes[kind]``) as a JSON-ready dict: dates and datetimes
as ISO strings, absent values left out. Only cases cscore decides are handled: no
needs_info or invalid_input (the benchmark workload leaves those out), and no ticket
deadlines (rules/common/tickets.yaml: cases with ``ticket_created_at`` are left out too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from contenders.plain_python import add_working_days, add_years, round_money

# -- constants (warranty_terms.yaml, warranty.main_parts.csv, return.yaml, escalation.yaml,
# routing.yaml and rules/common/{channels,escalation,routing}.yaml)
WHOLE_UNIT_YEARS = 1
REPAIR_GUARANTEE_DAYS = 30
CATALOGUE_MAIN_PART_YEARS = {
    "air_conditioner": 3,
    "refrigerator": 3,
    "washing_machine": 3,
    "television": 3,
}
OTHER_MAIN_PART_YEARS = 2
RETURN_DAYS = 7
EXCHANGE_DAYS = 15
REPAIRER_OVERRUN_DAYS = 30
PARTS_OVERRUN_DAYS = 90
FAILED_REPAIRS_FOR_EXCHANGE = 2
RESPONSE = dt.timedelta(hours=1)
ENGINEER_CONTACT = dt.timedelta(hours=24)
FOLLOW_UP_WORKING_DAYS = 3
REPEAT_REPAIRS_FOR_ESCALATION = 1
PHONE_MAX_RINGS = 3
CHANNEL_REPLY = {
    "online_chat": dt.timedelta(seconds=10),
    "app": dt.timedelta(seconds=10),
    "social_media": dt.timedelta(minutes=15),
    "email": dt.timedelta(hours=24),
}
URGENT_CATEGORIES = frozenset(
    {
        "air_conditioner",
        "refrigerator",
        "freezer",
        "water_heater",
        "heating",
        "space_heater",
        "floor_heating",
    }
)
ESCALATE_TO = ("none", "team_lead", "department_head", "cs_head")
COVERED = ("whole_unit", "main_part", "repair_warranty")


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _instant(value: Any) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _gt(left: Any, right: Any) -> bool:
    """``left > right``, false when either is absent (as a rule condition reads it)."""
    return left is not None and right is not None and left > right


def _le(left: Any, right: Any) -> bool:
    return left is not None and right is not None and left <= right


def _positive(value: Any) -> bool:
    return value is not None and value > 0


# -- warranty_terms.yaml: periods, coverage and exclusions, shared by three kinds -----------


class Terms:
    """The values warranty_terms.yaml derives for a fault."""

    __slots__ = (
        "applied_end",
        "coverage_found",
        "covered_end",
        "excluded",
        "exclusion_reason",
        "main_part_end",
        "original_start",
        "whole_unit_end",
    )

    def __init__(self, f: dict[str, Any]) -> None:
        installation = f.get("installation_required")
        installed = _date(f.get("installation_completed_date"))
        delivered = _date(f.get("delivery_date"))
        invoiced = _date(f.get("invoice_date"))
        # APPL-WAR-001: installation (20) > delivery (10) > invoice
        start: dt.date | None = None
        if installation is not False and installed is not None:
            start = installed
        elif installation is not True and delivered is not None:
            start = delivered
        elif installation is not True and invoiced is not None:
            start = invoiced
        self.original_start = start
        exchanged = _date(f.get("exchange_date"))
        if exchanged is not None:  # APPL-WAR-005: an exchange restarts every period
            start = exchanged
        occupied, waiting = f.get("repair_occupied_days"), f.get("parts_waiting_days")
        extension = 0
        if exchanged is None and (_positive(occupied) or _positive(waiting)):  # APPL-WAR-004
            extension = (occupied or 0) + (waiting or 0)
        main = f.get("failed_part_is_main")
        category = f.get("product_category")
        years = None  # warranty.main_parts.csv, first matching row
        if main is True and category is not None:
            years = CATALOGUE_MAIN_PART_YEARS.get(category, OTHER_MAIN_PART_YEARS)
        whole_end = main_end = None
        if start is not None:
            whole_end = add_years(start, WHOLE_UNIT_YEARS) + dt.timedelta(days=extension)
            if years is not None:
                main_end = add_years(start, years) + dt.timedelta(days=extension)
        self.whole_unit_end, self.main_part_end = whole_end, main_end
        last_repair = _date(f.get("last_repair_completed_date"))
        guarantee_end = (
            None if last_repair is None else last_repair + dt.timedelta(days=REPAIR_GUARANTEE_DAYS)
        )
        fault = _date(f.get("fault_date"))
        self.coverage_found: str | None = None
        self.covered_end: dt.date | None = None
        if _le(fault, whole_end):
            self.coverage_found, self.covered_end = "whole_unit", whole_end
        elif main is True and _le(fault, main_end):
            self.coverage_found, self.covered_end = "main_part", main_end
        elif f.get("same_fault_as_last_repair") is True and _le(fault, guarantee_end):
            self.coverage_found, self.covered_end = "repair_warranty", guarantee_end
        elif fault is not None and whole_end is not None:
            self.coverage_found = "none"
        self.applied_end = main_end if main is True and main_end is not None else whole_end
        # APPL-WAR-006, highest priority first
        reason = None
        if f.get("misuse") is True:
            reason = "misuse"
        elif f.get("unauthorized_disassembly") is True:
            reason = "unauthorized_disassembly"
        elif f.get("has_warranty_card") is False and f.get("has_invoice") is False:
            reason = "no_proof_of_purchase"
        elif f.get("documents_altered") is True:
            reason = "documents_altered"
        elif f.get("force_majeure") is True:
            reason = "force_majeure"
        self.excluded = reason is not None
        self.exclusion_reason = reason


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _drop_none(out: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in out.items() if v is not None}


# -- the kinds -----------------------------------------------------------------------------


def decide_warranty(f: dict[str, Any]) -> dict[str, Any]:
    t = Terms(f)
    if t.excluded:  # APPL-WAR-006
        return {
            "covered": False,
            "coverage": "none",
            "charge": "paid",
            "reason": t.exclusion_reason,
        }
    found = t.coverage_found
    if found in COVERED:  # APPL-WAR-002/003/007, then APPL-WAR-008 free
        reasons = {
            "whole_unit": "within_whole_unit_warranty",
            "main_part": "within_main_part_warranty",
            "repair_warranty": "repair_warranty_30_days",
        }
        return {
            "covered": True,
            "coverage": found,
            "warranty_end": _iso(t.covered_end),
            "charge": "free",
            "reason": reasons[found],
        }
    if found == "none":
        return _drop_none(
            {
                "covered": False,
                "coverage": "none",
                "charge": "paid",
                "warranty_end": _iso(t.applied_end),
                "reason": "warranty_expired",
            }
        )
    return {}


def decide_fee(f: dict[str, Any]) -> dict[str, Any]:
    t = Terms(f)
    found = t.coverage_found
    if t.excluded or found == "none":  # APPL-FEE-002: parts + labour + visit
        amount = round_money(f["parts_cost"] + f["labor_fee"] + f["visit_fee"])
        out: dict[str, Any] = {"amount_due": amount, "charge": "paid", "coverage": "none"}
    elif found in ("whole_unit", "repair_warranty"):  # APPL-WAR-008, APPL-FEE-001
        return {"amount_due": 0, "charge": "free", "coverage": found}
    elif found == "main_part":  # APPL-FEE-003: visit fee and other parts
        amount = f["visit_fee"] + (f.get("other_parts_cost") or 0)
        out = {"amount_due": amount, "coverage": "main_part"}
        out["charge"] = "paid" if amount > 0 else "free"
    else:
        return {}
    if out["charge"] == "paid" and amount > 0 and f.get("quote_accepted") is False:
        out["decision"] = "await_quote_acceptance"
    return out


def decide_return(f: dict[str, Any]) -> dict[str, Any]:
    t = Terms(f)
    performance = f.get("performance_fault")
    if performance is False:  # APPL-RET-001
        return {"decision": "reject", "reason": "not_performance_fault"}
    if performance is not True:
        return {}
    fault = _date(f.get("fault_date"))
    day = None
    if fault is not None and t.original_start is not None:  # APPL-RET-002: day N
        day = (fault - t.original_start).days
    in_period = t.coverage_found in ("whole_unit", "main_part") and not t.excluded
    started = _date(f.get("repair_started_date"))
    elapsed = None
    if started is not None and f.get("repair_completed_date") is None:  # APPL-RET-006
        as_of = _date(f.get("as_of_date")) or _instant(f["as_of"]).date()  # type: ignore[union-attr]
        elapsed = (as_of - started).days
    remedy = f.get("requested_remedy")
    repairs = f.get("prior_performance_repairs")
    # day rows (APPL-RET-002/003/004): they also give ``day`` and ``warranty_end``
    day_row: dict[str, Any] = {}
    if day is not None and day <= RETURN_DAYS:
        day_row = {
            "decision": remedy if remedy is not None else "repair",
            "reason": "performance_fault_within_7_days",
            "day": day,
        }
    elif day is not None and day <= EXCHANGE_DAYS:
        day_row = {
            "decision": "exchange" if remedy in ("return", "exchange") else "repair",
            "reason": "performance_fault_within_15_days",
            "day": day,
        }
    elif day is not None and t.coverage_found in COVERED:
        day_row = {
            "decision": "repair",
            "charge": "free",
            "reason": "warranty_repair",
            "day": day,
            "warranty_end": _iso(t.covered_end),
        }
    elif day is not None and t.coverage_found == "none":
        day_row = {
            "decision": "repair",
            "charge": "paid",
            "reason": "warranty_expired",
            "day": day,
            "warranty_end": _iso(t.applied_end),
        }
    # APPL-RET-009 precedence: exclusions > overrun > two repairs failed > day rows
    out: dict[str, Any]
    if t.excluded:
        out = {"decision": "repair", "charge": "paid", "reason": t.exclusion_reason}
    elif in_period and f.get("delay_cause") == "repairer" and _gt(elapsed, REPAIRER_OVERRUN_DAYS):
        out = {"decision": "exchange", "reason": "repair_over_30_days"}
    elif in_period and _gt(elapsed, PARTS_OVERRUN_DAYS):
        out = {"decision": "exchange", "reason": "repair_over_90_days"}
    elif (
        in_period
        and repairs is not None
        and repairs >= FAILED_REPAIRS_FOR_EXCHANGE
        and _gt(day, RETURN_DAYS)
    ):
        out = {
            "decision": "return" if remedy == "return" else "exchange",
            "reason": "two_repairs_failed",
        }
    else:
        out = {}
    if out:
        # a lower rule keeps the keys of its row the winner did not set, unless it
        # disagrees on one the winner set (rules that agree do not beat each other)
        if not any(k in out and out[k] != v for k, v in day_row.items()):
            for k, v in day_row.items():
                out.setdefault(k, v)
        elif not t.excluded:
            # the overrun and two-repair rules settle decision and reason in an earlier
            # layer; the day row then still gives the keys left open
            for k in ("day", "warranty_end"):
                if k in day_row:
                    out.setdefault(k, day_row[k])
    else:
        out = dict(day_row)
    decision, reason = out.get("decision"), out.get("reason")
    if decision == "repair" and reason in (
        "performance_fault_within_7_days",
        "performance_fault_within_15_days",
    ):
        out["charge"] = "free"  # APPL-RET-002: repairs within 15 days are free
    price = f.get("invoice_price")
    if decision == "return" and reason == "performance_fault_within_7_days":
        out["refund_amount"] = price
    if decision == "return" and reason == "two_repairs_failed":
        same_model = f.get("same_model_available")
        if same_model is False:  # APPL-RET-005
            out["refund_amount"] = price
        elif same_model is True:  # APPL-RET-007: depreciation
            used = (_date(f["return_date"]) - _date(f["invoice_date"])).days  # type: ignore[operator]
            used -= (f.get("repair_occupied_days") or 0) + (f.get("parts_waiting_days") or 0)
            used = max(used, 0)
            fee = round_money(price * f["depreciation_rate_per_day"] * used)
            out.update(days_used=used, depreciation_fee=fee, refund_amount=round_money(price - fee))
    if decision in ("return", "exchange"):
        out["charge"] = "free"  # APPL-FEE-004
    return _drop_none(out)


def _assessed_priority(f: dict[str, Any]) -> str | None:
    """COMMON-TKT-004 and APPL-ROUTE-003: the urgency before the VIP raise."""
    issue = f.get("issue_type")
    if (
        f.get("safety_hazard") is True
        or (
            f.get("core_function_impaired") is True
            and f.get("product_category") in URGENT_CATEGORIES
        )
        or f.get("external_channel") is not None
    ):
        return "urgent"
    if issue == "suggestion":
        return "low"
    if issue is not None or f.get("ticket_created_at") is not None:
        return "normal"
    return None


def _common_routing(f: dict[str, Any], out: dict[str, Any]) -> None:
    """rules/common/routing.yaml: department by issue type and the priority."""
    issue = f.get("issue_type")
    department = None
    if issue in ("product_fault", "usage_question"):
        department = "tech_support"
    elif issue == "logistics":
        department = "warehouse_logistics"
    elif issue == "refund":
        department = "finance"
    elif issue in ("suggestion",):
        department = "cs_supervisor"
    elif issue == "complaint":
        category = f.get("complaint_category")
        department = {
            "product_quality": "tech_support",
            "repair_quality": "tech_support",
            "logistics_delay": "warehouse_logistics",
            "billing": "finance",
        }.get(category, "cs_supervisor")
    if department is not None:
        out["department"] = department
    assessed = _assessed_priority(f)
    if assessed is not None:
        if f.get("customer_tier") == "vip":  # COMMON-VIP-001: one level up
            assessed = {"low": "normal", "normal": "urgent"}.get(assessed, assessed)
        out["priority"] = assessed


def decide_routing(f: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _common_routing(f, out)
    issue = f.get("issue_type")
    if issue == "product_fault":  # APPL-ROUTE-001
        out["department"] = "after_sales_engineering"
        if f.get("in_warranty") is True:
            out["action"] = "onsite_visit_free"
        elif f.get("in_warranty") is False:
            out["action"] = "paid_quote_first"
    elif issue == "usage_question":  # APPL-ROUTE-002
        out["department"] = "tech_support"
        out["action"] = "remote_guidance"
    return out


def decide_escalation(f: dict[str, Any]) -> dict[str, Any]:
    if f.get("ticket_created_at") is not None:
        raise NotImplementedError("ticket deadlines (rules/common/tickets.yaml)")
    out: dict[str, Any] = {}
    as_of = _instant(f.get("as_of"))
    level, breached = 0, False
    received = _instant(f.get("request_received_at"))
    acknowledged = _instant(f.get("acknowledged_at"))
    response_due = None
    if received is not None:  # APPL-SLA-001
        response_due = received + RESPONSE
    elif f.get("channel") in CHANNEL_REPLY and f.get("received_at") is not None:  # COMMON-CH
        response_due = _instant(f["received_at"]) + CHANNEL_REPLY[f["channel"]]  # type: ignore[operator]
    if response_due is not None:
        out["response_due_at"] = response_due.isoformat()
    first_response = acknowledged if acknowledged is not None else _instant(f.get("responded_at"))
    if received is not None and _gt(acknowledged or as_of, response_due):  # APPL-ESC-001
        level, breached = max(level, 1), True
    assigned = _instant(f.get("task_assigned_at"))
    if assigned is not None:  # APPL-SLA-002, APPL-ESC-002
        contact_due = assigned + ENGINEER_CONTACT
        out["engineer_contact_due_at"] = contact_due.isoformat()
        if _gt(_instant(f.get("engineer_contacted_at")) or as_of, contact_due):
            level, breached = max(level, 2), True
    appointment_end = _instant(f.get("appointment_end"))
    if appointment_end is not None:  # APPL-SLA-003, APPL-ESC-003
        out["arrival_due_at"] = appointment_end.isoformat()
        if _gt(_instant(f.get("arrived_at")) or as_of, appointment_end):
            level, breached = max(level, 1), True
    completed = _date(f.get("repair_completed_date"))
    resolved = _date(f.get("resolved_date"))
    if completed is not None:  # APPL-SLA-004
        out["follow_up_due_by"] = add_working_days(completed, FOLLOW_UP_WORKING_DAYS).isoformat()
    elif resolved is not None:  # COMMON-CMP-004
        out["follow_up_due_by"] = add_working_days(resolved, FOLLOW_UP_WORKING_DAYS).isoformat()
    repeats = f.get("prior_repairs_same_fault")
    if repeats is not None and repeats >= REPEAT_REPAIRS_FOR_ESCALATION:  # APPL-ESC-004
        out["action"] = "quality_report"
        level = max(level, 2)
    if f.get("safety_hazard") is True:  # APPL-ESC-005, COMMON-ESC-006
        level = 3
    if f.get("external_channel") is not None:  # COMMON-ESC-005
        level = 3
    if f.get("customer_satisfied") is False or f.get("non_standard_remedy") is True:
        level = max(level, 1)  # COMMON-ESC-004, COMMON-ESC-003
    if f.get("channel") == "phone" and _gt(f.get("rings_before_answer"), PHONE_MAX_RINGS):
        level, breached = max(level, 1), True  # COMMON-CH-001
    if _gt(first_response, response_due) or (
        first_response is None and _gt(as_of, response_due)
    ):  # COMMON-ESC-001
        level, breached = max(level, 1), True
    _common_routing(f, out)
    out["escalation_level"] = level
    out["breached"] = breached
    out["escalate_to"] = ESCALATE_TO[level]  # COMMON-ESC-007: the highest level wins
    return out


DECIDE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "warranty": decide_warranty,
    "return": decide_return,
    "fee": decide_fee,
    "escalation": decide_escalation,
    "routing": decide_routing,
}


class PlainAppliance:
    """Every kind a case names, as ``Kernel().evaluate(case).outcomes`` gives them."""

    name = "plain Python (appliance)"

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        facts = case["facts"]
        return {kind: DECIDE[kind](facts) for kind in case["kinds"]}
