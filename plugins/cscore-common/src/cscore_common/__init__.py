"""cscore plugin: the common service rules every industry shares (CATALOG.md §1).

Registers the ``common`` rule pack — channels and first-response deadlines, tickets,
routing and priority, VIP, complaints, the escalation ladder (``rules/common``) — with
the facts its rules read (:class:`CommonFacts`, the base of every industry's facts
model) and the catalog rules that the kernel's calendar functions implement, so that a
rule calling ``add_working_days`` cites COMMON-CAL-004 in its trace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cscore.plugin import RulePack, bundled_rules, hookimpl
from cscore_common.facts import (
    Channel,
    CommonFacts,
    ComplaintCategory,
    ExternalChannel,
    IssueType,
)

__version__ = "0.1.0"
__all__ = ["Channel", "CommonFacts", "ComplaintCategory", "ExternalChannel", "IssueType"]

# The catalog's calendar rules (§1.1) behind the kernel's calendar functions.
CALENDAR_CITATIONS = {
    "add_days": ("COMMON-CAL-005", "N日内 (自然日)"),
    "add_working_days": ("COMMON-CAL-004", "N个工作日内 (当日不计入)"),
    "add_working_hours": ("COMMON-CAL-007", "工作时间 (默认 09:00–18:00)"),
    "in_hours": ("COMMON-CAL-007", "工作时间 (默认 09:00–18:00)"),
    "add_years": ("COMMON-CAL-009", "按年计算 (2月29日 → 2月28日)"),
    "next_working_day": ("COMMON-CAL-002", "工作日 (含调休)"),
    "next_working_day_if_rest": ("COMMON-CAL-006", "末日顺延"),
    "is_working_day": ("COMMON-CAL-002", "工作日 (含调休)"),
}


def default_rules_dir() -> Path:
    """This plugin's rule files (bundled in the wheel, or the repository's)."""
    return bundled_rules(__file__, "common")


@hookimpl
def register_rule_packs(register: Callable[[RulePack], None]) -> None:
    register(
        RulePack(
            key="common",
            path=default_rules_dir(),
            name="通用服务规则 common service rules",
            description="channels, tickets, priority, VIP, complaints, escalation ladder",
            cites=CALENDAR_CITATIONS,
            invalid_facts_rule=("COMMON-DATA-002", "事实不合法 impossible or mistyped fact"),
            missing_facts_rule=(
                "COMMON-DATA-001",
                "缺少会改变结果的事实 a missing fact that decides the outcome",
            ),
        )
    )
