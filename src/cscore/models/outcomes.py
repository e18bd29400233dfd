"""The outcome vocabulary of CATALOG.md §7: every field a decision may report, per kind.

Host applications and acceptance checks depend on these names and values, so a rule
file that sets ``decision: retrun`` or ``escalate_to: boss`` fails to load. A rule file
may still declare fields of its own (with ``type:``) for a kind a plugin adds.
"""

from __future__ import annotations

from cscore.language.types import (
    ANY_LIST,
    BOOL,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    STRING,
    Type,
    enum,
    list_of,
)

KINDS = ("warranty", "return", "fee", "escalation", "routing")

NEEDS_INFO = "needs_info"
INVALID_INPUT = "invalid_input"

_DEPARTMENT = enum(
    [
        "tech_support",
        "warehouse_logistics",
        "finance",
        "cs_supervisor",
        "after_sales_engineering",
        "property_engineering",
        "developer",
        "sales_manager",
    ]
)
_PRIORITY = enum(["urgent", "normal", "low"])
_CHARGE = enum(["free", "paid", "maintenance_fund"])
_COVERAGE = enum(["whole_unit", "main_part", "repair_warranty", "developer_warranty", "none"])
_ACTION = enum(
    [
        "onsite_visit_free",
        "paid_quote_first",
        "remote_guidance",
        "accept_with_notice",
        "reject_structural_change",
        "disclose",
        "deny_disclosure",
        "move_to_private_room",
    ]
)
_FIELD_LIST = list_of(STRING)

# Fields every kind may report when facts are missing or impossible (COMMON-DATA).
_DATA = {"missing_fields": _FIELD_LIST, "invalid_fields": _FIELD_LIST}

OUTCOME_FIELDS: dict[str, dict[str, Type]] = {
    "return": {
        "decision": enum(
            [
                "return",
                "exchange",
                "repair",
                "refund",
                "reject",
                "credit_to_price",
                "forfeit",
                "double_refund",
                NEEDS_INFO,
                INVALID_INPUT,
            ]
        ),
        "reason": STRING,
        "return_deadline": DATE,
        "return_shipping_paid_by": enum(["buyer", "merchant", "none"]),
        "refund_amount": MONEY,
        "refund_due_by": DATE,
        "shipping_deduction": MONEY,
        "charge": _CHARGE,
        "warranty_end": DATE,
        "day": INTEGER,
        "depreciation_fee": MONEY,
        "days_used": INTEGER,
        "valid_deposit": MONEY,
        "excess": MONEY,
        "amount_credited": MONEY,
        **_DATA,
    },
    "warranty": {
        "decision": enum([NEEDS_INFO, INVALID_INPUT]),
        "covered": BOOL,
        "coverage": _COVERAGE,
        "warranty_end": DATE,
        "charge": _CHARGE,
        "responsible_party": enum(["developer", "property_company", "maintenance_fund", "owner"]),
        "reason": STRING,
        **_DATA,
    },
    "fee": {
        "decision": enum(["await_quote_acceptance", NEEDS_INFO, INVALID_INPUT]),
        "shipping_fee": MONEY,
        "carrier": enum(["standard", "EMS"]),
        "charge": _CHARGE,
        "amount_due": MONEY,
        "coverage": _COVERAGE,
        "monthly_fee": MONEY,
        "owner_amount": MONEY,
        "developer_amount": MONEY,
        "handling_fee_allowed": MONEY,
        "refund_amount": MONEY,
        "fee_payer": enum(["owner", "property_company", "developer"]),
        "max_valid_deposit": MONEY,
        "excess": MONEY,
        "amount_collectable": MONEY,
        **_DATA,
    },
    "escalation": {
        "decision": enum([NEEDS_INFO, INVALID_INPUT]),
        **{
            name: DATETIME
            for name in (
                "first_contact_due_at",
                "response_due_at",
                "engineer_contact_due_at",
                "arrival_due_at",
                "completion_due_at",
                "accept_due_at",
                "feedback_due_at",
                "forward_due_at",
                "solution_due_at",
                "resolve_due_at",
                "progress_due_at",
            )
        },
        "refund_due_by": DATE,
        "final_reply_due_by": DATE,
        "follow_up_due_by": DATE,
        "dispatch_by": DATE,
        "estimated_delivery": DATE,
        "breached": BOOL,
        "escalation_level": INTEGER,
        "escalate_to": enum(["none", "team_lead", "department_head", "duty_manager", "cs_head"]),
        "department": _DEPARTMENT,
        "priority": _PRIORITY,
        "action": _ACTION,
        **_DATA,
    },
    "routing": {
        "decision": enum([NEEDS_INFO, INVALID_INPUT]),
        "department": _DEPARTMENT,
        "priority": _PRIORITY,
        "action": _ACTION,
        "assigned_consultant": STRING,
        "credited_consultant": STRING,
        "claim_deadline": DATETIME,
        "notify": ANY_LIST,
        **_DATA,
    },
}


def outcome_type(kind: str, key: str) -> Type | None:
    """The §7 type of an outcome field, or None when §7 does not define it."""
    return OUTCOME_FIELDS.get(kind, {}).get(key)
