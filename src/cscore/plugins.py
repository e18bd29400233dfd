"""Building a kernel's plugin manager, and collecting what plugins register.

Order (as tox does it): hookspecs; entry points of the ``cscore`` group, honouring the
``CSCORE_LOAD_PLUGINS`` allow-list; plugins passed explicitly; then the default plugins
(the kernel's own behaviour), and finally ``check_pending()`` so that a misspelled
hook implementation fails loudly instead of never running.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterable
from typing import Any

import pluggy

from cscore import hookspecs
from cscore.errors import PluginError

PROJECT = "cscore"
ENTRY_POINT_GROUP = "cscore"

DEFAULT_PLUGINS = (
    "cscore.default_plugins.router",
    "cscore.default_plugins.common_pack",
    "cscore.default_plugins.yaml_rules",
    "cscore.default_plugins.csv_tables",
    "cscore.default_plugins.core_functions",
    "cscore.default_plugins.calendar_functions",
    "cscore.default_plugins.durable_engine",
    "cscore.default_plugins.store_migrations",
)


def make_plugin_manager(
    plugins: Iterable[Any] = (), load_entrypoints: bool = True
) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        if load_entrypoints:
            _load_entrypoints(pm)
        for plugin in plugins:
            pm.register(plugin)
        for name in DEFAULT_PLUGINS:
            pm.register(importlib.import_module(name), name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginError(f"plugin {name!r}: {_first_line(str(exc))}") from None
    except ValueError as exc:  # pluggy: a plugin or name registered twice
        raise PluginError(str(exc)) from None
    return pm


def _load_entrypoints(pm: pluggy.PluginManager) -> None:
    allow = os.environ.get("CSCORE_LOAD_PLUGINS")
    if allow is not None:
        allowed = {name.strip() for name in allow.split(",") if name.strip()}
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            distribution = entry.dist.name if entry.dist else ""
            if entry.name not in allowed and distribution not in allowed:
                pm.set_blocked(entry.name)
    try:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except ImportError as exc:
        raise PluginError(f"a cscore plugin failed to import: {exc}") from None


def _first_line(text: str) -> str:
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())


def hookimpls(pm: pluggy.PluginManager, hook_name: str) -> list[Any]:
    """The implementations of a hook, in registration order."""
    return list(reversed(getattr(pm.hook, hook_name).get_hookimpls()))


def call_impl(impl: Any, **arguments: Any) -> Any:
    """Call one implementation with the subset of the hook's arguments it declares, so
    the kernel can tell which plugin returned what."""
    return impl.function(*(arguments[name] for name in impl.argnames))


def collect(pm: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Any]]:
    """Call a ``register_*`` hook plugin by plugin; each item comes with its plugin name."""
    collected: list[tuple[str, Any]] = []
    for impl in hookimpls(pm, hook_name):
        items: list[Any] = []
        try:
            call_impl(impl, register=items.append)
        except Exception as exc:  # a plugin's bug, reported with its name
            raise PluginError(f"plugin {impl.plugin_name!r}: {hook_name} failed: {exc}") from exc
        collected.extend((impl.plugin_name, item) for item in items)
    return collected


def plugin_report(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Name, distribution version and hooks of every registered plugin."""
    versions = {
        id(plugin): (dist.project_name, dist.version) for plugin, dist in pm.list_plugin_distinfo()
    }
    report = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        distribution, version = versions.get(id(plugin), (None, None))
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        report.append(
            {
                "name": name,
                "distribution": distribution,
                "version": version,
                "hooks": hooks,
                "default": name in DEFAULT_PLUGINS,
            }
        )
    return sorted(report, key=lambda entry: (entry["default"], entry["name"]))
