"""Hooks are called through pluggy: wrappers, tryfirst/trylast, blocking and late
registration behave as pluggy documents, and the kernel still names the plugin behind
every contribution and every failure."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

import cscore_common
from cscore import PluginError, hookimpl
from cscore.kernel import Kernel
from cscore.language.functions import FunctionSpec
from cscore.language.types import NUMBER
from cscore.models.facts import Money
from cscore.plugin import IndustrySpec, RuleFormat
from cscore.plugins import DEFAULT_PLUGINS, LatePluginWarning, make_plugin_manager
from cscore.rulebook.yaml_format import read_rule_file
from cscore_common import CommonFacts

BONUS_RULES = """\
outputs: {amount_due: priority}
rules:
  - id: BONUS-1
    when: bonus > 0
    set: {amount_due: bonus}
"""


class BonusFacts(CommonFacts):
    amount: Money | None = None


class BonusDerived(BaseModel):
    bonus: Money | None = None


class Named:
    """A plugin object registered under a chosen name (pluggy reads ``__name__``)."""

    def __init__(self, name: str) -> None:
        self.__name__ = name


class BonusIndustry(Named):
    def __init__(self, rules_dir: Path, name: str = "bonus_industry") -> None:
        super().__init__(name)
        self.rules_dir = rules_dir

    @hookimpl
    def register_industries(self, register):
        register(
            IndustrySpec(
                "demo", "演示", BonusFacts, ("fee",), self.rules_dir, derived_facts=BonusDerived
            )
        )


class Bonus(Named):
    def __init__(self, value: float, name: str = "bonus") -> None:
        super().__init__(name)
        self.value = value

    @hookimpl
    def enrich_case(self, industry):
        return {"bonus": self.value} if industry == "demo" else None


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "fee.yaml").write_text(textwrap.dedent(BONUS_RULES), encoding="utf-8")
    return folder


def fee(kernel: Kernel) -> dict:
    return kernel.evaluate({"industry": "demo", "facts": {}}).outcomes["fee"]


def test_a_wrapper_sees_and_changes_the_results_of_enrich_case(rules):
    """A new-style wrapper (wrapper=True) receives the list of every plugin's result and
    what it returns is what the kernel merges."""
    seen = []

    class Raise:
        @hookimpl(wrapper=True)
        def enrich_case(self, industry):
            results = yield
            seen.append((industry, list(results)))
            return [{**result, "bonus": result["bonus"] * 2} for result in results]

    plugins = [BonusIndustry(rules), Bonus(5), Raise()]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        assert fee(kernel) == {"amount_due": 10}
    assert seen == [("demo", [{"bonus": 5}])]


def test_an_old_style_hookwrapper_can_force_the_result(rules):
    """An old-style hookwrapper gets pluggy's Result and may replace it."""
    seen = []

    class Override:
        @hookimpl(hookwrapper=True)
        def enrich_case(self):
            outcome = yield
            seen.append(outcome.get_result())
            outcome.force_result([{"bonus": 9}])

    plugins = [BonusIndustry(rules), Bonus(5), Override()]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        assert fee(kernel) == {"amount_due": 9}
    assert seen == [[{"bonus": 5}]]


def test_clashing_derived_facts_name_both_plugins(rules):
    plugins = [BonusIndustry(rules), Bonus(5, "first"), Bonus(6, "second")]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        with pytest.raises(PluginError, match=r"fact 'bonus' is set by both 'second' and 'first'$"):
            fee(kernel)


def test_a_wrapper_that_makes_a_clash_is_named(rules):
    class Duplicate(Named):
        @hookimpl(wrapper=True)
        def enrich_case(self):
            results = yield
            return [*results, *results]

    plugins = [BonusIndustry(rules), Bonus(5), Duplicate("doubler")]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        with pytest.raises(PluginError, match=r"set by both 'bonus' and 'doubler \(wrapper\)'"):
            fee(kernel)


def test_an_enrich_case_answer_that_is_not_a_mapping_names_the_plugin(rules):
    class Listy(Named):
        @hookimpl
        def enrich_case(self):
            return ["bonus", 3]

    plugins = [BonusIndustry(rules), Listy("listy")]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        with pytest.raises(PluginError, match="enrich_case of 'listy' returned a list, not a"):
            fee(kernel)


def test_a_plugin_registered_after_the_kernel_is_built_takes_part_in_the_next_case(rules):
    """Per-case hooks are not cached: enrich_case, route_case and decision_made of a
    plugin registered on kernel.pm later all run on the next evaluation."""
    seen = []

    class Late:
        @hookimpl
        def route_case(self, case):
            return "demo" if case.industry == "shop" else None

        @hookimpl
        def enrich_case(self):
            return {"bonus": 4}

        @hookimpl
        def decision_made(self, decision):
            seen.append(decision.outcomes["fee"])

    with Kernel(plugins=[BonusIndustry(rules)], load_entrypoints=False) as kernel:
        assert fee(kernel) == {}
        kernel.pm.register(Late())
        decision = kernel.evaluate({"industry": "shop", "facts": {}})
    assert decision.outcomes["fee"] == {"amount_due": 4}
    assert seen == [{"amount_due": 4}]


def test_a_late_plugin_with_declaration_hooks_is_warned_about(rules, tmp_path):
    """Declaration hooks are read when a Kernel is built; registering one later says so
    instead of being silently ignored, and its per-case hooks still run."""
    other = tmp_path / "other"
    other.mkdir()
    with Kernel(plugins=[BonusIndustry(rules)], load_entrypoints=False) as kernel:
        late = BonusIndustry(other, name="late_industry")
        with pytest.warns(LatePluginWarning, match="'late_industry' was registered after"):
            kernel.pm.register(Bonus(3, "quiet"))  # per-case hooks only: no warning
            kernel.pm.register(late)
        assert kernel.industries["demo"].rules_dir == rules
        assert fee(kernel) == {"amount_due": 3}


def test_blocking_a_plugin_stops_its_hooks(rules):
    """pm.set_blocked unregisters the plugin: its enrichment no longer takes part."""
    with Kernel(plugins=[BonusIndustry(rules), Bonus(5)], load_entrypoints=False) as kernel:
        assert fee(kernel) == {"amount_due": 5}
        kernel.pm.set_blocked("bonus")
        assert fee(kernel) == {}


def test_tryfirst_orders_answers_as_pluggy_documents(rules):
    """A tryfirst router answers before one registered after it; both before the
    default router, which is a trylast fallback."""

    class Router(Named):
        def __init__(self, name: str, answer: str) -> None:
            super().__init__(name)
            self.answer = answer

        @hookimpl
        def route_case(self):
            return self.answer

    class EagerRouter(Router):
        @hookimpl(tryfirst=True)
        def route_case(self):
            return self.answer

    eager, plain = EagerRouter("eager", "demo"), Router("plain", "nowhere")
    with Kernel(plugins=[BonusIndustry(rules), eager, plain], load_entrypoints=False) as kernel:
        decision = kernel.evaluate({"industry": "elsewhere", "facts": {}})
    assert decision.industry == "demo"


def test_every_default_implementation_is_a_trylast_fallback():
    pm = make_plugin_manager(load_entrypoints=False)
    impls = [
        impl
        for name in DEFAULT_PLUGINS
        for caller in pm.get_hookcallers(pm.get_plugin(name)) or []
        for impl in caller.get_hookimpls()
        if impl.plugin_name == name
    ]
    assert {impl.plugin_name for impl in impls} == set(DEFAULT_PLUGINS)
    assert all(impl.trylast for impl in impls), [i.plugin_name for i in impls if not i.trylast]


def test_a_plugins_own_yaml_format_is_used_instead_of_the_built_in_one(rules):
    """A plugin's format for `.yaml` replaces the built-in one (which would otherwise be
    consulted first, being registered last); `.yml` stays built in."""
    read = []

    def reading(path, shown):
        read.append(shown)
        return read_rule_file(path, shown)

    class MyYaml(Named):
        @hookimpl
        def register_rule_formats(self, register):
            register(RuleFormat(".yaml", reading, "YAML, audited"))

    plugins = [BonusIndustry(rules), Bonus(5), MyYaml("audited_yaml"), cscore_common]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        formats = {f.suffix: f for f in kernel.formats}
        assert fee(kernel) == {"amount_due": 5}
    assert formats[".yaml"].plugin == "audited_yaml" and formats[".yaml"].read is reading
    assert formats[".yml"].plugin == "cscore.default_plugins.yaml_rules"
    assert any(shown.endswith("demo/fee.yaml") for shown in read)
    assert any(shown.startswith("rules/common/") for shown in read)


def test_two_plugins_claiming_one_suffix_is_an_error_naming_both(rules):
    class Toml(Named):
        @hookimpl
        def register_rule_formats(self, register):
            register(RuleFormat(".yaml", read_rule_file))

    with pytest.raises(
        PluginError, match=r"rule format '\.yaml' is registered by both 'toml_b' and 'toml_a'"
    ):
        Kernel(plugins=[Toml("toml_a"), Toml("toml_b")], load_entrypoints=False)


def test_two_instances_of_one_plugin_class_are_told_apart(rules):
    """Attribution finds the calling instance, not just the method's code."""
    with pytest.raises(PluginError, match="industry 'demo' is registered by both 'b' and 'a'"):
        Kernel(
            plugins=[BonusIndustry(rules, "a"), BonusIndustry(rules, "b")], load_entrypoints=False
        )


def test_a_failing_declaration_hook_names_its_plugin():
    class Broken(Named):
        @hookimpl
        def register_functions(self, register):
            raise RuntimeError("boom")

    with pytest.raises(PluginError, match="plugin 'broken': register_functions failed: boom"):
        Kernel(plugins=[Broken("broken")], load_entrypoints=False)


def test_a_declaration_wrapper_runs_once_and_its_contributions_are_its_own():
    """A wrapper=True implementation of register_functions runs once around the others
    and what it registers is attributed to it."""
    calls = []

    class Extra(Named):
        @hookimpl(wrapper=True)
        def register_functions(self, register):
            calls.append("before")
            result = yield
            register(FunctionSpec("triple", lambda ctx, x: x * 3, (NUMBER,), NUMBER))
            return result

    with Kernel(plugins=[Extra("extra")], load_entrypoints=False) as kernel:
        assert calls == ["before"]
        assert kernel.functions["triple"].plugin == "extra"
        assert kernel.functions["add_days"].plugin == "cscore.default_plugins.calendar_functions"


def test_observers_run_in_their_own_calls_in_pluggy_order(rules, caplog):
    """decision_made: a tryfirst observer runs first; one raising is logged by name and
    the others still run."""
    order = []

    class Observer(Named):
        @hookimpl
        def decision_made(self):
            order.append(self.__name__)

    class First(Named):
        @hookimpl(tryfirst=True)
        def decision_made(self):
            order.append(self.__name__)
            raise RuntimeError("smtp down")

    plugins = [BonusIndustry(rules), First("first"), Observer("a"), Observer("b")]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        with caplog.at_level(logging.ERROR, logger="cscore"):
            fee(kernel)
    assert order == ["first", "b", "a"]
    assert "decision_made observer 'first' failed" in caplog.text
