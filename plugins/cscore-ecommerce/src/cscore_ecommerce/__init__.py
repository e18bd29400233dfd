"""cscore plugin for e-commerce orders (电商订单).

Registers the ``ecommerce`` industry: its facts model, its kinds, its rule files
(``rules/ecommerce``) and the derived facts computed from order lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cscore.plugin import IndustrySpec, bundled_rules, hookimpl
from cscore_ecommerce.enrich import order_line_totals
from cscore_ecommerce.models import EcommerceDerived, EcommerceFacts
from cscore_ecommerce.outcomes import OUTCOMES

__version__ = "0.1.0"

INDUSTRY = "ecommerce"
KINDS = ("return", "fee", "escalation", "warranty", "routing")


def default_rules_dir() -> Path:
    """This plugin's rule files (bundled in the wheel, or the repository's)."""
    return bundled_rules(__file__, INDUSTRY)


@hookimpl
def register_industries(register: Callable[[IndustrySpec], None]) -> None:
    register(
        IndustrySpec(
            key=INDUSTRY,
            name="电商订单 e-commerce orders",
            facts_model=EcommerceFacts,
            kinds=KINDS,
            rules_dir=default_rules_dir(),
            derived_facts=EcommerceDerived,
            outcomes=OUTCOMES,
            ask_by_consequence=True,
            description="returns, refunds, shipping fees, dispatch, warranty, escalation",
        )
    )


@hookimpl
def enrich_case(industry: str, facts: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if industry != INDUSTRY:
        return None
    return order_line_totals(facts)
