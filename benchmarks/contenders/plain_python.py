"""The return policy as hand-written Python: the practical speed limit.

The same decisions as rules/ecommerce/return.yaml (+ shipping_terms, warranty_terms,
refund_terms), written the way a developer would code them by hand: plain ``if``s in
the order of the hit policies, ``datetime.date`` arithmetic and a working-day function
backed by the official 2025–2026 table (CATALOG.md §8). Nothing from cscore runs here.

It validates only what the workload and the hand-written cases need (enum values and
negative amounts of the facts the policy reads) and otherwise trusts the facts' shape.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contenders import official_calendar

_DAY = dt.timedelta(days=1)
_CENT = Decimal("0.01")


# COMMON-CAL-002, CATALOG.md §8: official rest days and 调休 working days, 2025–2026.
REST_DAYS: frozenset[dt.date] = frozenset(official_calendar.rest_days())
ADJUSTED_WORKING_DAYS: frozenset[dt.date] = frozenset(
    dt.date.fromisoformat(day) for day in official_calendar.ADJUSTED_WORKING_DAYS
)


def is_working_day(day: dt.date) -> bool:
    """Mon–Fri unless an official rest day, or an adjusted (调休) working Sat/Sun.
    Outside 2025–2026 this is plain Mon–Fri (the workload stays inside)."""
    if day in ADJUSTED_WORKING_DAYS:
        return True
    return day.weekday() < 5 and day not in REST_DAYS


def next_working_day_if_rest(day: dt.date) -> dt.date:
    """COMMON-CAL-006: a last day on a rest day moves to the next working day."""
    while not is_working_day(day):
        day += _DAY
    return day


def add_working_days(day: dt.date, count: int) -> dt.date:
    """COMMON-CAL-004: the ``count``-th working day after ``day`` (``day`` not counted)."""
    for _ in range(count):
        day += _DAY
        while not is_working_day(day):
            day += _DAY
    return day


def add_years(day: dt.date, years: int) -> dt.date:
    """COMMON-CAL-009: same month and day ``years`` later; 29 Feb becomes 28 Feb."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def round_money(value: float) -> float:
    """Half up to 2 decimals, as cscore reports money."""
    return float(Decimal(format(value, ".15g")).quantize(_CENT, rounding=ROUND_HALF_UP))


def _money(value: Any) -> Any:
    return round_money(value) if isinstance(value, float) else value


# -- policy constants (return.yaml, shipping_terms.yaml, warranty_terms.yaml, refund_terms.yaml)
NO_REASON_DAYS = 7
QUALITY_EXCHANGE_DAYS = 15
DISTANCE_CHANNELS = frozenset({"online", "tv", "phone", "mail_order"})
STATUTORY_EXCLUSIONS = frozenset(
    {"custom_made", "perishable", "digital_downloaded", "newspaper_periodical"}
)
REMOTE_PROVINCES = frozenset({"新疆", "西藏", "青海", "甘肃", "宁夏"})
FREE_SHIPPING_THRESHOLD, STANDARD_SHIPPING_FEE = 99.0, 10.0
REMOTE_FREE_SHIPPING_THRESHOLD, REMOTE_SHIPPING_FEE = 199.0, 20.0
WHOLE_UNIT_WARRANTY_YEARS, MAIN_PART_WARRANTY_YEARS, SANBAO_MAIN_PART_YEARS = 1, 2, 3
SANBAO_CATEGORIES = frozenset({"air_conditioner", "refrigerator", "washing_machine", "television"})
UNSHIPPED_REFUND_WORKING_DAYS = 1
OUT_OF_STOCK_REFUND_WORKING_DAYS = 2
RETURNED_GOODS_REFUND_WORKING_DAYS = 2
REFUND_LEGAL_CAP_DAYS = 7

# What the facts model would refuse (COMMON-DATA-002 before any rule runs).
_ENUMS: dict[str, frozenset[str]] = {
    "conditional_exclusion": frozenset(
        {"safety_health_opened", "activated_value_loss", "near_expiry_or_defect_disclosed"}
    ),
    "order_channel": frozenset({"online", "tv", "phone", "mail_order", "offline_store"}),
    "order_status": frozenset({"paid_not_shipped", "shipped", "delivered"}),
    "request_type": frozenset(
        {"no_reason_return", "quality_return", "exchange", "cancel", "refund_out_of_stock"}
    ),
    "return_exclusion": frozenset(
        {"custom_made", "perishable", "digital_downloaded", "digital_media", "newspaper_periodical"}
    ),
}
_MONEY = ("goods_amount_paid", "shipping_fee_paid")

_RETURN_TYPES = ("no_reason_return", "quality_return", "exchange")
_NO_REASON_OR_EXCHANGE = ("no_reason_return", "exchange")
_WITHIN_7 = "no_reason_within_7_days"
_QUALITY_WITHIN_7 = "quality_fault_within_7_days"


def _model_errors(facts: dict[str, Any]) -> list[str]:
    bad = [
        name
        for name, allowed in _ENUMS.items()
        if (value := facts.get(name)) is not None and value not in allowed
    ]
    for name in _MONEY:
        value = facts.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            bad.append(name)
    return sorted(bad)


class PlainPython:
    name = "plain_python"

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        facts: dict[str, Any] = case["facts"]
        get = facts.get
        errors = _model_errors(facts)
        if errors:
            return {"decision": "invalid_input", "invalid_fields": errors}

        request_type = get("request_type")
        delivered_s = get("delivered_date")
        request_s = get("request_date")
        warehouse_s = get("warehouse_received_date")

        # COMMON-DATA-002: dated before the delivery (ISO dates compare as text)
        invalid = []
        if delivered_s is not None:
            if request_s is not None and request_s < delivered_s:
                invalid.append("request_date")
            if warehouse_s is not None and warehouse_s < delivered_s:
                invalid.append("warehouse_received_date")
        if invalid:
            return {"decision": "invalid_input", "invalid_fields": invalid}

        # COMMON-DATA-001: required facts (appended in sorted order)
        missing = []
        order_status = get("order_status")
        if request_type is None:
            missing.append("request_type")
        elif request_type in _RETURN_TYPES:
            if delivered_s is None:
                missing.append("delivered_date")
            if request_type == "no_reason_return" and get("order_channel") is None:
                missing.append("order_channel")
            if request_s is None:
                missing.append("request_date")
        elif request_type == "cancel":
            if order_status is None:
                missing.append("order_status")
            elif order_status == "paid_not_shipped" and request_s is None:
                missing.append("request_date")
        elif request_type == "refund_out_of_stock" and request_s is None:
            missing.append("request_date")
        if missing:
            return {"decision": "needs_info", "missing_fields": missing}

        # -- deadlines, claims and amounts that need no decision --------------------
        fromiso = dt.date.fromisoformat
        request = fromiso(request_s) if request_s is not None else None
        delivered = deadline = exchange_end = None
        if delivered_s is not None:
            delivered = fromiso(delivered_s)
            deadline = next_working_day_if_rest(delivered + dt.timedelta(days=NO_REASON_DAYS))
            exchange_end = delivered + dt.timedelta(days=QUALITY_EXCHANGE_DAYS)
        quality_fault = get("quality_fault")
        quality_claim = quality_fault is True or (
            request_type == "quality_return" and quality_fault is None
        )
        dated = request is not None and deadline is not None
        within_7 = dated and request <= deadline
        after_7 = dated and request > deadline
        after_15 = dated and request > exchange_end

        # -- decision and reason: priority, ties to the rule defined first -----------
        decision = reason = None
        channel = get("order_channel")
        if quality_claim and (request_type in ("no_reason_return", "quality_return") and within_7):
            decision, reason = "return", _QUALITY_WITHIN_7
        elif quality_claim and after_7 and request <= exchange_end:
            decision, reason = "exchange", "quality_fault_day_8_to_15"
        elif quality_claim and request_type == "exchange" and within_7:
            decision, reason = "exchange", "quality_fault_exchange"
        elif quality_claim and after_15:
            decision, reason = "repair", "quality_fault_after_15_days"
        elif request_type == "quality_return" and quality_fault is False:
            decision, reason = "reject", "no_quality_fault"
        elif request_type == "no_reason_return" and channel == "offline_store":
            decision, reason = "reject", "no_statutory_right_offline"
        elif request_type in _NO_REASON_OR_EXCHANGE and after_7:
            decision, reason = "reject", "window_expired"
        elif request_type in _NO_REASON_OR_EXCHANGE and (
            get("return_exclusion") in STATUTORY_EXCLUSIONS
            or (get("return_exclusion") == "digital_media" and get("digital_media_opened") is True)
        ):
            decision, reason = "reject", "statutory_exclusion"
        elif (
            request_type in _NO_REASON_OR_EXCHANGE
            and get("conditional_exclusion") is not None
            and get("exclusion_confirmed_at_purchase") is True
        ):
            decision, reason = "reject", "confirmed_exclusion"
        elif request_type in _NO_REASON_OR_EXCHANGE and _not_intact(get("condition")):
            decision, reason = "reject", "not_intact"
        elif request_type == "no_reason_return" and channel in DISTANCE_CHANNELS and within_7:
            decision, reason = "return", _WITHIN_7
        elif request_type == "exchange" and not quality_claim and within_7:
            decision, reason = "exchange", "non_quality_exchange"
        elif request_type == "cancel" and order_status == "paid_not_shipped":
            decision, reason = "refund", "cancelled_before_shipment"
        elif request_type == "cancel" and order_status in ("shipped", "delivered"):
            decision, reason = "reject", "already_shipped"
        elif request_type == "refund_out_of_stock":
            decision, reason = "refund", "out_of_stock"

        outcome: dict[str, Any] = {}
        if decision is not None:
            outcome["decision"] = decision
            outcome["reason"] = reason
        if deadline is not None:
            outcome["return_deadline"] = deadline.isoformat()

        # -- ECOM-RET-010: repair charge (its own keys, whichever decision wins) -------
        if quality_claim and after_15 and deadline is not None and request > deadline:
            years = WHOLE_UNIT_WARRANTY_YEARS
            if get("failed_part_is_main") is True:
                years = (
                    SANBAO_MAIN_PART_YEARS
                    if get("product_category") in SANBAO_CATEGORIES
                    else MAIN_PART_WARRANTY_YEARS
                )
            last_day = add_years(delivered, years)
            fault_s = get("fault_date")
            fault_day = fromiso(fault_s) if fault_s is not None else request
            excluded = (
                get("misuse") is True
                or get("unauthorized_disassembly") is True
                or get("documents_altered") is True
                or get("force_majeure") is True
                or (get("has_invoice") is False and get("has_warranty_card") is False)
            )
            free = not excluded and fault_day <= last_day
            outcome["charge"] = "free" if free else "paid"
            # a free repair in the first year: the whole unit's period covers it
            whole_unit_end = add_years(delivered, WHOLE_UNIT_WARRANTY_YEARS)
            shown = whole_unit_end if free and fault_day <= whole_unit_end else last_day
            outcome["warranty_end"] = shown.isoformat()

        # -- ECOM-FEE-005: who pays the return shipping ------------------------------
        if reason == _WITHIN_7:
            insured = get("return_shipping_insured") is True or get("free_return_promised") is True
            outcome["return_shipping_paid_by"] = "merchant" if insured else "buyer"
        elif quality_claim and decision in ("return", "exchange", "repair"):
            outcome["return_shipping_paid_by"] = "merchant"
        elif reason == "non_quality_exchange":
            outcome["return_shipping_paid_by"] = "buyer"
        elif decision == "refund":
            outcome["return_shipping_paid_by"] = "none"

        # -- refund amount (ECOM-RET-005/006, ECOM-FEE-006/007) ------------------------
        goods = get("goods_amount_paid")
        shipping_paid = get("shipping_fee_paid")
        if decision == "return":
            kept_price, gift_deduction = _kept_price_and_gift(facts)
            if reason == _WITHIN_7:
                deduction = None
                if kept_price is not None and shipping_paid == 0 and goods is not None:
                    remote = get("ship_to_province") in REMOTE_PROVINCES
                    threshold = (
                        REMOTE_FREE_SHIPPING_THRESHOLD if remote else FREE_SHIPPING_THRESHOLD
                    )
                    if goods >= threshold and kept_price < threshold:
                        deduction = REMOTE_SHIPPING_FEE if remote else STANDARD_SHIPPING_FEE
                        outcome["shipping_deduction"] = deduction
                if goods is None:
                    return {"decision": "needs_info", "missing_fields": ["goods_amount_paid"]}
                outcome["refund_amount"] = _money(
                    goods
                    - (kept_price if kept_price is not None else 0)
                    - (gift_deduction if gift_deduction is not None else 0)
                    - (deduction if deduction is not None else 0)
                )
            elif reason == _QUALITY_WITHIN_7:
                for name, value in (
                    ("goods_amount_paid", goods),
                    ("shipping_fee_paid", shipping_paid),
                ):
                    if value is None:
                        return {"decision": "needs_info", "missing_fields": [name]}
                outcome["refund_amount"] = _money(
                    goods
                    - (kept_price if kept_price is not None else 0)
                    - (gift_deduction if gift_deduction is not None else 0)
                    + shipping_paid
                )
            if warehouse_s is not None:  # ECOM-REF-003, capped by the statutory 7 days
                received = fromiso(warehouse_s)
                outcome["refund_due_by"] = min(
                    add_working_days(received, RETURNED_GOODS_REFUND_WORKING_DAYS),
                    received + dt.timedelta(days=REFUND_LEGAL_CAP_DAYS),
                ).isoformat()
        elif decision == "refund":
            for name, value in (("goods_amount_paid", goods), ("shipping_fee_paid", shipping_paid)):
                if value is None:
                    return {"decision": "needs_info", "missing_fields": [name]}
            outcome["refund_amount"] = _money(goods + shipping_paid)
            days = (
                UNSHIPPED_REFUND_WORKING_DAYS
                if reason == "cancelled_before_shipment"
                else OUT_OF_STOCK_REFUND_WORKING_DAYS
            )
            outcome["refund_due_by"] = add_working_days(request, days).isoformat()
        return outcome


def _not_intact(condition: dict[str, Any] | None) -> bool:
    """ECOM-RET-004."""
    if not condition:
        return False
    return (
        condition.get("seal_broken") is True
        or condition.get("activated") is True
        or condition.get("usage_marks") is True
        or condition.get("tags_intact") is False
        or condition.get("soiled_or_damaged") is True
    )


def _kept_price_and_gift(facts: dict[str, Any]) -> tuple[float | None, float | None]:
    """ECOM-RET-006 (kept goods re-priced, with the 满减 only if they still reach it) and
    ECOM-RET-005 (a gift not sent back costs its marked price)."""
    kept_price = None
    items = facts.get("items")
    if items:
        kept = sum(line["list_price"] * line["qty"] for line in items if not line.get("returned"))
        returned = sum(line["list_price"] * line["qty"] for line in items if line.get("returned"))
        if kept > 0 and returned > 0:  # a partial return
            kept_total = round(kept, 2)
            promotion = facts.get("promotion")
            if promotion is not None and kept_total >= promotion["threshold"]:
                kept_price = kept_total - promotion["discount"]
            else:
                kept_price = kept_total
    gift = facts.get("gift")
    gift_deduction = gift["marked_price"] if gift and gift.get("returned") is False else None
    return kept_price, gift_deduction


class PlainPythonValidated(PlainPython):
    """The same hand-written policy after the same pydantic validation cscore runs
    (the e-commerce plugin's facts model): what a hand-written service that checks its
    input as cscore does would cost. Impossible facts answer as cscore does, naming
    pydantic's fields."""

    name = "plain_python + pydantic"

    def __init__(self) -> None:
        from pydantic import ValidationError

        from cscore_ecommerce.models import EcommerceFacts

        self._model = EcommerceFacts
        self._error = ValidationError

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        try:
            self._model.model_validate(case["facts"])
        except self._error as exc:
            fields = {".".join(map(str, problem["loc"])) for problem in exc.errors()}
            return {"decision": "invalid_input", "invalid_fields": sorted(fields)}
        return super().decide(case)
