"""Appliance-repair facts (CATALOG.md §6 "appliance_repair"), validated before any rule runs.

Types are strict (``"3299"`` is not a price, ``1`` is not ``true``); an absent fact is
``None`` and is never guessed. Which missing fact matters is the rule files' business
(``requires:``), as is which date order is impossible (``checks:``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cscore.plugin import Amount, Count, Day, Flag, Money, Text, Timestamp
from cscore_common import CommonFacts

Remedy = Literal["return", "exchange", "repair"]
DelayCause = Literal["repairer", "parts_unavailable"]
# A fraction per day: 0.001 = 0.1 %/day (CATALOG.md §12.9); above 1 is a typo, not a rate.
DailyRate = Annotated[Amount, Field(ge=0, le=1)]


class ApplianceFacts(CommonFacts):
    # product & dates (三包 start date: APPL-WAR-001, APPL-WAR-005)
    invoice_date: Day | None = None
    invoice_price: Money | None = None
    delivery_date: Day | None = None
    installation_required: Flag | None = Field(
        None, description="the merchant or brand installs the product"
    )
    installation_completed_date: Day | None = None
    exchange_date: Day | None = Field(None, description="the 三包 exchange was completed")
    # fault
    fault_date: Day | None = None
    performance_fault: Flag | None = Field(None, description="性能故障 (APPL-RET-001)")
    failed_part: Text | None = None
    failed_part_is_main: Flag | None = None
    requested_remedy: Remedy | None = None
    prior_performance_repairs: Count | None = None
    prior_repairs_same_fault: Count | None = None
    last_repair_completed_date: Day | None = Field(
        None, description="our previous repair was completed (APPL-WAR-007)"
    )
    same_fault_as_last_repair: Flag | None = None
    repair_occupied_days: Count | None = None
    parts_waiting_days: Count | None = None
    repair_started_date: Day | None = Field(None, description="送修日 of the current repair")
    delay_cause: DelayCause | None = None
    as_of_date: Day | None = None
    same_model_available: Flag | None = None
    depreciation_rate_per_day: DailyRate | None = None
    return_date: Day | None = None
    # exclusions (APPL-WAR-006)
    misuse: Flag | None = None
    unauthorized_disassembly: Flag | None = None
    has_invoice: Flag | None = None
    has_warranty_card: Flag | None = None
    documents_altered: Flag | None = None
    force_majeure: Flag | None = None
    # quote (APPL-FEE-002/003)
    parts_cost: Money | None = None
    labor_fee: Money | None = None
    visit_fee: Money | None = None
    other_parts_cost: Money | None = Field(
        None, description="parts other than a covered main part, charged under APPL-FEE-003"
    )
    quote_accepted: Flag | None = None
    # follow-up (APPL-SLA-004)
    repair_completed_date: Day | None = None
    # SLA & routing
    request_received_at: Timestamp | None = None
    acknowledged_at: Timestamp | None = None
    task_assigned_at: Timestamp | None = None
    engineer_contacted_at: Timestamp | None = None
    appointment_start: Timestamp | None = None
    appointment_end: Timestamp | None = None
    arrived_at: Timestamp | None = None
    in_warranty: Flag | None = None
