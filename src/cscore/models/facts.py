"""Fact types and the common facts every industry shares (CATALOG.md §6, "Common").

Industry plugins subclass :class:`CommonFacts`. Validation is strict where a loose
reading would hide a host's bug: ``"259"`` is not an amount, ``1`` is not ``true``,
a date must be ``YYYY-MM-DD``. Every timestamp is normalised to +08:00 (COMMON-CAL-001).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from cscore.boundary import MAX_COUNT, MAX_DATE, MAX_MONEY, MIN_DATE
from cscore.calendar import HostCalendar, to_china_time


def _in_range(day: dt.date) -> None:
    """Dates the calendar and the rules' arithmetic can count with (cscore.boundary)."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(
            f"{day.isoformat()} is outside the dates cscore counts with "
            f"({MIN_DATE.isoformat()} to {MAX_DATE.isoformat()})"
        )


def _parse_day(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date YYYY-MM-DD, got a timestamp")
    if isinstance(value, dt.date):
        _in_range(value)
        return value
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
        _in_range(day)
        return day
    raise ValueError(f"expected a date YYYY-MM-DD, got {type(value).__name__}")


def _china_time(value: dt.datetime) -> dt.datetime:
    """COMMON-CAL-001 within the dates cscore counts with: 9999-12-31T23:59-01:00 would
    leave the years Python can represent when moved to +08:00."""
    _in_range(value.date())
    return to_china_time(value)


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
Timestamp = Annotated[dt.datetime, BeforeValidator(_parse_timestamp), AfterValidator(_china_time)]
# Finite and bounded: NaN, ±inf and 1e308 are impossible amounts (invalid_input), and
# every accepted value survives the arithmetic of a rule and rounding to cents.
Money = Annotated[float, Strict(), Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Amount = Annotated[float, Strict(), Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_COUNT)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict()]

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

    as_of: Timestamp | None = Field(None, description="evaluation instant for 'has it passed?'")
    customer_tier: Literal["regular", "vip"] | None = None
    channel: Channel | None = None
    rings_before_answer: Count | None = None
    received_at: Timestamp | None = None
    responded_at: Timestamp | None = None
    platform: Text | None = None
    issue_type: IssueType | None = None
    ticket_created_at: Timestamp | None = None
    department_contacted_at: Timestamp | None = None
    holiday_calendar: HostCalendar | None = None
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
