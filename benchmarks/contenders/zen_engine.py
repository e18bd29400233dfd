"""The return policy as a GoRules JDM decision graph, run by ZEN Engine.

``zen/return.json`` is loaded once into ``zen.ZenDecisionContent`` (zen's precompiled
form, which its documentation recommends for a decision used more than once: the
expressions are compiled once rather than on every evaluation) and handed to
``create_decision``. Two ways of calling it are measured:

* ``ZenEngineContender``: one case per synchronous ``ZenDecision.evaluate`` call;
* ``ZenEngineAsync``: zen's async API, ``async_evaluate`` with 256 cases in flight on
  one asyncio loop (zen evaluates them on its own Rust threads).

``decide`` only tidies zen's result: keys whose value is null are dropped and money is
rounded half up to 2 decimals, as cscore reports it.
"""

from __future__ import annotations

import asyncio
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import zen

GRAPH = Path(__file__).resolve().parent / "zen" / "return.json"
_MONEY_KEYS = ("refund_amount", "shipping_deduction")
_CENT = Decimal("0.01")
IN_FLIGHT = 256


def precompiled(graph_json: str) -> Any:
    """A ZenDecision built from ZenDecisionContent (compiled once)."""
    return zen.ZenEngine().create_decision(zen.ZenDecisionContent(graph_json))


def tidy(result: dict[str, Any]) -> dict[str, Any]:
    outcome = {key: value for key, value in result.items() if value is not None}
    for key in _MONEY_KEYS:
        if key in outcome:
            outcome[key] = float(
                Decimal(repr(float(outcome[key]))).quantize(_CENT, rounding=ROUND_HALF_UP)
            )
    return outcome


class ZenEngineContender:
    name = "zen_engine (sync, precompiled)"

    def __init__(self, graph: Path = GRAPH) -> None:
        self.decision = precompiled(graph.read_text(encoding="utf-8"))

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        return tidy(self.decision.evaluate(case["facts"])["result"])


class ZenEngineAsync:
    """``async_evaluate`` with up to 256 cases in flight; timed per batch of cases."""

    name = f"zen_engine (async, {IN_FLIGHT} in flight)"
    batch = True

    def __init__(self, graph: Path = GRAPH) -> None:
        self.decision = precompiled(graph.read_text(encoding="utf-8"))
        self.loop = asyncio.new_event_loop()

    async def _all(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def one(case: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                response = await self.decision.async_evaluate(case["facts"])
            return tidy(response["result"])

        return list(await asyncio.gather(*(one(case) for case in cases)))

    def decide_many(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.loop.run_until_complete(self._all(cases))

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        return self.decide_many([case])[0]

    def close(self) -> None:
        self.loop.close()
