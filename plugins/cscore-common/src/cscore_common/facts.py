"""The common facts (CATALOG.md §6, "Common") the common rule pack reads in every industry.

Industry plugins build their facts models on :class:`CommonFacts`, so channels,
tickets, complaints, priority, VIP and escalation work alike everywhere.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cscore.plugin import (
    NONE_LISTED,
    NOT_REPORTED,
    PENDING,
    Absent,
    Count,
    Day,
    Flag,
    KernelFacts,
    Text,
    Timestamp,
)

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

    customer_tier: Annotated[
        Literal["regular", "vip"] | None, Absent("not a VIP: regular", same_as="regular")
    ] = None
    channel: Annotated[Channel | None, Absent("no contact through a channel: no response SLA")] = (
        None
    )
    rings_before_answer: Count | None = None
    received_at: Timestamp | None = None
    responded_at: Annotated[Timestamp | None, PENDING] = None
    platform: Text | None = None
    # Absent: nothing to route; a ticket or a routing case demands it (COMMON-TKT-002).
    issue_type: Annotated[IssueType | None, Absent("no issue to route")] = None
    ticket_created_at: Annotated[Timestamp | None, Absent("no ticket")] = None
    department_contacted_at: Annotated[Timestamp | None, PENDING] = None
    external_channel: Annotated[ExternalChannel | None, NONE_LISTED] = None
    # Facts the common rule pack reads in every industry (tickets, complaints,
    # priority): COMMON-TKT-004, COMMON-CMP-001/003/004, COMMON-ESC-004/006.
    product_category: Text | None = None
    safety_hazard: Annotated[Flag | None, NOT_REPORTED] = None
    core_function_impaired: Annotated[Flag | None, NOT_REPORTED] = None
    complaint_category: ComplaintCategory | None = None
    feedback_at: Annotated[Timestamp | None, PENDING] = Field(
        None, description="handling result fed back"
    )
    resolved_date: Annotated[Day | None, PENDING] = Field(
        None, description="complaint or ticket resolved"
    )
    customer_satisfied: Annotated[
        Flag | None, Absent("no dissatisfaction reported", same_as=True)
    ] = None
    non_standard_remedy: Annotated[Flag | None, NOT_REPORTED] = Field(
        None, description="remedy outside the library"
    )
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
