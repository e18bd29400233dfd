"""What a plugin declares to teach the kernel a line of business, or a shared rule pack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from cscore.language.types import Type
from cscore.models.facts import FactsModel
from cscore.models.schema import fact_types

# kind -> outcome field -> its type (an enumeration lists the values hosts may receive)
OutcomeVocabulary = Mapping[str, Mapping[str, Type]]


def bundled_rules(module_file: str, folder: str) -> Path:
    """Where a plugin's rule files are: the ``rules/`` copy its wheel carries beside the
    module, or, in an editable install from a repository laid out as this one
    (``plugins/<dist>/src/<package>/``), the repository's ``rules/<folder>``."""
    package = Path(module_file).resolve().parent
    bundled = package / "rules"
    if bundled.is_dir():
        return bundled
    return package.parents[3] / "rules" / folder


@dataclass(frozen=True)
class IndustrySpec:
    """One industry (``register_industries`` hook).

    :param key: the case's ``industry`` value, e.g. ``"ecommerce"``.
    :param name: a display name (Chinese welcome), e.g. ``"电商订单"``.
    :param facts_model: the pydantic model that validates ``case.facts``.
    :param kinds: the decision kinds it answers, in evaluation order.
    :param rules_dir: its default rule files (``<kind>.yaml``, tables, ``*.cases.yaml``).
    :param derived_facts: facts its ``enrich_case`` adds, as a pydantic model whose
        fields name and type them (so rule files can use them and be type-checked).
    :param outcomes: the outcome fields of each kind and their types, as hosts receive
        them: ``{"return": {"decision": enum(["return", "reject"]), ...}}``. A rule that
        sets a declared field to anything else fails to load. Enumerations add to those
        of the shared rule packs (a department of its own next to the common ones); the
        kernel adds ``needs_info``/``invalid_input`` and the data-quality fields itself.
    :param ask_by_consequence: ask for every absent fact whose value would change an
        outcome (DESIGN §2.4, :mod:`cscore.rulebook.consequence`); the facts model marks
        the facts whose absence has a meaning (:class:`cscore.plugin.Absent`).
    """

    key: str
    name: str
    facts_model: type[FactsModel]
    kinds: tuple[str, ...]
    rules_dir: Path
    derived_facts: type[BaseModel] | None = None
    description: str = ""
    outcomes: OutcomeVocabulary = field(default_factory=dict)
    plugin: str = field(default="", compare=False)
    ask_by_consequence: bool = False

    def fact_types(self) -> Mapping[str, Type]:
        """Every fact a rule file of this industry may name, with its type."""
        types = dict(fact_types(self.facts_model))
        if self.derived_facts is not None:
            types.update(fact_types(self.derived_facts))
        return types


@dataclass(frozen=True)
class RulePack:
    """Rule files shared by every industry (``register_rule_packs`` hook), such as the
    common service rules: channels, tickets, escalation ladder, VIP.

    Each file says which kinds it serves (``kinds: [...]`` or ``all``); an industry's own
    files may redefine a pack's constants or ``replaces:`` one of its rules. A pack
    registered by an installed plugin under the same key as a built-in one replaces it.

    :param key: a short name shown in traces and errors, e.g. ``"common"``.
    :param path: the folder of its rule files.
    :param label: how its paths are shown (default ``rules/<key>``).
    :param cites: the pack's rules that functions implement, ``{"add_working_days":
        ("COMMON-CAL-004", "N个工作日内")}``: a rule whose value calls the function
        cites that rule in its trace.
    :param invalid_facts_rule: ``(id, name)`` of the pack's rule that an impossible or
        mistyped fact breaks; the trace of an ``invalid_input`` decision cites it.
    :param missing_facts_rule: ``(id, name)`` of the pack's rule a fact missing by
        consequence breaks; the trace of such a ``needs_info`` cites it.
    """

    key: str
    path: Path
    name: str = ""
    label: str = ""
    description: str = ""
    cites: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    invalid_facts_rule: tuple[str, str] | None = None
    missing_facts_rule: tuple[str, str] | None = None
    plugin: str = field(default="", compare=False)

    @property
    def shown_as(self) -> str:
        return self.label or f"rules/{self.key}"
