"""cscore plugin for the real-estate sales office (案场 / 售楼处).

Registers the ``sales_office`` industry: its facts model (with the customer's identity
and contact details marked as personal data), its kinds and its rule files
(``rules/sales_office``). Every decision is made in the rule files; this package only
describes the facts and the vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cscore.plugin import IndustrySpec, bundled_rules, hookimpl
from cscore_sales_office.models import SalesOfficeFacts
from cscore_sales_office.outcomes import OUTCOMES

__version__ = "0.1.0"

INDUSTRY = "sales_office"
KINDS = ("return", "fee", "escalation", "routing")


def default_rules_dir() -> Path:
    """This plugin's rule files (bundled in the wheel, or the repository's)."""
    return bundled_rules(__file__, INDUSTRY)


@hookimpl
def register_industries(register: Callable[[IndustrySpec], None]) -> None:
    register(
        IndustrySpec(
            key=INDUSTRY,
            name="案场(售楼处) real-estate sales office",
            facts_model=SalesOfficeFacts,
            kinds=KINDS,
            rules_dir=default_rules_dir(),
            outcomes=OUTCOMES,
            description="deposits and refunds, 20% deposit cap, 1-3-72 complaints, "
            "visitor attribution, VIP, confidentiality",
        )
    )
