"""Every hook of cscore.hookspecs, exercised through a real plugin (datasette's rule:
each hook has a ``test_hook_<name>``), plus plugin loading and validation."""

from __future__ import annotations

import inspect
import logging
import textwrap
from pathlib import Path
from typing import Literal

import click
import pytest
from sqlite_utils import Database, Migrations

import cscore_common
from cscore import CaseError, PluginError, RuleLoadError, hookimpl, hookspecs
from cscore.engine.durable import DurableEngine
from cscore.industry import IndustrySpec, RulePack
from cscore.kernel import Kernel
from cscore.language.functions import FunctionSpec
from cscore.language.types import NUMBER, enum
from cscore.models.facts import Money
from cscore.plugins import make_plugin_manager
from cscore.rulebook.formats import RuleFormat
from cscore.rulebook.yaml_format import read_rule_file
from cscore_common import CommonFacts

from .conftest import return_case


class DemoFacts(CommonFacts):
    plan: Literal["basic", "gold"] | None = None  # type: ignore[assignment]
    amount: Money | None = None


def demo_rules(tmp_path: Path, text: str, name: str = "fee.yaml") -> Path:
    folder = tmp_path / "demo_rules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


class DemoIndustry:
    def __init__(self, rules_dir: Path, key: str = "demo") -> None:
        self.rules_dir = rules_dir
        self.key = key

    @hookimpl
    def register_industries(self, register):
        register(IndustrySpec(self.key, "演示", DemoFacts, ("fee",), self.rules_dir))


FEE_RULES = """\
outputs: {amount_due: priority}
rules:
  - id: DEMO-1
    when: plan == gold
    set: {amount_due: 0}
  - id: DEMO-2
    when: plan == basic
    set: {amount_due: amount}
"""


def test_every_hook_has_a_test():
    """Each hookspec has a test_hook_<name> in this module."""
    names = {
        name
        for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(getattr(hookspecs, name), "cscore_spec")
    }
    tests = {name for name in globals() if name.startswith("test_hook_")}
    assert names, "no hookspecs found"
    assert {f"test_hook_{name}" for name in names} <= tests


def test_every_hook_documents_its_return_value():
    """A hook's docstring says what its return value (or register call) means."""
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(function, "cscore_spec"):
            doc = inspect.getdoc(function) or ""
            assert len(doc) > 40, name
            assert any(word in doc for word in ("Return", "register", "ignored")), name


def test_hook_register_industries(tmp_path):
    """A plugin's industry is routed to, validated with its model and decided by its rules."""
    industry = DemoIndustry(demo_rules(tmp_path, FEE_RULES))
    with Kernel(plugins=[industry], load_entrypoints=False) as kernel:
        decision = kernel.evaluate({"industry": "demo", "facts": {"plan": "basic", "amount": 12.5}})
        bad = kernel.evaluate({"industry": "demo", "facts": {"plan": "platinum"}})
    assert decision.outcomes == {"fee": {"amount_due": 12.5}}
    assert bad.outcomes["fee"] == {"decision": "invalid_input", "invalid_fields": ["plan"]}


def test_two_plugins_registering_one_industry_is_an_error(tmp_path):
    """A duplicate industry key names both plugins."""
    rules = demo_rules(tmp_path, FEE_RULES)
    with pytest.raises(PluginError, match="industry 'demo' is registered by both"):
        Kernel(plugins=[DemoIndustry(rules), DemoIndustry(rules)], load_entrypoints=False)


def test_hook_register_functions(tmp_path):
    """A plugin function can be called from a rule file and is type-checked."""

    class Discounts:
        @hookimpl
        def register_functions(self, register):
            register(
                FunctionSpec("member_price", lambda ctx, x: round(x * 0.9, 2), (NUMBER,), NUMBER)
            )

    rules = demo_rules(
        tmp_path, FEE_RULES.replace("{amount_due: amount}", "{amount_due: member_price(amount)}")
    )
    with Kernel(plugins=[DemoIndustry(rules), Discounts()], load_entrypoints=False) as kernel:
        decision = kernel.evaluate({"industry": "demo", "facts": {"plan": "basic", "amount": 100}})
    assert decision.outcomes["fee"]["amount_due"] == 90.0


def test_a_function_registered_twice_names_both_plugins(tmp_path):
    """Two plugins defining the same function name is an error naming both."""

    class Again:
        @hookimpl
        def register_functions(self, register):
            register(FunctionSpec("add_days", lambda ctx, d, n: d, (NUMBER, NUMBER), NUMBER))

    with pytest.raises(PluginError, match="rule function 'add_days' is registered by both"):
        Kernel(plugins=[Again()], load_entrypoints=False)


def test_hook_register_rule_formats(tmp_path):
    """A plugin can teach the kernel a new rule-file suffix (here JSON, read as YAML)."""

    class JsonRules:
        @hookimpl
        def register_rule_formats(self, register):
            register(RuleFormat(".json", read_rule_file, "JSON rule file"))

    folder = tmp_path / "demo_rules"
    folder.mkdir()
    (folder / "fee.json").write_text(
        '{"outputs": {"amount_due": "priority"},'
        ' "rules": [{"id": "J-1", "set": {"amount_due": 3}}]}'
    )
    with Kernel(plugins=[DemoIndustry(folder), JsonRules()], load_entrypoints=False) as kernel:
        decision = kernel.evaluate({"industry": "demo", "facts": {}})
    assert decision.outcomes["fee"] == {"amount_due": 3}
    assert decision.trace[0].source.endswith("fee.json:1")


def test_hook_register_migrations(tmp_path):
    """A plugin's migration set is applied to the decision log once."""
    demo = Migrations("cscore_demo")

    @demo()
    def m001_notes(db):
        db["demo_notes"].create({"id": int, "text": str}, pk="id")

    class Notes:
        @hookimpl
        def register_migrations(self, register):
            register(demo)

    path = tmp_path / "log.db"
    for _ in range(2):
        Kernel(db=path, plugins=[Notes()], load_entrypoints=False).close()
    db = Database(path)
    assert db["demo_notes"].exists()
    assert [
        r["name"] for r in db["_sqlite_migrations"].rows_where("migration_set = 'cscore_demo'")
    ] == ["m001_notes"]


def test_hook_register_commands():
    """A plugin adds a command to the cscore group."""

    class Hello:
        @hookimpl
        def register_commands(self, cli):
            @cli.command()
            def hello():
                """Say hello."""
                click.echo("hello")

    group = click.Group()
    make_plugin_manager(plugins=[Hello()], load_entrypoints=False).hook.register_commands(cli=group)
    assert "hello" in group.commands


def test_hook_create_engine():
    """A plugin's engine answers before the default one (here: a counting wrapper)."""

    class CountingEngine(DurableEngine):
        name = "counting"
        loads = 0

        def load(self, name, definition, *, action_budget):
            CountingEngine.loads += 1
            return super().load(name, definition, action_budget=action_budget)

    class Provider:
        @hookimpl
        def create_engine(self):
            return CountingEngine()

    with Kernel(plugins=[Provider()]) as kernel:
        assert kernel.engine.name == "counting"
        assert kernel.evaluate(return_case()).outcomes["return"]["decision"] == "return"
    assert CountingEngine.loads >= 1


def test_an_engine_without_encoded_facts_gets_plain_dicts():
    """Only an engine that says it takes layer facts (``encoded_facts``) gets them; any
    other gets every fact — the first and each layer's — as a plain dict holding the
    fields its rules read, and decides the same. One that does not settle when idle
    gets a settle rule per layer."""
    seen: list[type] = []
    tags: list[str] = []

    class PlainRuleset:
        def __init__(self, inner):
            self.name = inner.name
            self.inner = inner

        def run(self, first_facts, on_action):
            def spying(name):
                follow_up = on_action(name)
                for fact in follow_up or ():
                    seen.append(type(fact))
                    tags.append(fact["t"])
                return follow_up

            for fact in first_facts:
                seen.append(type(fact))
                tags.append(fact["t"])
            return self.inner.run(first_facts, spying)

        def close(self):
            self.inner.close()

    loaded_rules: list[str] = []

    class PlainEngine(DurableEngine):
        name = "plain"
        settles_when_idle = False  # so it is given a settle rule per layer

        def load(self, name, definition, *, action_budget):
            loaded_rules.extend(definition)
            return PlainRuleset(super().load(name, definition, action_budget=action_budget))

    class Provider:
        @hookimpl
        def create_engine(self):
            return PlainEngine()

    with Kernel() as reference:
        expected = reference.evaluate(return_case()).outcomes
    with Kernel(plugins=[Provider()]) as kernel:
        assert kernel.evaluate(return_case()).outcomes == expected
    assert seen and set(seen) == {dict}
    assert tags[0] == "L0.0" and len(set(tags)) > 1  # the first fact and later layers'
    assert "s0" in loaded_rules and "s1" in loaded_rules  # layers settled by settle rules


def test_hook_route_case():
    """A router plugin may send a case to another industry; an unknown answer is a CaseError."""

    class Aliases:
        @hookimpl
        def route_case(self, case, industries):
            return {"shop": "ecommerce", "bank": "banking"}.get(case.industry)

    with Kernel(plugins=[Aliases()]) as kernel:
        case = return_case()
        case["industry"] = "shop"
        assert kernel.evaluate(case).industry == "ecommerce"
        case["industry"] = "bank"
        with pytest.raises(CaseError, match="unknown industry 'banking'"):
            kernel.evaluate(case)


def test_hook_enrich_case():
    """Enrichment receives the validated facts and calendar; clashing keys name both plugins."""
    seen = {}

    class Spy:
        @hookimpl
        def enrich_case(self, industry, facts, calendar):
            seen.update(industry=industry, delivered=facts["delivered_date"], calendar=calendar)
            return None

    class Clash:
        @hookimpl
        def enrich_case(self, facts):
            return {"partial_return": True}

    with Kernel(plugins=[Spy()]) as kernel:
        kernel.evaluate(return_case(items=[{"list_price": 10, "qty": 1, "returned": True}]))
    assert seen["industry"] == "ecommerce" and str(seen["delivered"]) == "2026-03-02"
    assert hasattr(seen["calendar"], "add_working_days")
    with Kernel(plugins=[Clash()]) as kernel, pytest.raises(PluginError, match="set by both"):
        kernel.evaluate(return_case(items=[{"list_price": 10, "qty": 1, "returned": True}]))


def test_hook_decision_made(caplog):
    """Observers see each decision after it is logged; a failing one does not cost the
    host its decision."""
    seen = []

    class Observer:
        @hookimpl
        def decision_made(self, case, decision):
            seen.append((case.id, decision.outcomes["return"]["decision"]))

    class Broken:
        @hookimpl
        def decision_made(self, decision):
            raise RuntimeError("smtp down")

    with Kernel(db=":memory:", plugins=[Observer(), Broken()]) as kernel:
        with caplog.at_level(logging.ERROR, logger="cscore"):
            decision = kernel.evaluate(return_case())
        assert kernel.store.count() == 1
    assert decision.outcomes["return"]["decision"] == "return"
    assert seen == [("T-1", "return")]
    assert "smtp down" in caplog.text


def test_misspelled_hook_fails_loudly():
    """check_pending(): an implementation of a hook that does not exist is refused."""

    class Typo:
        @hookimpl
        def register_industrys(self, register):
            pass

    with pytest.raises(PluginError, match="register_industrys"):
        Kernel(plugins=[Typo()], load_entrypoints=False)


def test_wrong_hook_arguments_fail_loudly():
    """An implementation asking for an argument the hook does not have is refused."""

    class Wrong:
        @hookimpl
        def enrich_case(self, facts, kernel):
            return None

    with pytest.raises(PluginError, match="kernel"):
        Kernel(plugins=[Wrong()], load_entrypoints=False)


def test_load_plugins_allow_list(monkeypatch):
    """CSCORE_LOAD_PLUGINS='' loads no installed plugin; naming one loads it."""
    monkeypatch.setenv("CSCORE_LOAD_PLUGINS", "")
    with Kernel() as kernel:
        assert kernel.industries == {}
    monkeypatch.setenv("CSCORE_LOAD_PLUGINS", "ecommerce,common")  # it needs the common pack
    with Kernel() as kernel:
        assert set(kernel.industries) == {"ecommerce"}
        assert set(kernel.packs) == {"common"}


ROUTING_RULES = """\
outputs: {department: priority}
rules:
  - id: DEMO-R1
    priority: 20
    when: plan == gold
    set: {department: network_ops}
"""


class RoutingIndustry:
    """An industry whose routing sends cases to a department of its own."""

    def __init__(self, rules_dir: Path, departments: list[str] | None) -> None:
        self.rules_dir = rules_dir
        self.departments = departments

    @hookimpl
    def register_industries(self, register):
        outcomes = {}
        if self.departments is not None:
            outcomes = {"routing": {"department": enum(self.departments)}}
        register(
            IndustrySpec("isp", "宽带", DemoFacts, ("routing",), self.rules_dir, outcomes=outcomes)
        )


def test_a_plugin_declares_a_department_of_its_own(tmp_path):
    """An industry adds `network_ops` to the common departments in its IndustrySpec;
    the common pack's departments stay valid next to it."""
    rules = demo_rules(tmp_path, ROUTING_RULES, "routing.yaml")
    plugins = [RoutingIndustry(rules, ["network_ops"]), cscore_common]
    with Kernel(plugins=plugins, load_entrypoints=False) as k:
        gold = k.evaluate({"industry": "isp", "facts": {"plan": "gold"}})
        fault = k.evaluate({"industry": "isp", "facts": {"issue_type": "logistics"}})
    assert gold.outcomes["routing"]["department"] == "network_ops"
    assert fault.outcomes["routing"]["department"] == "warehouse_logistics"


def test_a_value_no_one_declared_is_refused(tmp_path):
    """Without the declaration the same rule fails to load, naming file:line and the
    allowed values (a typo cannot reach a host)."""
    rules = demo_rules(tmp_path, ROUTING_RULES, "routing.yaml")
    with pytest.raises(RuleLoadError, match=r"routing\.yaml:6: rule DEMO-R1: .*network_ops"):
        Kernel(plugins=[RoutingIndustry(rules, ["field_service"])], load_entrypoints=False)


def test_hook_register_rule_packs(tmp_path):
    """A plugin's pack named `common` replaces the built-in common pack, and another
    pack is shared by every industry beside it."""
    mine = tmp_path / "my_common"
    mine.mkdir()
    (mine / "routing.yaml").write_text(
        "kinds: [routing]\noutputs: {department: priority}\n"
        "rules:\n  - {id: MY-1, when: issue_type == refund, set: {department: cs_supervisor}}\n",
        encoding="utf-8",
    )
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "fee.yaml").write_text(
        "kinds: [fee]\noutputs: {surcharge: priority}\n"
        "rules:\n  - {id: X-1, when: plan == gold, set: {surcharge: 5}}\n",
        encoding="utf-8",
    )

    class Packs:
        @hookimpl
        def register_rule_packs(self, register):
            register(RulePack(key="common", path=mine))
            register(RulePack(key="extra", path=extra, label="packs/extra"))

    isp_rules = tmp_path / "isp"
    isp_rules.mkdir()
    (isp_rules / "routing.yaml").write_text("outputs: {department: priority}\n", encoding="utf-8")
    plugins = [
        RoutingIndustry(isp_rules, None),
        DemoIndustry(demo_rules(tmp_path, FEE_RULES)),
        Packs(),
    ]
    with Kernel(plugins=plugins, load_entrypoints=False) as kernel:
        refund = kernel.evaluate({"industry": "isp", "facts": {"issue_type": "refund"}})
        fee = kernel.evaluate({"industry": "demo", "facts": {"plan": "gold"}})
    assert refund.outcomes["routing"] == {"department": "cs_supervisor"}  # not finance
    assert fee.outcomes["fee"]["surcharge"] == 5
    assert any(entry.source.startswith("packs/extra/fee.yaml:") for entry in fee.trace)


def test_two_plugins_registering_one_pack_is_an_error(tmp_path):
    class Pack:
        @hookimpl
        def register_rule_packs(self, register):
            register(RulePack(key="shared", path=tmp_path))

    with pytest.raises(PluginError, match="rule pack 'shared' is registered by both"):
        Kernel(plugins=[Pack(), Pack()], load_entrypoints=False)
