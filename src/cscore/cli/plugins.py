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
    """List the functions rule files may use, with what they take and do."""
    for plugin, spec in sorted(
        collect(make_plugin_manager(), "register_functions"), key=lambda item: item[1].name
    ):
        params = ", ".join(str(p) for p in spec.params) + (", …" if spec.variadic else "")
        returns = spec.returns if not callable(spec.returns) else "depends on the values"
        click.echo(f"{spec.name}({params}) → {returns}")
        if spec.doc:
            click.echo(f"    {spec.doc}")
        click.echo(f"    [{plugin}]")
