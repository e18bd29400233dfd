"""The e-commerce outcome vocabulary (CATALOG.md §7): what hosts receive for each kind.

Shared fields the common pack declares (priority, department, escalate_to, the ticket
deadlines) are not repeated here; the kernel adds needs_info / invalid_input.
"""

from __future__ import annotations

from cscore.plugin import BOOL, DATE, MONEY, STRING, enum

CHARGE = enum(["free", "paid"])
COVERAGE = enum(["whole_unit", "main_part", "none"])

OUTCOMES = {
    "return": {
        "decision": enum(["return", "exchange", "repair", "refund", "reject"]),
        "reason": STRING,
        "return_deadline": DATE,
        "return_shipping_paid_by": enum(["buyer", "merchant", "none"]),
        "refund_amount": MONEY,
        "refund_due_by": DATE,
        "shipping_deduction": MONEY,
        "charge": CHARGE,
        "warranty_end": DATE,
    },
    "warranty": {
        "covered": BOOL,
        "coverage": COVERAGE,
        "warranty_end": DATE,
        "charge": CHARGE,
        "reason": STRING,
    },
    "fee": {
        "shipping_fee": MONEY,
        "carrier": enum(["standard", "EMS"]),
    },
    "escalation": {
        "refund_due_by": DATE,
        "dispatch_by": DATE,
        "estimated_delivery": DATE,
    },
    "routing": {},
}
