"""E-commerce facts (CATALOG.md §6 "ecommerce"), validated before any rule runs."""

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
    FactsModel,
    Flag,
    Money,
    Text,
    Timestamp,
)
from cscore_common import CommonFacts
from cscore_ecommerce.provinces import Province

OrderChannel = Literal["online", "tv", "phone", "mail_order", "offline_store"]
OrderStatus = Literal["paid_not_shipped", "shipped", "delivered"]
RequestType = Literal[
    "no_reason_return", "quality_return", "exchange", "cancel", "refund_out_of_stock"
]
ReturnExclusion = Literal[
    "custom_made", "perishable", "digital_downloaded", "digital_media", "newspaper_periodical"
]
ConditionalExclusion = Literal[
    "safety_health_opened", "activated_value_loss", "near_expiry_or_defect_disclosed"
]
RefundBasis = Literal["returned_goods", "unshipped", "out_of_stock"]


# Goods inspection (ECOM-RET-004): only a reported defect makes goods "not intact".
NO_DEFECT = Absent("not reported: no such defect found", same_as=False)


class GoodsCondition(FactsModel):
    """What the returned goods look like (ECOM-RET-004). Absent means 'not reported'."""

    packaging_opened: Annotated[Flag | None, NO_DEFECT] = None
    tags_intact: Annotated[Flag | None, Absent("not reported: tags found intact", same_as=True)] = (
        None
    )
    seal_broken: Annotated[Flag | None, NO_DEFECT] = None
    activated: Annotated[Flag | None, NO_DEFECT] = None
    usage_marks: Annotated[Flag | None, NO_DEFECT] = None
    soiled_or_damaged: Annotated[Flag | None, NO_DEFECT] = None


class OrderLine(FactsModel):
    sku: Text | None = None
    list_price: Money
    qty: Count = Field(ge=1)
    returned: Flag = False


class Promotion(FactsModel):
    """A threshold promotion (满减): ``discount`` off when the list total reaches ``threshold``."""

    threshold: Money
    discount: Money


class Gift(FactsModel):
    name: Text | None = None
    marked_price: Money
    returned: Flag


class EcommerceFacts(CommonFacts):
    # order
    order_channel: OrderChannel | None = None
    # Absent: the order's events say it (no dispatched_at = not shipped yet, §12.2); a
    # cancellation demands it (requires in return.yaml).
    order_status: Annotated[OrderStatus | None, Absent("as its events say")] = None
    paid_at: Annotated[Timestamp | None, Absent("no payment given: no dispatch deadline")] = None
    dispatched_at: Annotated[Timestamp | None, PENDING] = None
    promotion_period: Flag | None = None
    delivered_date: Annotated[Day | None, PENDING] = None
    ship_to_province: Province | None = None
    ship_to_city: Text | None = None
    # request
    request_type: RequestType | None = None
    request_date: Day | None = None
    quality_fault: Flag | None = None
    exchange_reason: Text | None = None
    # goods
    return_exclusion: Annotated[ReturnExclusion | None, NONE_LISTED] = None
    digital_media_opened: Flag | None = None
    conditional_exclusion: Annotated[ConditionalExclusion | None, NONE_LISTED] = None
    # ECOM-RET-003: "without that confirmation the seller may not refuse".
    exclusion_confirmed_at_purchase: Annotated[
        Flag | None, Absent("not confirmed at purchase", same_as=False)
    ] = None
    condition: GoodsCondition | None = None
    # money
    goods_amount_paid: Money | None = None
    shipping_fee_paid: Money | None = None
    items: list[OrderLine] | None = None
    promotion: Promotion | None = None
    gift: Gift | None = None
    return_shipping_insured: Annotated[Flag | None, Absent("no 运费险", same_as=False)] = None
    free_return_promised: Annotated[Flag | None, Absent("no promise", same_as=False)] = Field(
        None, description="the merchant promised free return shipping (ECOM-FEE-005)"
    )
    # shipping fee
    # ECOM-FEE-004: only an explicit false (申通不到) sends the order by EMS.
    courier_reachable: Annotated[
        Flag | None, Absent("reachable by the standard courier", same_as=True)
    ] = None
    promotion_free_shipping: Annotated[
        Flag | None, Absent("not a promotion free-shipping order", same_as=False)
    ] = None
    ems_quote: Money | None = None
    # refunds
    refund_basis: Annotated[RefundBasis | None, Absent("no refund to follow")] = None
    warehouse_received_date: Annotated[Day | None, PENDING] = None
    refund_paid_at: Annotated[Timestamp | None, PENDING] = None
    return_processed_at: Annotated[Timestamp | None, PENDING] = Field(
        None, description="the merchant handled the return request (ECOM-ESC-003)"
    )
    refund_refused_by_staff: Annotated[Flag | None, NOT_REPORTED] = Field(
        None, description="staff refused a refund the customer was entitled to (ECOM-ESC-004)"
    )
    # warranty
    fault_date: Day | None = None
    failed_part: Text | None = None
    failed_part_is_main: Flag | None = None
    has_invoice: Flag | None = None
    has_warranty_card: Flag | None = None
    # ECOM-WAR-002 exclusions: found by inspection; not reported = not found. (Proof of
    # purchase is asked for where it matters: has_invoice / has_warranty_card, §12.9.)
    misuse: Annotated[Flag | None, NOT_REPORTED] = None
    unauthorized_disassembly: Annotated[Flag | None, NOT_REPORTED] = None
    documents_altered: Annotated[Flag | None, NOT_REPORTED] = None
    force_majeure: Annotated[Flag | None, NOT_REPORTED] = None


class EcommerceDerived(FactsModel):
    """Facts the plugin computes from the order lines (they need a sum over a list)."""

    kept_goods_list_total: Money | None = Field(
        None, description="list price × qty of the lines the customer keeps"
    )
    returned_goods_list_total: Money | None = Field(
        None, description="list price × qty of the lines sent back"
    )
    partial_return: Flag | None = Field(
        None, description="some order lines are returned and some kept"
    )
