"""Sales-office facts (CATALOG.md §6 "sales_office"), validated before any rule runs.

The customer's name, phone, ID number and unit are accepted as informational facts and
marked personal: no rule reads them, and the kernel masks them in every decision and
in the decision log (docs/plugins.md "Personal data").
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cscore.plugin import (
    Day,
    FactsModel,
    Flag,
    Money,
    PersonalIdNumber,
    PersonalName,
    PersonalPhone,
    PersonalText,
    Text,
    Timestamp,
)
from cscore_common import CommonFacts

PaymentType = Literal["earnest_deposit", "intention_money"]
FaultParty = Literal["buyer", "seller", "none"]
RequesterRole = Literal[
    "customer_self",
    "authorized_agent",
    "family_member",
    "other_customer",
    "colleague",
    "third_party",
]


class Claim(FactsModel):
    """A consultant's claim on a returning visitor (SALES-ROUTE-003): who, and on which day."""

    consultant: Text
    claim_date: Day


class SalesOfficeFacts(CommonFacts):
    # money (SALES-DEP, SALES-FEE)
    payment_type: PaymentType | None = None
    amount_paid: Money | None = None
    total_price: Money | None = None
    proposed_earnest_deposit: Money | None = None
    presale_permit: Flag | None = None
    contract_signed: Flag | None = None
    fault_party: FaultParty | None = None
    written_forfeit_agreement: Flag | None = None
    # complaints (SALES-SLA, SALES-ESC)
    complaint_received_at: Timestamp | None = None
    forwarded_at: Timestamp | None = None
    solution_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    complaint_resolved_date: Day | None = None
    # reception (SALES-ROUTE)
    first_visit: Flag | None = None
    registered: Flag | None = None
    named_consultant: Text | None = None
    named_consultant_on_site: Flag | None = None
    rotation_next: Text | None = None
    received_by: Text | None = None
    visit_date: Day | None = None
    claims: list[Claim] | None = None
    # confidentiality (SALES-CONF)
    requester_role: RequesterRole | None = None
    identity_verified: Flag | None = None
    written_authorization: Flag | None = None
    # the customer's identity and contact details: personal, informational only
    customer_name: PersonalName | None = Field(None, description="买受人/来访客户姓名")
    customer_phone: PersonalPhone | None = Field(None, description="联系电话")
    id_number: PersonalIdNumber | None = Field(None, description="身份证号")
    unit_number: PersonalText | None = Field(None, description="认购房号, e.g. 12-1801")
