"""The sales-office outcome vocabulary (CATALOG.md §7): what hosts receive for each kind.

Shared fields the common pack declares (priority, department, escalate_to, the ticket
deadlines) are not repeated here; the kernel adds needs_info / invalid_input.
"""

from __future__ import annotations

from cscore.plugin import BOOL, DATE, DATETIME, NUMBER, STRING, enum, list_of

OUTCOMES = {
    "return": {
        "decision": enum(["refund", "credit_to_price", "forfeit", "double_refund"]),
        "reason": STRING,
        "refund_amount": NUMBER,
        "valid_deposit": NUMBER,
        "excess": NUMBER,
        "amount_credited": NUMBER,
    },
    "fee": {
        "max_valid_deposit": NUMBER,
        "excess": NUMBER,
        "amount_collectable": NUMBER,
        "refund_amount": NUMBER,
    },
    "escalation": {
        "forward_due_at": DATETIME,
        "solution_due_at": DATETIME,
        "resolve_due_at": DATETIME,
        "follow_up_due_by": DATE,
        "breached": BOOL,
    },
    "routing": {
        "department": enum(["sales_manager"]),
        "action": enum(["disclose", "deny_disclosure"]),
        "reason": STRING,
        "assigned_consultant": STRING,
        "credited_consultant": STRING,
        "claim_deadline": DATETIME,
        "notify": list_of(STRING),
    },
}
