"""E-commerce facts (CATALOG.md §6 "ecommerce"), validated before any rule runs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cscore.plugin import (
    Count,
    Day,
    FactsModel,
    Flag,
    Money,
    Text,
    Timestamp,
)
from cscore_common import CommonFacts

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


class GoodsCondition(FactsModel):
    """What the returned goods look like (ECOM-RET-004). Absent means 'not reported'."""

    packaging_opened: Flag | None = None
    tags_intact: Flag | None = None
    seal_broken: Flag | None = None
    activated: Flag | None = None
    usage_marks: Flag | None = None
    soiled_or_damaged: Flag | None = None


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
    order_status: OrderStatus | None = None
    paid_at: Timestamp | None = None
    dispatched_at: Timestamp | None = None
    promotion_period: Flag | None = None
    delivered_date: Day | None = None
    ship_to_province: Text | None = None
    ship_to_city: Text | None = None
    # request
    request_type: RequestType | None = None
    request_date: Day | None = None
    quality_fault: Flag | None = None
    exchange_reason: Text | None = None
    # goods
    return_exclusion: ReturnExclusion | None = None
    digital_media_opened: Flag | None = None
    conditional_exclusion: ConditionalExclusion | None = None
    exclusion_confirmed_at_purchase: Flag | None = None
    condition: GoodsCondition | None = None
    # money
    goods_amount_paid: Money | None = None
    shipping_fee_paid: Money | None = None
    items: list[OrderLine] | None = None
    promotion: Promotion | None = None
    gift: Gift | None = None
    return_shipping_insured: Flag | None = None
    free_return_promised: Flag | None = Field(
        None, description="the merchant promised free return shipping (ECOM-FEE-005)"
    )
    # shipping fee
    courier_reachable: Flag | None = None
    promotion_free_shipping: Flag | None = None
    ems_quote: Money | None = None
    # refunds
    refund_basis: RefundBasis | None = None
    warehouse_received_date: Day | None = None
    refund_paid_at: Timestamp | None = None
    refund_refused_by_staff: Flag | None = Field(
        None, description="staff refused a refund the customer was entitled to (ECOM-ESC-004)"
    )
    # warranty
    fault_date: Day | None = None
    failed_part: Text | None = None
    failed_part_is_main: Flag | None = None
    has_invoice: Flag | None = None
    has_warranty_card: Flag | None = None
    misuse: Flag | None = None
    unauthorized_disassembly: Flag | None = None
    documents_altered: Flag | None = None
    force_majeure: Flag | None = None


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
