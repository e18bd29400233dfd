"""cscore plugin for home-appliance repair (家电维修).

Registers the ``appliance_repair`` industry: its facts model (CATALOG.md §6), its kinds,
its outcome vocabulary (§7) and its rule files (``rules/appliance_repair``). Every
policy — 三包 periods, day windows, fees, deadlines — lives in those rule files; the
plugin computes nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cscore.plugin import IndustrySpec, bundled_rules, hookimpl
from cscore_appliance_repair.models import ApplianceFacts
from cscore_appliance_repair.outcomes import OUTCOMES

__version__ = "0.1.0"

INDUSTRY = "appliance_repair"
KINDS = ("warranty", "return", "fee", "escalation", "routing")


def default_rules_dir() -> Path:
    """This plugin's rule files (bundled in the wheel, or the repository's)."""
    return bundled_rules(__file__, INDUSTRY)


@hookimpl
def register_industries(register: Callable[[IndustrySpec], None]) -> None:
    register(
        IndustrySpec(
            key=INDUSTRY,
            name="家电维修 home-appliance repair",
            facts_model=ApplianceFacts,
            kinds=KINDS,
            rules_dir=default_rules_dir(),
            outcomes=OUTCOMES,
            description="三包 warranty, returns and exchanges, repair fees, service deadlines",
        )
    )
