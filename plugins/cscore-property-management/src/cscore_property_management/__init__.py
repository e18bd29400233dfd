"""cscore plugin for property management (物业服务中心).

Registers the ``property_management`` industry: its facts model, its kinds and its rule
files (``rules/property_management``). All policy — response deadlines, the statutory
developer warranty, who pays which fee, routing — is in the rule files; the plugin holds
no Python policy (proration is month arithmetic in ``fee.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cscore.plugin import IndustrySpec, bundled_rules, hookimpl
from cscore_property_management.models import PropertyFacts
from cscore_property_management.outcomes import OUTCOMES

__version__ = "0.1.0"

INDUSTRY = "property_management"
# No `return` kind: property management has no return rules (CATALOG.md §10).
KINDS = ("warranty", "fee", "escalation", "routing")


def default_rules_dir() -> Path:
    """This plugin's rule files (bundled in the wheel, or the repository's)."""
    return bundled_rules(__file__, INDUSTRY)


@hookimpl
def register_industries(register: Callable[[IndustrySpec], None]) -> None:
    register(
        IndustrySpec(
            key=INDUSTRY,
            name="物业 property management",
            facts_model=PropertyFacts,
            kinds=KINDS,
            rules_dir=default_rules_dir(),
            outcomes=OUTCOMES,
            description="response deadlines, developer warranty, fees, routing, escalation",
        )
    )
