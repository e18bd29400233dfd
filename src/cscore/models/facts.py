"""Fact types, and the two facts the kernel itself reads (``as_of``, ``holiday_calendar``).

Facts models of industries and rule packs are built from these types. Validation is
strict where a loose reading would hide a host's bug: ``"259"`` is not an amount, ``1``
is not ``true``, a date must be ``YYYY-MM-DD``. Every timestamp is normalised to +08:00
(all times are China time).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from cscore.boundary import MAX_COUNT, MAX_DATE, MAX_MONEY, MIN_DATE
from cscore.calendar import HostCalendar, to_china_time
from cscore.language.types import MONEY
from cscore.models.absent import Absent
from cscore.privacy import Personal


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
# every accepted value survives the arithmetic of a rule and rounding to cents. The
# language type in the metadata makes rule files see money facts as money (rounded to 2
# decimals when a decision shows them), not as plain numbers.
Money = Annotated[float, Strict(), Field(ge=0, le=MAX_MONEY, allow_inf_nan=False), MONEY]
Amount = Annotated[float, Strict(), Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_COUNT)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict()]
# Personal data (cscore.privacy): informational, never read by rules, masked wherever
# the kernel shows or stores facts. The kind says how it is masked.
PersonalText = Annotated[str, Strict(), Personal("text")]
PersonalName = Annotated[str, Strict(), Personal("name")]
PersonalPhone = Annotated[str, Strict(), Personal("phone")]
PersonalIdNumber = Annotated[str, Strict(), Personal("id_number")]


class FactsModel(BaseModel):
    """Base of every facts model: immutable, and absent means ``None`` (never guessed)."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class KernelFacts(FactsModel):
    """The facts the kernel reads itself, whatever the industry: the evaluation instant
    and a host's own holiday calendar. Facts models derive from it (the common rule
    pack's ``CommonFacts`` does)."""

    as_of: Annotated[Timestamp | None, Absent("now (the kernel's clock)")] = Field(
        None, description="evaluation instant for 'has it passed?'"
    )
    holiday_calendar: HostCalendar | None = Field(
        None, description="the host's working-day calendar, authoritative inside its range"
    )
