"""The return policy as a GoRules JDM decision graph, run by ZEN Engine.

``zen/return.json`` is loaded once; ``decide`` hands one case's facts to
``ZenDecision.evaluate`` (synchronous in zen-engine 2.x: it returns
``{"result": ..., "performance": ...}``) and only tidies the result: keys whose value
is null are dropped and money is rounded half up to 2 decimals, as cscore reports it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import zen

GRAPH = Path(__file__).resolve().parent / "zen" / "return.json"
_MONEY_KEYS = ("refund_amount", "shipping_deduction")
_CENT = Decimal("0.01")


class ZenEngineContender:
    name = "zen_engine"

    def __init__(self, graph: Path = GRAPH) -> None:
        self.engine = zen.ZenEngine()
        self.decision = self.engine.create_decision(graph.read_text(encoding="utf-8"))

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        result = self.decision.evaluate(case["facts"])["result"]
        outcome = {key: value for key, value in result.items() if value is not None}
        for key in _MONEY_KEYS:
            if key in outcome:
                outcome[key] = float(
                    Decimal(repr(float(outcome[key]))).quantize(_CENT, rounding=ROUND_HALF_UP)
                )
        return outcome
