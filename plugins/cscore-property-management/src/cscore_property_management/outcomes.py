"""The property-management outcome vocabulary (CATALOG.md §7): what hosts receive.

Shared fields the common pack declares (priority, department, escalate_to, breached,
the ticket deadlines) are not repeated, except to add property values to their lists
(departments ``property_engineering`` and ``developer``). The kernel adds
needs_info / invalid_input.
"""

from __future__ import annotations

from cscore.plugin import BOOL, DATE, DATETIME, NUMBER, STRING, enum

DEPARTMENT = enum(["property_engineering", "developer", "cs_supervisor"])
RESPONSIBLE = enum(["developer", "property_company", "maintenance_fund", "owner"])
CHARGE = enum(["free", "paid", "maintenance_fund"])

OUTCOMES = {
    "warranty": {
        "covered": BOOL,
        "coverage": enum(["developer_warranty", "none"]),
        "warranty_end": DATE,
        "charge": CHARGE,
        "responsible_party": RESPONSIBLE,
        "reason": STRING,
        "department": DEPARTMENT,
    },
    "fee": {
        "decision": enum(["await_quote_acceptance"]),
        "monthly_fee": NUMBER,
        "owner_amount": NUMBER,
        "developer_amount": NUMBER,
        "handling_fee_allowed": NUMBER,
        "refund_amount": NUMBER,
        "amount_due": NUMBER,
        "charge": CHARGE,
        "fee_payer": enum(["owner", "property_company", "developer"]),
    },
    "escalation": {
        "arrival_due_at": DATETIME,
        "response_due_at": DATETIME,
        "completion_due_at": DATETIME,
        "progress_due_at": DATETIME,
        "accept_due_at": DATETIME,
        "final_reply_due_by": DATE,
        "department": DEPARTMENT,
        "action": enum(["move_to_private_room"]),
    },
    "routing": {
        "department": DEPARTMENT,
        "action": enum(["accept_with_notice", "reject_structural_change", "paid_quote_first"]),
    },
}
