"""Rule sets of a chosen size for the growth benchmark: K variants of a per-category
return window (a shop with K product categories, each with its own window), written
as a cscore rule file, as a GoRules decision table, and as plain Python.

Alone, ``python benchmarks/growth.py [SIZE ...] [--cases N]`` measures only the growth
rows (run.py's ``growth``) and prints them as JSON."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any


def category(i: int) -> str:
    return f"cat_{i:04d}"


def windows(size: int) -> list[int]:
    rng = random.Random(size)
    return [rng.choice([7, 10, 14, 15, 30]) for _ in range(size)]


def write_rules(folder: Path, size: int) -> Path:
    """rules/ecommerce/return.yaml with ``size`` rules (plus the common pack's nothing)."""
    (folder / "common").mkdir(parents=True, exist_ok=True)
    (folder / "ecommerce").mkdir(parents=True, exist_ok=True)
    for kind in ("fee", "escalation", "warranty", "routing"):  # empty kinds
        (folder / "ecommerce" / f"{kind}.yaml").write_text("rules: []\n", encoding="utf-8")
    lines = [
        "title: generated category windows",
        "outputs: {decision: priority, reason: priority}",
        "rules:",
        "  - id: GEN-REJECT",
        "    priority: -1",
        "    when: request_type == no_reason_return",
        "    set: {decision: reject, reason: window_expired}",
    ]
    for i, days in enumerate(windows(size - 1)):
        lines += [
            f"  - id: GEN-{i:04d}",
            f"    when: product_category == {category(i)} and request_date <= delivered_date + {days}",
            "    set: {decision: return, reason: within_category_window}",
        ]
    path = folder / "ecommerce" / "return.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def cases(size: int, count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        offset = rng.randrange(0, 35)
        delivered = f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d}"
        facts = {
            "request_type": "no_reason_return",
            "product_category": category(rng.randrange(size - 1)),
            "delivered_date": delivered,
            "request_date": _plus(delivered, offset),
        }
        out.append({"id": f"G-{index}", "industry": "ecommerce", "kind": "return", "facts": facts})
    return out


def _plus(day: str, days: int) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def zen_graph(size: int) -> str:
    """The same K rows as a JDM decision table (hit policy: first)."""
    rules = [
        {
            "_id": f"r{i}",
            "cat": f'"{category(i)}"',
            "days": f"<= {days}",
            "decision": '"return"',
            "reason": '"within_category_window"',
        }
        for i, days in enumerate(windows(size - 1))
    ]
    rules.append(
        {
            "_id": "reject",
            "cat": "",
            "days": "",
            "decision": '"reject"',
            "reason": '"window_expired"',
        }
    )
    table = {
        "id": "table",
        "type": "decisionTableNode",
        "name": "windows",
        "position": {"x": 300, "y": 100},
        "content": {
            "hitPolicy": "first",
            "inputs": [
                {"id": "cat", "name": "category", "field": "product_category"},
                {"id": "days", "name": "days", "field": "days"},
            ],
            "outputs": [
                {"id": "decision", "name": "decision", "field": "decision"},
                {"id": "reason", "name": "reason", "field": "reason"},
            ],
            "rules": rules,
        },
    }
    days = {
        "id": "days",
        "type": "expressionNode",
        "name": "days",
        "position": {"x": 150, "y": 100},
        "content": {
            "expressions": [
                {
                    "id": "d",
                    "key": "days",
                    "value": "(date(request_date) - date(delivered_date)) / 86400",
                },
                {"id": "c", "key": "product_category", "value": "product_category"},
            ]
        },
    }
    graph = {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 100}},
            days,
            table,
            {
                "id": "out",
                "type": "outputNode",
                "name": "response",
                "position": {"x": 450, "y": 100},
            },
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "days", "type": "edge"},
            {"id": "e2", "sourceId": "days", "targetId": "table", "type": "edge"},
            {"id": "e3", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }
    return json.dumps(graph)


def plain_policy(size: int) -> dict[str, int]:
    return {category(i): days for i, days in enumerate(windows(size - 1))}


def main() -> None:
    parser = argparse.ArgumentParser(description="the growth rows of benchmarks/run.py alone")
    parser.add_argument("sizes", nargs="*", type=int, default=[20, 200, 1000, 5000])
    parser.add_argument("--cases", type=int, default=2000, help="cases per round (default 2,000)")
    args = parser.parse_args()
    import run  # benchmarks/ is on the path when this file is run

    print(json.dumps(run.growth(args.sizes, args.cases), indent=2))


if __name__ == "__main__":
    main()
