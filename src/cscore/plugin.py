"""The public surface for plugin authors: everything docs/plugins.md uses, in one place.

::

    from cscore.plugin import IndustrySpec, KernelFacts, hookimpl, enum

Names imported from here are the plugin contract: they keep their meaning across
minor releases. Modules behind them (``cscore.industry``, ``cscore.language.*``,
``cscore.models.*``) are internal and may move.
"""

from __future__ import annotations

from cscore.calendar import CHINA_TZ, HostCalendar, WorkCalendar, to_china_time
from cscore.errors import CaseError, PluginError, RuleFileError
from cscore.hookspecs import hookimpl
from cscore.industry import IndustrySpec, OutcomeVocabulary, RulePack, bundled_rules
from cscore.language.functions import ArgumentTypeError, EvalContext, FunctionSpec
from cscore.language.types import (
    ANY,
    ANY_LIST,
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    INTEGER,
    MONEY,
    NUMBER,
    STRING,
    Type,
    enum,
    list_of,
    record,
)
from cscore.models.absent import NONE_LISTED, NOT_REPORTED, PENDING, Absent
from cscore.models.case import Case
from cscore.models.decision import Decision, TraceEntry
from cscore.models.facts import (
    Amount,
    Count,
    Day,
    FactsModel,
    Flag,
    KernelFacts,
    Money,
    PersonalIdNumber,
    PersonalName,
    PersonalPhone,
    PersonalText,
    Text,
    Timestamp,
)
from cscore.models.outcomes import INVALID_INPUT, NEEDS_INFO
from cscore.plugins import LatePluginWarning
from cscore.privacy import Personal, mask
from cscore.rulebook.formats import RuleFormat
from cscore.rulebook.model import ConstantSpec, KeySpec, RuleFile, RuleSpec, SetSpec, Where

__all__ = [
    "ANY",
    "ANY_LIST",
    "BOOL",
    "CHINA_TZ",
    "DATE",
    "DATETIME",
    "DURATION",
    "INTEGER",
    "INVALID_INPUT",
    "MONEY",
    "NEEDS_INFO",
    "NONE_LISTED",
    "NOT_REPORTED",
    "NUMBER",
    "PENDING",
    "STRING",
    "Absent",
    "Amount",
    "ArgumentTypeError",
    "Case",
    "CaseError",
    "ConstantSpec",
    "Count",
    "Day",
    "Decision",
    "EvalContext",
    "FactsModel",
    "Flag",
    "FunctionSpec",
    "HostCalendar",
    "IndustrySpec",
    "KernelFacts",
    "KeySpec",
    "LatePluginWarning",
    "Money",
    "OutcomeVocabulary",
    "Personal",
    "PersonalIdNumber",
    "PersonalName",
    "PersonalPhone",
    "PersonalText",
    "PluginError",
    "RuleFile",
    "RuleFileError",
    "RuleFormat",
    "RulePack",
    "RuleSpec",
    "SetSpec",
    "Text",
    "Timestamp",
    "TraceEntry",
    "Type",
    "Where",
    "WorkCalendar",
    "bundled_rules",
    "enum",
    "hookimpl",
    "list_of",
    "mask",
    "record",
    "to_china_time",
]
