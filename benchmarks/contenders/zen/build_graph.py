"""Write return.json: the return policy as a GoRules JDM decision graph.

    python benchmarks/contenders/zen/build_graph.py

The graph is what a GoRules user would draw in the editor; this script only spares
writing its JSON (ids, positions, table cells) by hand. Edit the tables here, then
re-run it and ``check.py``.

Flow (left to right)::

    request → Order lines → Facts check → Facts complete? ─┬→ Invalid input ───────────┐
                                                          ├→ Needs info ──────────────┤
                                                          └→ Policy terms             │
      → Shipping terms → Warranty period → Official calendar → Deadlines              │
      → Windows and claims → Return decision → Repair charge → Return shipping        ├→ response
      → Refund due → Refund inputs → Refund computable? ─┬→ Needs info (refund) ───────┤
                                                        └→ Refund amount → Outcome ───┘

The working-day calendar is plain expressions over the official table (a list of rest
days and one of 调休 working days); ``--js-calendar PATH`` writes the same graph with
one JavaScript function node doing the calendar instead, to measure what that costs.

Decision tables use hit policy ``first`` with their rows in cscore's priority order
(highest priority first, ties in rule-file order), which is how a priority hit policy
is written in JDM.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(HERE.parents[1]))  # benchmarks/, for the shared calendar table

from contenders.official_calendar import ADJUSTED_WORKING_DAYS, REST_RANGES  # noqa: E402
from contenders.official_calendar import rest_days as _rest_days  # noqa: E402


def rest_days() -> list[str]:
    """COMMON-CAL-002: the official 2025–2026 rest days (CATALOG.md §8)."""
    return [day.isoformat() for day in _rest_days()]


# The variant with the calendar in one JavaScript function node (--js-calendar).
CALENDAR_JS = r"""
// Working-day calendar (COMMON-CAL-002/004/005/006/009), official PRC table for
// 2025-2026 (国务院办公厅 notices; CATALOG.md §8). Other years: Mon-Fri.
const REST_RANGES = __REST_RANGES__;
const ADJUSTED_WORKING_DAYS = __ADJUSTED__;  // 调休上班日
const DAY_MS = 86400000;

// Dates as whole days since 1970-01-01 (UTC), so no time zone can shift them.
const toDay = (iso) =>
  Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS;
const toIso = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);

const REST = new Set();
for (const [first, last] of REST_RANGES) {
  for (let day = toDay(first); day <= toDay(last); day++) REST.add(day);
}
const WORKING = new Set(ADJUSTED_WORKING_DAYS.map(toDay));

const isWorkingDay = (day) => {
  if (WORKING.has(day)) return true;
  const weekday = (day + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday !== 0 && weekday !== 6 && !REST.has(day);
};
// COMMON-CAL-006: a last day on a rest day moves to the next working day.
const nextWorkingDayIfRest = (day) => {
  while (!isWorkingDay(day)) day++;
  return day;
};
// COMMON-CAL-004: the n-th working day after the date, the date itself not counted.
const addWorkingDays = (day, n) => {
  for (let i = 0; i < n; i++) {
    day++;
    while (!isWorkingDay(day)) day++;
  }
  return day;
};
// COMMON-CAL-009: same month and day n years later; 29 Feb becomes 28 Feb.
const addYears = (iso, n) => {
  const year = +iso.slice(0, 4) + n;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDay = iso.slice(4) === '-02-29' && !leap ? '-02-28' : iso.slice(4);
  return String(year).padStart(4, '0') + monthDay;
};

export const handler = async (input) => {
  const dates = {};
  if (input.delivered_date) {
    const delivered = toDay(input.delivered_date);
    dates.return_deadline = toIso(nextWorkingDayIfRest(delivered + input.no_reason_days));
    dates.quality_exchange_end = toIso(delivered + input.quality_exchange_days);
    dates.warranty_last_day = addYears(input.delivered_date, input.warranty_years);
  }
  if (input.request_date) {
    const request = toDay(input.request_date);
    dates.unshipped_refund_due = toIso(
      addWorkingDays(request, input.unshipped_refund_working_days));
    dates.out_of_stock_refund_due = toIso(
      addWorkingDays(request, input.out_of_stock_refund_working_days));
  }
  if (input.warehouse_received_date) {
    const received = toDay(input.warehouse_received_date);
    dates.returned_goods_refund_due = toIso(Math.min(
      addWorkingDays(received, input.returned_goods_refund_working_days),
      received + input.refund_legal_cap_days));
  }
  return { ...input, ...dates };
};
""".strip()
CALENDAR_JS = CALENDAR_JS.replace("__REST_RANGES__", json.dumps(REST_RANGES)).replace(
    "__ADJUSTED__", json.dumps(ADJUSTED_WORKING_DAYS)
)


# -- node builders ------------------------------------------------------------------
def _node(node_id: str, kind: str, name: str, x: int, y: int, content: Any = None) -> dict:
    node: dict[str, Any] = {"id": node_id, "type": kind, "name": name}
    if content is not None:
        node["content"] = content
    node["position"] = {"x": x, "y": y}
    return node


def expression(
    node_id: str,
    name: str,
    x: int,
    y: int,
    pairs: list[tuple[str, str]],
    *,
    pass_through: bool = True,
) -> dict:
    return _node(
        node_id,
        "expressionNode",
        name,
        x,
        y,
        {
            "expressions": [
                {"id": f"{node_id}:{key}", "key": key, "value": value} for key, value in pairs
            ],
            "passThrough": pass_through,
            "inputField": None,
            "outputPath": None,
            "executionMode": "single",
        },
    )


def table(
    node_id: str,
    name: str,
    x: int,
    y: int,
    inputs: list[tuple[str, str, str]],
    outputs: list[tuple[str, str, str]],
    rows: list[dict[str, str]],
) -> dict:
    """inputs/outputs: (column key, column name, field); rows: column key -> cell."""
    columns = {key: f"{node_id}:{key}" for key, _name, _field in [*inputs, *outputs]}
    rules = []
    for number, row in enumerate(rows, 1):
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{node_id} row {number}: unknown columns {sorted(unknown)}")
        rule = {"_id": f"{node_id}:r{number}"}
        rule.update({columns[key]: row.get(key, "") for key in columns})
        rules.append(rule)
    return _node(
        node_id,
        "decisionTableNode",
        name,
        x,
        y,
        {
            "hitPolicy": "first",
            "inputs": [
                {"id": columns[key], "name": label, "field": field} for key, label, field in inputs
            ],
            "outputs": [
                {"id": columns[key], "name": label, "field": field} for key, label, field in outputs
            ],
            "rules": rules,
            "passThrough": True,
            "inputField": None,
            "outputPath": None,
            "executionMode": "single",
        },
    )


def switch(node_id: str, name: str, x: int, y: int, statements: list[tuple[str, str]]) -> dict:
    return _node(
        node_id,
        "switchNode",
        name,
        x,
        y,
        {
            "hitPolicy": "first",
            "statements": [
                {"id": f"{node_id}:{key}", "condition": condition} for key, condition in statements
            ],
        },
    )


def _list(*values: str) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _cells(*values: str) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _date_compare(left: str, op: str, right: str) -> str:
    return f"{left} != null and {right} != null and d({left}) {op} d({right})"


def _listed(*candidates: tuple[str, str]) -> str:
    """The names whose condition holds, in the (sorted) order given."""
    items = ",\n  ".join(f"{condition} ? '{name}' : null" for name, condition in candidates)
    return f"filter([\n  {items}\n], # != null)"


# -- the policy -----------------------------------------------------------------------
RETURN_TYPES = ("no_reason_return", "quality_return", "exchange")
NO_REASON_OR_EXCHANGE = _cells("no_reason_return", "exchange")
REMOTE_PROVINCES = ("新疆", "西藏", "青海", "甘肃", "宁夏")
SANBAO_CATEGORIES = ("air_conditioner", "refrigerator", "washing_machine", "television")
STATUTORY_EXCLUSIONS = ("custom_made", "perishable", "digital_downloaded", "newspaper_periodical")
ENUMS = {  # what the facts model accepts (COMMON-DATA-002 before any rule)
    "conditional_exclusion": (
        "safety_health_opened",
        "activated_value_loss",
        "near_expiry_or_defect_disclosed",
    ),
    "order_channel": ("online", "tv", "phone", "mail_order", "offline_store"),
    "order_status": ("paid_not_shipped", "shipped", "delivered"),
    "request_type": (*RETURN_TYPES, "cancel", "refund_out_of_stock"),
    "return_exclusion": (
        "custom_made",
        "perishable",
        "digital_downloaded",
        "digital_media",
        "newspaper_periodical",
    ),
}
MONEY = ("goods_amount_paid", "shipping_fee_paid")


def _schema_errors() -> str:
    checks = {
        name: f"{name} != null and not ({name} in {_list(*allowed)})"
        for name, allowed in ENUMS.items()
    }
    checks.update(
        {name: f"{name} != null and (type({name}) != 'number' or {name} < 0)" for name in MONEY}
    )
    return _listed(*sorted(checks.items()))


# -- the calendar as expression nodes (the default) -----------------------------------
# COMMON-CAL-002 on an ISO date held in `#`: 调休 working day, or Mon–Fri and no holiday.
IS_WORKING_DAY = "(# in adjusted_working_days or (d(#).weekday() < 6 and not (# in rest_days)))"


def _working_days(start: str, offsets: str, shift: str = "") -> str:
    """The working days among ``start`` + each offset (+ shift), in order."""
    plus = f"{shift} + #" if shift else "#"
    return (
        f"filter(map({offsets}, d({start}).add({plus}, 'd').format('%Y-%m-%d')), {IS_WORKING_DAY})"
    )


def official_calendar() -> dict:
    return expression(
        "official-calendar",
        "Official calendar 2025–2026 (COMMON-CAL-002, CATALOG §8)",
        1750,
        300,
        [
            ("rest_days", _list(*rest_days())),
            ("adjusted_working_days", _list(*ADJUSTED_WORKING_DAYS)),
        ],
    )


def deadlines() -> dict:
    """COMMON-CAL-004/005/006/009. The longest official rest run is 9 days (春节 2026),
    so 10 candidate days settle an extension and 16 cover two working days."""
    n_th = "[{} - 1]"
    return expression(
        "deadlines",
        "Deadlines (COMMON-CAL-004..009)",
        2000,
        300,
        [
            (
                "return_deadline",  # COMMON-CAL-006: the 7th day, moved off a rest day
                "delivered_date == null ? null : "
                + _working_days("delivered_date", "[0..10]", "no_reason_days")
                + "[0]",
            ),
            (
                "quality_exchange_end",
                "delivered_date == null ? null : d(delivered_date)"
                ".add(quality_exchange_days, 'd').format('%Y-%m-%d')",
            ),
            (
                "warranty_end_year",
                "delivered_date == null ? null : d(delivered_date).year() + warranty_years",
            ),
            (
                "warranty_last_day",  # COMMON-CAL-009: 29 Feb → 28 Feb
                "delivered_date == null ? null : string($.warranty_end_year) + "
                "(delivered_date[4:] == '-02-29' and not ($.warranty_end_year % 4 == 0 and "
                "($.warranty_end_year % 100 != 0 or $.warranty_end_year % 400 == 0)) "
                "? '-02-28' : delivered_date[4:])",
            ),
            (
                "unshipped_refund_due",
                "request_type == 'cancel' and request_date != null ? "
                + _working_days("request_date", "[1..16]")
                + n_th.format("unshipped_refund_working_days")
                + " : null",
            ),
            (
                "out_of_stock_refund_due",
                "request_type == 'refund_out_of_stock' and request_date != null ? "
                + _working_days("request_date", "[1..16]")
                + n_th.format("out_of_stock_refund_working_days")
                + " : null",
            ),
            (
                "returned_goods_working_day",
                "warehouse_received_date == null ? null : "
                + _working_days("warehouse_received_date", "[1..16]")
                + n_th.format("returned_goods_refund_working_days"),
            ),
            (
                "returned_goods_legal_cap",
                "warehouse_received_date == null ? null : d(warehouse_received_date)"
                ".add(refund_legal_cap_days, 'd').format('%Y-%m-%d')",
            ),
            (
                "returned_goods_refund_due",  # ECOM-REF-003: the statutory 7 days cap it
                "$.returned_goods_working_day == null ? null : "
                "d($.returned_goods_working_day).isBefore(d($.returned_goods_legal_cap)) "
                "? $.returned_goods_working_day : $.returned_goods_legal_cap",
            ),
        ],
    )


def build(*, js_calendar: bool = False) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    edges: list[tuple[str, str, str | None]] = []

    def chain(*ids: str) -> None:
        edges.extend((a, b, None) for a, b in itertools.pairwise(ids))

    nodes.append(_node("request", "inputNode", "request", 0, 300))
    nodes.append(
        expression(
            "order-lines",
            "Order lines (derived facts)",
            250,
            300,
            [
                (
                    "kept_goods_list_total",
                    "items != null and len(items) > 0 ? round(sum(map("
                    "filter(items, #.returned != true), #.list_price * #.qty)), 2) : null",
                ),
                (
                    "returned_goods_list_total",
                    "items != null and len(items) > 0 ? round(sum(map("
                    "filter(items, #.returned == true), #.list_price * #.qty)), 2) : null",
                ),
                (
                    "partial_return",
                    "$.kept_goods_list_total != null and $.kept_goods_list_total > 0 "
                    "and $.returned_goods_list_total > 0",
                ),
            ],
        )
    )
    nodes.append(
        expression(
            "facts-check",
            "Facts check (COMMON-DATA-001/002)",
            500,
            300,
            [
                ("schema_errors", _schema_errors()),
                (
                    "date_errors",
                    _listed(
                        ("request_date", _date_compare("request_date", "<", "delivered_date")),
                        (
                            "warehouse_received_date",
                            _date_compare("warehouse_received_date", "<", "delivered_date"),
                        ),
                    ),
                ),
                (
                    "invalid_fields",
                    "len($.schema_errors) > 0 ? $.schema_errors : $.date_errors",
                ),
                (
                    "missing_fields",
                    _listed(
                        (
                            "delivered_date",
                            f"delivered_date == null and request_type in {_list(*RETURN_TYPES)}",
                        ),
                        (
                            "order_channel",
                            "order_channel == null and request_type == 'no_reason_return'",
                        ),
                        ("order_status", "order_status == null and request_type == 'cancel'"),
                        (
                            "request_date",
                            "request_date == null and (request_type in "
                            f"{_list(*RETURN_TYPES, 'refund_out_of_stock')} or "
                            "(request_type == 'cancel' and order_status == 'paid_not_shipped'))",
                        ),
                        ("request_type", "request_type == null"),
                    ),
                ),
            ],
        )
    )
    nodes.append(
        switch(
            "facts-complete",
            "Facts complete?",
            750,
            300,
            [
                ("invalid", "len(invalid_fields) > 0"),
                ("missing", "len(missing_fields) > 0"),
                ("complete", ""),
            ],
        )
    )
    nodes.append(
        expression(
            "invalid-input",
            "Invalid input",
            1000,
            0,
            [("decision", "'invalid_input'"), ("invalid_fields", "invalid_fields")],
            pass_through=False,
        )
    )
    nodes.append(
        expression(
            "needs-info",
            "Needs info",
            1000,
            150,
            [("decision", "'needs_info'"), ("missing_fields", "missing_fields")],
            pass_through=False,
        )
    )
    edges.append(("facts-complete", "invalid-input", "facts-complete:invalid"))
    edges.append(("facts-complete", "needs-info", "facts-complete:missing"))
    edges.append(("facts-complete", "policy-terms", "facts-complete:complete"))
    nodes.append(
        expression(
            "policy-terms",
            "Policy terms (return.yaml, refund_terms.yaml)",
            1000,
            300,
            [
                ("no_reason_days", "7"),
                ("quality_exchange_days", "15"),
                ("unshipped_refund_working_days", "1"),
                ("out_of_stock_refund_working_days", "2"),
                ("returned_goods_refund_working_days", "2"),
                ("refund_legal_cap_days", "7"),
            ],
        )
    )
    nodes.append(
        table(
            "shipping-terms",
            "Shipping terms (ECOM-FEE-001/002)",
            1250,
            300,
            [("province", "Ship to province", "ship_to_province")],
            [
                ("remote", "Remote area", "remote_area"),
                ("threshold", "Free shipping threshold", "threshold_for_free_shipping"),
                ("fee", "Fee below threshold", "fee_below_threshold"),
            ],
            [
                {
                    "province": _cells(*REMOTE_PROVINCES),
                    "remote": "true",
                    "threshold": "199",
                    "fee": "20",
                },
                {"remote": "false", "threshold": "99", "fee": "10"},
            ],
        )
    )
    nodes.append(
        table(
            "warranty-period",
            "Warranty period (ECOM-WAR-001, APPL-WAR-003)",
            1500,
            300,
            [
                ("main", "Failed part is main", "failed_part_is_main"),
                ("category", "Product category", "product_category"),
            ],
            [("years", "Warranty years", "warranty_years")],
            [
                {"main": "true", "category": _cells(*SANBAO_CATEGORIES), "years": "3"},
                {"main": "true", "years": "2"},
                {"years": "1"},
            ],
        )
    )
    if js_calendar:
        nodes.append(
            _node(
                "calendar",
                "functionNode",
                "Working-day calendar (COMMON-CAL, JavaScript)",
                1750,
                300,
                {"source": CALENDAR_JS},
            )
        )
    else:
        nodes.append(official_calendar())
        nodes.append(deadlines())
    nodes.append(
        expression(
            "windows-claims",
            "Windows and claims",
            2000,
            300,
            [
                (
                    "quality_claim",  # ECOM-RET-013
                    "quality_fault == true or "
                    "(request_type == 'quality_return' and quality_fault == null)",
                ),
                ("fault_day", "request_date != null ? (fault_date ?? request_date) : null"),
                ("within_return_window", _date_compare("request_date", "<=", "return_deadline")),
                ("after_return_window", _date_compare("request_date", ">", "return_deadline")),
                (
                    "within_exchange_window",
                    _date_compare("request_date", "<=", "quality_exchange_end"),
                ),
                (
                    "after_exchange_window",
                    _date_compare("request_date", ">", "quality_exchange_end"),
                ),
                ("fault_within_warranty", _date_compare("$.fault_day", "<=", "warranty_last_day")),
                ("fault_after_warranty", _date_compare("$.fault_day", ">", "warranty_last_day")),
                (
                    "warranty_excluded",  # ECOM-WAR-002
                    "misuse == true or unauthorized_disassembly == true "
                    "or documents_altered == true or force_majeure == true "
                    "or (has_invoice == false and has_warranty_card == false)",
                ),
                (
                    "statutory_exclusion",  # ECOM-RET-002
                    f"return_exclusion in {_list(*STATUTORY_EXCLUSIONS)} or "
                    "(return_exclusion == 'digital_media' and digital_media_opened == true)",
                ),
                (
                    "confirmed_exclusion",  # ECOM-RET-003
                    "conditional_exclusion != null and exclusion_confirmed_at_purchase == true",
                ),
                (
                    "not_intact",  # ECOM-RET-004
                    "condition.seal_broken == true or condition.activated == true "
                    "or condition.usage_marks == true or condition.tags_intact == false "
                    "or condition.soiled_or_damaged == true",
                ),
                (
                    "kept_goods_price",  # ECOM-RET-006
                    "partial_return == true ? (promotion.threshold != null and "
                    "kept_goods_list_total >= promotion.threshold ? "
                    "kept_goods_list_total - promotion.discount : kept_goods_list_total) : null",
                ),
                ("gift_deduction", "gift.returned == false ? gift.marked_price : null"),  # RET-005
            ],
        )
    )
    distance = _cells("online", "tv", "phone", "mail_order")
    nodes.append(
        table(
            "return-decision",
            "Return decision (ECOM-RET, priority order)",
            2250,
            300,
            [
                ("quality", "Quality claim", "quality_claim"),
                ("type", "Request type", "request_type"),
                ("fault", "Quality fault", "quality_fault"),
                ("channel", "Order channel", "order_channel"),
                ("status", "Order status", "order_status"),
                ("in7", "Within 7-day window", "within_return_window"),
                ("after7", "After 7-day window", "after_return_window"),
                ("in15", "Within 15 days", "within_exchange_window"),
                ("after15", "After 15 days", "after_exchange_window"),
                ("statutory", "Statutory exclusion", "statutory_exclusion"),
                ("confirmed", "Confirmed exclusion", "confirmed_exclusion"),
                ("not_intact", "Not intact", "not_intact"),
            ],
            [("decision", "Decision", "decision"), ("reason", "Reason", "reason")],
            [
                # 100: quality claims (ECOM-RET-013: more favourable to the buyer)
                {
                    "quality": "true",
                    "type": _cells("no_reason_return", "quality_return"),
                    "in7": "true",
                    "decision": "'return'",
                    "reason": "'quality_fault_within_7_days'",
                },
                {
                    "quality": "true",
                    "after7": "true",
                    "in15": "true",
                    "decision": "'exchange'",
                    "reason": "'quality_fault_day_8_to_15'",
                },
                {
                    "quality": "true",
                    "type": "'exchange'",
                    "in7": "true",
                    "decision": "'exchange'",
                    "reason": "'quality_fault_exchange'",
                },
                {
                    "quality": "true",
                    "after15": "true",
                    "after7": "true",
                    "decision": "'repair'",
                    "reason": "'quality_fault_after_15_days'",
                },
                # 90
                {
                    "type": "'quality_return'",
                    "fault": "false",
                    "decision": "'reject'",
                    "reason": "'no_quality_fault'",
                },
                # 50 > 40 > 30 > 20 > 10: the checks of ECOM-RET-014
                {
                    "type": "'no_reason_return'",
                    "channel": "'offline_store'",
                    "decision": "'reject'",
                    "reason": "'no_statutory_right_offline'",
                },
                {
                    "type": NO_REASON_OR_EXCHANGE,
                    "after7": "true",
                    "decision": "'reject'",
                    "reason": "'window_expired'",
                },
                {
                    "type": NO_REASON_OR_EXCHANGE,
                    "statutory": "true",
                    "decision": "'reject'",
                    "reason": "'statutory_exclusion'",
                },
                {
                    "type": NO_REASON_OR_EXCHANGE,
                    "confirmed": "true",
                    "decision": "'reject'",
                    "reason": "'confirmed_exclusion'",
                },
                {
                    "type": NO_REASON_OR_EXCHANGE,
                    "not_intact": "true",
                    "decision": "'reject'",
                    "reason": "'not_intact'",
                },
                # 0
                {
                    "type": "'no_reason_return'",
                    "channel": distance,
                    "in7": "true",
                    "decision": "'return'",
                    "reason": "'no_reason_within_7_days'",
                },
                {
                    "quality": "false",
                    "type": "'exchange'",
                    "in7": "true",
                    "decision": "'exchange'",
                    "reason": "'non_quality_exchange'",
                },
                {
                    "type": "'cancel'",
                    "status": "'paid_not_shipped'",
                    "decision": "'refund'",
                    "reason": "'cancelled_before_shipment'",
                },
                {
                    "type": "'cancel'",
                    "status": _cells("shipped", "delivered"),
                    "decision": "'reject'",
                    "reason": "'already_shipped'",
                },
                {
                    "type": "'refund_out_of_stock'",
                    "decision": "'refund'",
                    "reason": "'out_of_stock'",
                },
            ],
        )
    )
    nodes.append(
        table(
            "repair-charge",
            "Repair charge (ECOM-RET-010)",
            2500,
            300,
            [
                ("quality", "Quality claim", "quality_claim"),
                ("after15", "After 15 days", "after_exchange_window"),
                ("after7", "After the 7-day deadline", "after_return_window"),
                ("in_warranty", "Fault within warranty", "fault_within_warranty"),
                ("out_of_warranty", "Fault after warranty", "fault_after_warranty"),
                ("excluded", "Warranty excluded", "warranty_excluded"),
            ],
            [
                ("charge", "Charge", "charge"),
                ("warranty_end", "Warranty end", "warranty_end"),
            ],
            [
                {
                    "quality": "true",
                    "after15": "true",
                    "after7": "true",
                    "in_warranty": "true",
                    "excluded": "false",
                    "charge": "'free'",
                    "warranty_end": "warranty_last_day",
                },
                {
                    "quality": "true",
                    "after15": "true",
                    "after7": "true",
                    "out_of_warranty": "true",
                    "charge": "'paid'",
                    "warranty_end": "warranty_last_day",
                },
                {
                    "quality": "true",
                    "after15": "true",
                    "after7": "true",
                    "excluded": "true",
                    "charge": "'paid'",
                    "warranty_end": "warranty_last_day",
                },
            ],
        )
    )
    nodes.append(
        table(
            "return-shipping",
            "Return shipping paid by (ECOM-FEE-005/007)",
            2750,
            300,
            [
                ("reason", "Reason", "reason"),
                ("decision", "Decision", "decision"),
                ("quality", "Quality claim", "quality_claim"),
                ("insured", "Return shipping insured", "return_shipping_insured"),
                ("promised", "Free return promised", "free_return_promised"),
            ],
            [("paid_by", "Return shipping paid by", "return_shipping_paid_by")],
            [
                {"reason": "'no_reason_within_7_days'", "insured": "true", "paid_by": "'merchant'"},
                {
                    "reason": "'no_reason_within_7_days'",
                    "promised": "true",
                    "paid_by": "'merchant'",
                },
                {"reason": "'no_reason_within_7_days'", "paid_by": "'buyer'"},
                {
                    "quality": "true",
                    "decision": _cells("return", "exchange", "repair"),
                    "paid_by": "'merchant'",
                },
                {"reason": "'non_quality_exchange'", "paid_by": "'buyer'"},
                {"decision": "'refund'", "paid_by": "'none'"},
            ],
        )
    )
    nodes.append(
        table(
            "refund-due",
            "Refund due (ECOM-REF-001..003)",
            3000,
            300,
            [
                ("reason", "Reason", "reason"),
                ("decision", "Decision", "decision"),
                ("received", "Returned goods received", "warehouse_received_date != null"),
            ],
            [("due", "Refund due by", "refund_due_by")],
            [
                {"reason": "'cancelled_before_shipment'", "due": "unshipped_refund_due"},
                {"reason": "'out_of_stock'", "due": "out_of_stock_refund_due"},
                {"decision": "'return'", "received": "true", "due": "returned_goods_refund_due"},
            ],
        )
    )
    nodes.append(
        expression(
            "refund-inputs",
            "Refund inputs (ECOM-FEE-006)",
            3250,
            300,
            [
                (
                    "shipping_deduction",
                    "reason == 'no_reason_within_7_days' and partial_return == true "
                    "and shipping_fee_paid == 0 and goods_amount_paid != null "
                    "and goods_amount_paid >= threshold_for_free_shipping "
                    "and kept_goods_price != null "
                    "and kept_goods_price < threshold_for_free_shipping "
                    "? fee_below_threshold : null",
                ),
                (
                    "refund_needs",  # a fact the applicable refund formula lacks
                    "decision == 'return' and reason == 'no_reason_within_7_days' ? "
                    "(goods_amount_paid == null ? 'goods_amount_paid' : null) : "
                    "(decision == 'return' and reason == 'quality_fault_within_7_days') "
                    "or decision == 'refund' ? "
                    "(goods_amount_paid == null ? 'goods_amount_paid' : "
                    "shipping_fee_paid == null ? 'shipping_fee_paid' : null) : null",
                ),
            ],
        )
    )
    nodes.append(
        switch(
            "refund-computable",
            "Refund computable?",
            3500,
            300,
            [("lacking", "refund_needs != null"), ("ok", "")],
        )
    )
    nodes.append(
        expression(
            "needs-info-refund",
            "Needs info (refund)",
            3750,
            150,
            [("decision", "'needs_info'"), ("missing_fields", "[refund_needs]")],
            pass_through=False,
        )
    )
    edges.append(("refund-computable", "needs-info-refund", "refund-computable:lacking"))
    edges.append(("refund-computable", "refund-amount", "refund-computable:ok"))
    nodes.append(
        table(
            "refund-amount",
            "Refund amount (ECOM-RET-005/006, ECOM-FEE-007)",
            3750,
            300,
            [("decision", "Decision", "decision"), ("reason", "Reason", "reason")],
            [("amount", "Refund amount", "refund_amount")],
            [
                {
                    "decision": "'return'",
                    "reason": "'no_reason_within_7_days'",
                    "amount": "round(goods_amount_paid - (kept_goods_price ?? 0) "
                    "- (gift_deduction ?? 0) - (shipping_deduction ?? 0), 2)",
                },
                {
                    "decision": "'return'",
                    "reason": "'quality_fault_within_7_days'",
                    "amount": "round(goods_amount_paid - (kept_goods_price ?? 0) "
                    "- (gift_deduction ?? 0) + shipping_fee_paid, 2)",
                },
                {
                    "decision": "'refund'",
                    "amount": "round(goods_amount_paid + shipping_fee_paid, 2)",
                },
            ],
        )
    )
    outcome_keys = (
        "decision",
        "reason",
        "return_deadline",
        "return_shipping_paid_by",
        "refund_amount",
        "refund_due_by",
        "shipping_deduction",
        "charge",
        "warranty_end",
    )
    nodes.append(
        expression(
            "outcome",
            "Outcome",
            4000,
            300,
            [(key, key) for key in outcome_keys],
            pass_through=False,
        )
    )
    nodes.append(_node("response", "outputNode", "response", 4250, 300))
    chain("request", "order-lines", "facts-check", "facts-complete")
    chain(
        "policy-terms",
        "shipping-terms",
        "warranty-period",
        *(["calendar"] if js_calendar else ["official-calendar", "deadlines"]),
        "windows-claims",
        "return-decision",
        "repair-charge",
        "return-shipping",
        "refund-due",
        "refund-inputs",
        "refund-computable",
    )
    chain("refund-amount", "outcome", "response")
    for source in ("invalid-input", "needs-info", "needs-info-refund"):
        edges.append((source, "response", None))
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": nodes,
        "edges": [
            {
                "id": f"{source}->{target}",
                "type": "edge",
                "sourceId": source,
                "targetId": target,
                **({"sourceHandle": handle} if handle else {}),
            }
            for source, target, handle in edges
        ],
    }


def main(argv: list[str]) -> None:
    """``build_graph.py`` writes return.json; ``build_graph.py --js-calendar PATH`` writes
    the same graph with the calendar as one JavaScript function node instead (to measure
    what a function node costs)."""
    js_calendar = len(argv) > 2 and argv[1] == "--js-calendar"
    path = Path(argv[2]) if js_calendar else HERE / "return.json"
    graph = build(js_calendar=js_calendar)
    path.write_text(json.dumps(graph, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv)
