"""The appliance-repair outcome vocabulary (CATALOG.md §7): what hosts receive per kind.

Shared fields the common pack declares (priority, department, escalate_to, breached,
the ticket deadlines) are not repeated; an enumeration here adds this industry's
values to the common list. The kernel adds needs_info / invalid_input itself.
"""

from __future__ import annotations

from cscore.plugin import BOOL, DATE, DATETIME, INTEGER, NUMBER, STRING, enum

CHARGE = enum(["free", "paid"])
COVERAGE = enum(["whole_unit", "main_part", "repair_warranty", "none"])

OUTCOMES = {
    "warranty": {
        "covered": BOOL,
        "coverage": COVERAGE,
        "warranty_end": DATE,
        "charge": CHARGE,
        "reason": STRING,
    },
    "return": {
        "decision": enum(["return", "exchange", "repair", "reject"]),
        "reason": STRING,
        "day": INTEGER,
        "refund_amount": NUMBER,
        "charge": CHARGE,
        "warranty_end": DATE,
        "depreciation_fee": NUMBER,
        "days_used": INTEGER,
    },
    "fee": {
        "charge": CHARGE,
        "amount_due": NUMBER,
        "coverage": COVERAGE,
        "decision": enum(["await_quote_acceptance"]),
    },
    "escalation": {
        "response_due_at": DATETIME,
        "engineer_contact_due_at": DATETIME,
        "arrival_due_at": DATETIME,
        "follow_up_due_by": DATE,
        "action": enum(["quality_report"]),
    },
    "routing": {
        "department": enum(["after_sales_engineering", "tech_support"]),
        "action": enum(["onsite_visit_free", "paid_quote_first", "remote_guidance"]),
    },
}
