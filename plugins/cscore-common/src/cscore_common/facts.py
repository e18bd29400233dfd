"""The common facts (CATALOG.md §6, "Common") the common rule pack reads in every industry.

Industry plugins build their facts models on :class:`CommonFacts`, so channels,
tickets, complaints, priority, VIP and escalation work alike everywhere.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cscore.plugin import Count, Day, Flag, KernelFacts, Text, Timestamp

Channel = Literal["phone", "online_chat", "social_media", "email", "walk_in", "app"]
IssueType = Literal[
    "product_fault", "usage_question", "logistics", "refund", "complaint", "suggestion"
]
ExternalChannel = Literal[
    "media", "government", "regulator", "consumer_association", "parent_company"
]
ComplaintCategory = Literal[
    "service_attitude",
    "product_quality",
    "logistics_delay",
    "other",
    "repair_quality",
    "environment",
    "billing",
]


class CommonFacts(KernelFacts):
    """Facts any case may carry, whatever its industry (``as_of`` and ``holiday_calendar``
    come from the kernel's own facts)."""

    customer_tier: Literal["regular", "vip"] | None = None
    channel: Channel | None = None
    rings_before_answer: Count | None = None
    received_at: Timestamp | None = None
    responded_at: Timestamp | None = None
    platform: Text | None = None
    issue_type: IssueType | None = None
    ticket_created_at: Timestamp | None = None
    department_contacted_at: Timestamp | None = None
    external_channel: ExternalChannel | None = None
    # Facts the common rule pack reads in every industry (tickets, complaints,
    # priority): COMMON-TKT-004, COMMON-CMP-001/003/004, COMMON-ESC-004/006.
    product_category: Text | None = None
    safety_hazard: Flag | None = None
    core_function_impaired: Flag | None = None
    complaint_category: ComplaintCategory | None = None
    feedback_at: Timestamp | None = Field(None, description="handling result fed back")
    resolved_date: Day | None = Field(None, description="complaint or ticket resolved")
    customer_satisfied: Flag | None = None
    non_standard_remedy: Flag | None = Field(None, description="remedy outside the library")
    # Free text: informational only, never changes a decision (CATALOG.md §6).
    symptom: Text | None = None
    issue: Text | None = None
    detail: Text | None = None
    plan: Text | None = None
    topic: Text | None = None
    component: Text | None = None
    request: Text | None = None
    relationship: Text | None = None
    place: Text | None = None
    misuse_detail: Text | None = None
    seller_fault_detail: Text | None = None
    note: Text | None = None
