"""A seeded generator of e-commerce return cases that walks every rule path of
rules/ecommerce/return.yaml: each request type, every check of ECOM-RET-014, the quality
windows, partial returns with promotions and gifts, refunds, missing and impossible
facts — with deadlines landing on day 7 vs 8, 15 vs 16, weekends, 调休 Saturdays and
public holidays.

Dates stay inside 2025–2026, the years the official holiday tables cover, so every
contender can be checked against the same calendar.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

# Delivery days whose 7th day lands on a holiday, a weekend or a 调休 working day.
_ANCHORS = [
    "2025-01-24",
    "2025-01-27",
    "2025-03-28",
    "2025-04-24",
    "2025-04-26",
    "2025-05-24",
    "2025-09-21",
    "2025-09-24",
    "2025-10-04",
    "2026-01-27",
    "2026-02-07",
    "2026-02-08",
    "2026-02-10",
    "2026-03-02",
    "2026-03-15",
    "2026-04-28",
    "2026-05-02",
    "2026-06-12",
    "2026-06-15",
    "2026-09-13",
    "2026-09-18",
    "2026-09-24",
    "2026-09-26",
    "2026-10-03",
]
_OFFSETS = [0, 1, 3, 6, 7, 7, 8, 8, 9, 14, 15, 15, 16, 16, 20, 30, 200, 400]
_PROVINCES = ["广东", "浙江", "北京", "四川", "上海", "新疆", "西藏", "青海", "甘肃", "宁夏"]
_EXCLUSIONS = [
    "custom_made",
    "perishable",
    "digital_downloaded",
    "digital_media",
    "newspaper_periodical",
]
_CONDITIONAL = ["safety_health_opened", "activated_value_loss", "near_expiry_or_defect_disclosed"]
_FIRST = dt.date(2025, 1, 2)
_LAST = dt.date(2026, 11, 15)


def _day(rng: random.Random) -> dt.date:
    if rng.random() < 0.35:
        return dt.date.fromisoformat(rng.choice(_ANCHORS))
    return _FIRST + dt.timedelta(days=rng.randrange((_LAST - _FIRST).days))


def _money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _return_facts(rng: random.Random, request_type: str) -> dict[str, Any]:
    delivered = _day(rng)
    offset = rng.choice(_OFFSETS) if _chance(rng, 0.7) else rng.randrange(0, 21)
    facts: dict[str, Any] = {
        "order_channel": rng.choices(
            ["online", "tv", "phone", "mail_order", "offline_store"], [70, 5, 5, 5, 15]
        )[0],
        "order_status": "delivered",
        "request_type": request_type,
        "delivered_date": delivered.isoformat(),
        "request_date": (delivered + dt.timedelta(days=offset)).isoformat(),
        "product_category": rng.choice(
            ["apparel", "shoes", "kettle", "phone", "cosmetics", "books"]
        ),
        "goods_amount_paid": _money(rng, 20, 600),
        "shipping_fee_paid": rng.choice([0.0, 0.0, 0.0, 10.0, 20.0]),
    }
    # Always given: a missing inspection result is asked for when it would decide
    # (needs_info by consequence), which the other contenders do not implement. A quality
    # return is a confirmed fault here: the peers implement the earlier reading of an
    # unconfirmed claim (ECOM-RET-013 now keeps its no-reason right).
    if request_type == "quality_return":
        facts["quality_fault"] = True
    else:
        facts["quality_fault"] = rng.choices([False, True], [85, 15])[0]
    if _chance(rng, 0.25):
        exclusion = rng.choice(_EXCLUSIONS)
        facts["return_exclusion"] = exclusion
        if exclusion == "digital_media":
            facts["digital_media_opened"] = _chance(rng, 0.5)
    if _chance(rng, 0.12):
        facts["conditional_exclusion"] = rng.choice(_CONDITIONAL)
        facts["exclusion_confirmed_at_purchase"] = _chance(rng, 0.5)
    if _chance(rng, 0.6):
        condition = {"packaging_opened": _chance(rng, 0.7), "tags_intact": not _chance(rng, 0.1)}
        for flag in ("seal_broken", "activated", "usage_marks", "soiled_or_damaged"):
            if _chance(rng, 0.05):
                condition[flag] = True
        facts["condition"] = condition
    partial = _chance(rng, 0.2)
    # A partial return's shipping deduction depends on the province: always given there
    # (it is asked for by consequence otherwise, which the other contenders do not do).
    if partial or _chance(rng, 0.8):
        facts["ship_to_province"] = rng.choice(_PROVINCES)
    if partial:
        _partial_order(rng, facts)
    if not partial and _chance(rng, 0.1):  # (a gift worth more than a partial refund:
        facts["gift"] = {  # invalid_input now, a negative refund to the other contenders)
            "name": "gift",
            "marked_price": _money(rng, 5, 40),
            "returned": _chance(rng, 0.5),
        }
    if _chance(rng, 0.1):
        facts["return_shipping_insured"] = True
    if _chance(rng, 0.25):
        received = dt.date.fromisoformat(facts["request_date"]) + dt.timedelta(
            days=rng.randrange(1, 7)
        )
        facts["warehouse_received_date"] = received.isoformat()
    if offset > 15:
        facts["failed_part_is_main"] = _chance(rng, 0.4)
        facts["product_category"] = rng.choice(
            ["kettle", "blender", "air_conditioner", "television"]
        )
        if _chance(rng, 0.15):
            facts[rng.choice(["misuse", "unauthorized_disassembly", "force_majeure"])] = True
        if _chance(rng, 0.3):
            facts["fault_date"] = (
                delivered + dt.timedelta(days=offset - rng.randrange(0, 10))
            ).isoformat()
    if _chance(rng, 0.03):  # COMMON-DATA-002: asked, or received back, before it arrived
        before = (delivered - dt.timedelta(days=rng.randrange(1, 4))).isoformat()
        facts["request_date" if _chance(rng, 0.6) else "warehouse_received_date"] = before
    elif _chance(rng, 0.04):  # COMMON-DATA-001: a needed fact is missing (not both at once)
        facts.pop(rng.choice(["delivered_date", "request_date"]), None)
    return facts


def _partial_order(rng: random.Random, facts: dict[str, Any]) -> None:
    items = [
        {
            "sku": f"S{n}",
            "list_price": _money(rng, 20, 250),
            "qty": rng.choice([1, 1, 2]),
            "returned": False,
        }
        for n in range(rng.choice([2, 3]))
    ]
    for item in rng.sample(items, rng.randrange(1, len(items) + 1)):
        item["returned"] = True
    total = sum(i["list_price"] * i["qty"] for i in items)
    paid = total
    if _chance(rng, 0.5):
        threshold = round(total * rng.uniform(0.4, 0.9), 0)
        discount = rng.choice([10.0, 20.0, 30.0])
        facts["promotion"] = {"threshold": threshold, "discount": discount}
        paid = total - discount
    facts["items"] = items
    facts["goods_amount_paid"] = round(paid, 2)


def _order_facts(rng: random.Random, request_type: str) -> dict[str, Any]:
    paid = _day(rng)
    status = (
        "paid_not_shipped"
        if request_type == "refund_out_of_stock"
        else rng.choice(["paid_not_shipped", "paid_not_shipped", "shipped", "delivered"])
    )
    facts: dict[str, Any] = {
        "order_channel": "online",
        "order_status": status,
        "request_type": request_type,
        "paid_at": f"{paid}T{rng.randrange(0, 24):02d}:{rng.randrange(0, 60):02d}:00+08:00",
        "request_date": (paid + dt.timedelta(days=rng.choice([0, 0, 1, 2]))).isoformat(),
        "goods_amount_paid": _money(rng, 10, 800),
        "shipping_fee_paid": rng.choice([0.0, 10.0, 20.0]),
    }
    if _chance(rng, 0.04):
        facts.pop(rng.choice(["order_status", "shipping_fee_paid", "request_date"]), None)
    return facts


def generate(count: int, seed: int = 20261122) -> list[dict[str, Any]]:
    """``count`` return cases, the same ones for the same seed."""
    rng = random.Random(seed)
    types = ["no_reason_return", "quality_return", "exchange", "cancel", "refund_out_of_stock"]
    cases = []
    for index in range(count):
        request_type = rng.choices(types, [45, 18, 15, 15, 7])[0]
        if request_type in ("cancel", "refund_out_of_stock"):
            facts = _order_facts(rng, request_type)
        else:
            facts = _return_facts(rng, request_type)
        if _chance(rng, 0.01):
            facts.pop("request_type")
        cases.append(
            {"id": f"W-{index:06d}", "industry": "ecommerce", "kind": "return", "facts": facts}
        )
    return cases
