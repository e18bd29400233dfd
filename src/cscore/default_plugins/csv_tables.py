"""CSV decision tables (``.csv``): one row per rule, edited in a spreadsheet."""

from __future__ import annotations

from collections.abc import Callable

from cscore.hookspecs import hookimpl
from cscore.rulebook.csv_format import read_decision_table
from cscore.rulebook.formats import RuleFormat


@hookimpl(trylast=True)
def register_rule_formats(register: Callable[[RuleFormat], None]) -> None:
    register(RuleFormat(".csv", read_decision_table, "CSV decision table", cacheable=True))
