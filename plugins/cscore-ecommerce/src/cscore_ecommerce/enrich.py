"""Derived e-commerce facts: what a rule file cannot say (a sum over order lines)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def order_line_totals(facts: Mapping[str, Any]) -> dict[str, Any]:
    items = facts.get("items")
    if not items:
        return {}
    kept = sum(line["list_price"] * line["qty"] for line in items if not line["returned"])
    returned = sum(line["list_price"] * line["qty"] for line in items if line["returned"])
    return {
        "kept_goods_list_total": round(kept, 2),
        "returned_goods_list_total": round(returned, 2),
        "partial_return": kept > 0 and returned > 0,
    }
