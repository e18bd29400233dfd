"""Property-management facts (CATALOG.md §6 "property_management"), validated before any
rule runs: an unknown item type, a negative area or a malformed billing month is
``invalid_input`` naming the field."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from cscore.plugin import Count, Day, Flag, Money, Text, Timestamp
from cscore_common import CommonFacts

RequestType = Literal["repair", "inquiry", "complaint", "renovation", "suggestion"]
ItemType = Literal[
    "foundation_structure",
    "roof_waterproofing",
    "wet_room_waterproofing",
    "exterior_wall_seepage",
    "heating_system",
    "cooling_system",
    "electrical_wiring",
    "water_pipes",
    "equipment_installation",
    "decoration_works",
]
Location = Literal["common", "in_unit"]
RepairScale = Literal["routine", "major"]
Cause = Literal["normal_use", "owner_misuse", "owner_renovation", "force_majeure"]
# A billing month as the host sends it: "2026-04".
MonthText = Annotated[str, StringConstraints(strict=True, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class PropertyFacts(CommonFacts):
    # requests (报修、咨询、投诉、装修、建议)
    request_type: RequestType | None = None
    # the emergency list is a constant of the rule files; other repair types are open
    repair_type: Text | None = None
    reported_at: Timestamp | None = None
    arrived_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    custom_parts_needed: Flag | None = None
    agreed_completion_at: Timestamp | None = None
    complaint_received_at: Timestamp | None = None
    accepted_at: Timestamp | None = None
    final_reply_at: Timestamp | None = None
    complex: Flag | None = None
    customer_agitated: Flag | None = None
    structural_change: Flag | None = None
    notified_before_work: Flag | None = None
    progress_at: Timestamp | None = Field(None, description="complex inquiry: progress fed back")
    safety_accident: Flag | None = Field(
        None, description="injury, fire spreading, structural danger (PROP-ESC-006)"
    )
    # developer warranty (建设工程质量管理条例第四十条)
    item_type: ItemType | None = None
    location: Location | None = None
    repair_scale: RepairScale | None = None
    cause: Cause | None = None
    completion_acceptance_date: Day | None = Field(None, description="竣工验收合格之日")
    design_life_years: Count | None = Field(None, ge=1)
    season_index: Count | None = Field(
        None, ge=1, description="heating/cooling season of the fault; 1 = first after completion"
    )
    report_date: Day | None = None
    # fees
    unit_price_per_sqm_month: Money | None = None
    area_sqm: Money | None = Field(None, description="建筑面积 m²; negative is invalid")
    billing_months: list[MonthText] | None = Field(None, min_length=1)
    handover_date: Day | None = None
    utility: Text | None = None
    utility_amount: Money | None = None
    utility_handling_fee_charged: Money | None = None
    service: Text | None = None
    materials_cost: Money | None = None
    labor_fee: Money | None = None
    price_agreed_before_work: Flag | None = None

    @field_validator("billing_months")
    @classmethod
    def _each_month_once(cls, months: list[str] | None) -> list[str] | None:
        # A month listed twice would be billed twice; the rules check there is no gap.
        if months is not None and len(set(months)) != len(months):
            raise ValueError("a billing month is listed more than once")
        return months
