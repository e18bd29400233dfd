"""The YAML rule-file format (``.yaml`` and ``.yml``)."""

from __future__ import annotations

from collections.abc import Callable

from cscore.hookspecs import hookimpl
from cscore.rulebook.formats import RuleFormat
from cscore.rulebook.yaml_format import read_rule_file


@hookimpl(trylast=True)
def register_rule_formats(register: Callable[[RuleFormat], None]) -> None:
    register(RuleFormat(".yaml", read_rule_file, "YAML rule file", cacheable=True))
    register(RuleFormat(".yml", read_rule_file, "YAML rule file", cacheable=True))
