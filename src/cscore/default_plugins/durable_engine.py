"""The default engine: durable_rules, through the adapter in cscore.engine.durable."""

from __future__ import annotations

from cscore.engine import Engine
from cscore.engine.durable import DurableEngine
from cscore.hookspecs import hookimpl


@hookimpl(trylast=True)
def create_engine() -> Engine | None:
    return DurableEngine()
