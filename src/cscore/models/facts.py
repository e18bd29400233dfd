"""Fact types and the common facts every industry shares (CATALOG.md §6, "Common").

Industry plugins subclass :class:`CommonFacts`. Validation is strict where a loose
reading would hide a host's bug: ``"259"`` is not an amount, ``1`` is not ``true``,
a date must be ``YYYY-MM-DD``. Every timestamp is normalised to +08:00 (COMMON-CAL-001).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from cscore.calendar import HostCalendar, to_china_time
from cscore.language.types import MONEY
from cscore.models.absent import NONE_LISTED, NOT_REPORTED, PENDING, Absent
from cscore.privacy import Personal


def _parse_day(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date YYYY-MM-DD, got a timestamp")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    raise ValueError(f"expected a date YYYY-MM-DD, got {type(value).__name__}")


def _parse_timestamp(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"expected an ISO-8601 timestamp like 2026-03-20T17:00:00+08:00, got {value!r}"
            ) from None
    raise ValueError(f"expected an ISO-8601 timestamp, got {type(value).__name__}")


Day = Annotated[dt.date, BeforeValidator(_parse_day)]
Timestamp = Annotated[dt.datetime, BeforeValidator(_parse_timestamp), AfterValidator(to_china_time)]
# The language type in the metadata makes rule files see these facts as money (rounded
# to 2 decimals when a decision shows them), not as plain numbers.
Money = Annotated[float, Strict(), Field(ge=0), MONEY]
Amount = Annotated[float, Strict()]
Count = Annotated[int, Strict(), Field(ge=0)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict()]
# Personal data (cscore.privacy): informational, never read by rules, masked wherever
# the kernel shows or stores facts. The kind says how it is masked.
PersonalText = Annotated[str, Strict(), Personal("text")]
PersonalName = Annotated[str, Strict(), Personal("name")]
PersonalPhone = Annotated[str, Strict(), Personal("phone")]
PersonalIdNumber = Annotated[str, Strict(), Personal("id_number")]

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


class FactsModel(BaseModel):
    """Base of every facts model: immutable, and absent means ``None`` (never guessed)."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class CommonFacts(FactsModel):
    """Facts any case may carry, whatever its industry."""

    as_of: Annotated[Timestamp | None, Absent("now (the kernel's clock)")] = Field(
        None, description="evaluation instant for 'has it passed?'"
    )
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
    holiday_calendar: HostCalendar | None = None
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
