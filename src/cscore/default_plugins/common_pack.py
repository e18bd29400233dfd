"""The common service rules (channels, tickets, escalation ladder, VIP) as a rule pack.

They are data: the wheel carries a copy of the repository's ``rules/common``; an
editable install reads that folder. Any plugin registering a pack named ``common``
replaces this one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cscore
from cscore.hookspecs import hookimpl
from cscore.industry import RulePack


def common_rules_dir() -> Path:
    """The bundled copy in the wheel, or the repository's rules/common."""
    package = Path(cscore.__file__).parent
    bundled = package / "default_rules" / "common"
    return bundled if bundled.is_dir() else package.parents[1] / "rules" / "common"


@hookimpl(trylast=True)
def register_rule_packs(register: Callable[[RulePack], None]) -> None:
    register(
        RulePack(
            key="common",
            path=common_rules_dir(),
            name="通用服务规则 common service rules",
            description="channels, tickets, priority, VIP, complaints, escalation ladder",
        )
    )
