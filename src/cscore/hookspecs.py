"""The hooks through which plugins extend cscore (docs/plugins.md shows examples).

Hooks are listed in pipeline order. Contribution hooks take a ``register`` callback
rather than returning lists, so that every contribution is tagged with the plugin that
made it and a clash names both plugins. The kernel's own behaviour — the YAML rule
format, the rule functions, routing, the durable_rules engine — is implemented by
default plugins on these same hooks (``cscore.default_plugins``), every one of them a
``trylast`` fallback, so any of it can be replaced by a plugin that answers first.

Hooks are called through pluggy (``pm.hook``): wrappers (``wrapper=True`` and old-style
``hookwrapper=True``), ``tryfirst``/``trylast`` and ``pm.set_blocked`` behave as pluggy
documents. Declarations are read when a Kernel is built (a plugin registered on
``kernel.pm`` later that implements one gets a ``LatePluginWarning``: build a new
Kernel); per-case hooks are called on every evaluation, so a plugin registered later
takes part from the next case on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from sqlite_utils import Migrations

    from cscore.calendar import WorkCalendar
    from cscore.engine import Engine
    from cscore.industry import IndustrySpec, RulePack
    from cscore.language.functions import FunctionSpec
    from cscore.models.case import Case
    from cscore.models.decision import Decision
    from cscore.rulebook.formats import RuleFormat

hookspec = pluggy.HookspecMarker("cscore")
hookimpl = pluggy.HookimplMarker("cscore")

# -- declarations (collected once, when a Kernel is built) --------------------------


@hookspec
def register_industries(register: Callable[[IndustrySpec], None]) -> None:
    """Declare lines of business: ``register(IndustrySpec(key="ecommerce", ...))``.

    Two plugins registering the same key is an error naming both.

    :param register: call once per industry.
    """


@hookspec
def register_rule_packs(register: Callable[[RulePack], None]) -> None:
    """Contribute rule files shared by every industry: ``register(RulePack(key="common",
    path=...))``.

    The common service rules (channels, tickets, escalation ladder, VIP) arrive this way
    from a built-in plugin. A pack registered by another plugin under the same key
    replaces the built-in one; two non-built-in plugins registering one key is an error
    naming both. A kernel's ``rules_dir`` with a ``<key>/`` folder overrides a pack's
    files as it does an industry's.

    :param register: call once per pack.
    """


@hookspec
def register_functions(register: Callable[[FunctionSpec], None]) -> None:
    """Contribute functions that rule files may call in what a rule sets.

    ``register(FunctionSpec(name="add_working_days", impl=..., params=(DATE, INTEGER),
    returns=DATE))``. A name registered twice is an error naming both plugins.

    :param register: call once per function.
    """


@hookspec
def register_rule_formats(register: Callable[[RuleFormat], None]) -> None:
    """Contribute rule-file formats by file suffix (``.yaml`` rules, ``.csv`` tables).

    A plugin's format for a suffix replaces the built-in one of that suffix (your own
    ``.yaml`` reader); two non-built-in plugins claiming one suffix is an error naming
    both.

    :param register: call with ``RuleFormat(suffix, read, description)``; ``read(path,
        display_path)`` returns a :class:`cscore.rulebook.model.RuleFile` or raises
        :class:`cscore.errors.RuleFileError` (or :class:`cscore.errors.RuleLoadError`
        listing several problems of the file).
    """


@hookspec
def register_migrations(register: Callable[[Migrations], None]) -> None:
    """Contribute a ``sqlite_utils.Migrations`` set for the decision store.

    Name the set ``cscore_<plugin>`` and prefix your tables; every set is applied
    once, when a store is opened.

    :param register: call with each ``Migrations`` set.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``cscore`` command group.

    Called once when the command group is built (not at import time). The return value
    is ignored: attach commands with ``@cli.command()``.

    :param cli: the ``cscore`` click group.
    """


@hookspec(firstresult=True)
def create_engine() -> Engine | None:
    """Return the engine that evaluates compiled rule sets, or ``None`` to defer.

    The first non-None answer wins; the default (durable_rules) answers last.
    """


# -- the pipeline of one case --------------------------------------------------------


@hookspec(firstresult=True)
def route_case(case: Case, industries: Mapping[str, IndustrySpec]) -> str | None:
    """Return the key of the industry that owns ``case``, or ``None`` to defer.

    The first non-None answer wins. The default (which answers last) reads
    ``case.industry``. An answer that is not a registered industry is a CaseError.

    :param case: the parsed envelope (facts not yet validated).
    :param industries: the registered industries by key.
    """


@hookspec
def enrich_case(
    industry: str, facts: Mapping[str, Any], calendar: WorkCalendar
) -> Mapping[str, Any] | None:
    """Return derived facts that need Python (sums over order lines, lookups), or None.

    Results of all plugins are merged; two plugins returning the same key is an error
    naming both. A wrapper (``wrapper=True``) receives the list of results and what it
    returns is merged instead. Must be pure: to name the plugins of a clash, the kernel
    asks the implementations again. Derived facts must be declared in the industry's
    ``derived_facts`` model so that rule files can use them. Must not mutate ``facts``.

    :param industry: the industry key of the case.
    :param facts: the validated facts (Python values: ``date``, ``datetime``...).
    :param calendar: the case's working-day calendar.
    """


@hookspec
def decision_made(case: Case, decision: Decision) -> None:
    """Observe a finished decision (after it is logged): notify, open a ticket.

    Return values are ignored and the decision cannot be changed. An exception raised
    here is logged (logger ``cscore``) and does not reach the host application: a
    broken notifier must not cost a customer their decision. So that one failing does
    not keep the others from running, each implementation is called in a pluggy call of
    its own (a subset caller), in pluggy's order; a wrapper of this hook wraps each.
    """
