"""``cscore plugins`` and ``cscore functions``."""

from __future__ import annotations

import json
from typing import Any

import click

from cscore.plugins import collect, make_plugin_manager, plugin_report


@click.command()
def plugins() -> None:
    """List installed plugins with their versions and the hooks they implement."""
    click.echo(json.dumps(plugin_report(make_plugin_manager()), ensure_ascii=False, indent=2))


@click.command()
@click.pass_obj
def functions(settings: Any) -> None:
    """List the functions rule files may use, with what they take and do, and the
    catalog rule each implements (as a rule pack cites it)."""
    pm = make_plugin_manager()
    cited = {
        function: (rule, name, pack.key)
        for _plugin, pack in collect(pm, "register_rule_packs")
        for function, (rule, name) in pack.cites.items()
    }
    for plugin, spec in sorted(collect(pm, "register_functions"), key=lambda item: item[1].name):
        params = ", ".join(str(p) for p in spec.params) + (", …" if spec.variadic else "")
        returns = spec.returns if not callable(spec.returns) else "depends on the values"
        click.echo(f"{spec.name}({params}) → {returns}")
        if spec.doc:
            click.echo(f"    {spec.doc}")
        if spec.rule:
            click.echo(f"    implements {spec.rule} {spec.rule_name}")
        elif spec.name in cited:
            rule, name, pack = cited[spec.name]
            click.echo(f"    implements {rule} {name} (rule pack {pack})")
        click.echo(f"    [{plugin}]")
