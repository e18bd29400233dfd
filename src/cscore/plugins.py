"""Building a kernel's plugin manager, and calling hooks with each answer attributed.

Order (as tox does it): hookspecs; entry points of the ``cscore`` group, honouring the
``CSCORE_LOAD_PLUGINS`` allow-list; plugins passed explicitly; then the default plugins
(the kernel's own behaviour, every implementation ``trylast``), and finally
``check_pending()`` so that a misspelled hook implementation fails loudly instead of
never running.

Every hook is called through ``pm.hook`` (or a pluggy subset caller), so wrappers,
``tryfirst``/``trylast``, blocking and late registration behave as pluggy documents.
pluggy does not say which plugin returned what (pytest-dev/pluggy#235), and the kernel
must name plugins in its errors; it learns that without calling implementations
itself: a ``register`` callback looks for the hook implementation that called it on the
call stack, and a failing call is blamed on the implementation in its traceback.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import CodeType, FrameType
from typing import Any

import pluggy
from pluggy import HookImpl

from cscore import hookspecs
from cscore.errors import PluginError

PROJECT = "cscore"
ENTRY_POINT_GROUP = "cscore"

DEFAULT_PLUGINS = (
    "cscore.default_plugins.router",
    "cscore.default_plugins.yaml_rules",
    "cscore.default_plugins.csv_tables",
    "cscore.default_plugins.core_functions",
    "cscore.default_plugins.calendar_functions",
    "cscore.default_plugins.durable_engine",
    "cscore.default_plugins.store_migrations",
)


# Read once, when a Kernel is built (a plugin registered later takes effect in a new Kernel).
DECLARATION_HOOKS = frozenset(
    {
        "register_industries",
        "register_rule_packs",
        "register_functions",
        "register_rule_formats",
        "register_migrations",
        "create_engine",
    }
)
UNKNOWN_PLUGIN = "<unknown plugin>"


class LatePluginWarning(UserWarning):
    """A plugin registered on a built Kernel's manager implements a declaration hook."""


class PluginManager(pluggy.PluginManager):
    """pluggy's manager; once a Kernel has read the declaration hooks, registering a
    plugin that implements one warns instead of being silently half-effective."""

    declarations_read = False

    def register(self, plugin: object, name: str | None = None) -> str | None:
        plugin_name = super().register(plugin, name)
        if plugin_name is not None and self.declarations_read:
            late = sorted(
                caller.name
                for caller in self.get_hookcallers(plugin) or []
                if caller.name in DECLARATION_HOOKS
            )
            if late:
                warnings.warn(
                    f"plugin {plugin_name!r} was registered after its Kernel was built: "
                    f"{', '.join(late)} {'is' if len(late) == 1 else 'are'} read when a Kernel "
                    "is built, so pass the plugin to Kernel(plugins=[...]); its per-case "
                    "hooks run from the next evaluation",
                    LatePluginWarning,
                    stacklevel=2,
                )
        return plugin_name


def make_plugin_manager(
    plugins: Iterable[Any] = (), load_entrypoints: bool = True
) -> PluginManager:
    pm = PluginManager(PROJECT)
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


# -- calling hooks, knowing who answered ---------------------------------------------


class _Implementations:
    """Finds which of a hook's implementations a running frame belongs to."""

    def __init__(self, impls: Sequence[HookImpl]) -> None:
        self._by_code: dict[CodeType, list[HookImpl]] = {}
        for impl in impls:
            function: Any = impl.function
            # A decorated implementation is found by its wrapper's frame or its own.
            for code in {_code(function), _code(getattr(function, "__wrapped__", None))}:
                if code is not None:
                    self._by_code.setdefault(code, []).append(impl)

    def find(self, frames: Iterable[FrameType]) -> HookImpl | None:
        """The implementation of the first frame (innermost first) that is one."""
        for frame in frames:
            candidates = self._by_code.get(frame.f_code)
            if not candidates:
                continue
            if len(candidates) == 1:
                return candidates[0]
            # One method of several instances (two plugins of one class): tell by `self`.
            code = frame.f_code
            receiver = frame.f_locals.get(code.co_varnames[0]) if code.co_argcount else None
            for impl in candidates:
                if getattr(impl.function, "__self__", None) is receiver:
                    return impl
        return None

    def blame(self, exc: BaseException) -> str:
        """The plugin whose implementation raised ``exc`` (innermost in its traceback)."""
        frames = [frame for frame, _line in traceback.walk_tb(exc.__traceback__)]
        impl = self.find(reversed(frames))
        return impl.plugin_name if impl is not None else UNKNOWN_PLUGIN


def _code(function: Any) -> CodeType | None:
    code = getattr(function, "__code__", None)
    return code if isinstance(code, CodeType) else None


def _stack(frame: FrameType | None) -> Iterator[FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back


def collect(pm: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Any]]:
    """Call a ``register_*`` hook once, through pluggy; each contribution comes with the
    name of the plugin whose implementation called ``register``."""
    caller = getattr(pm.hook, hook_name)
    implementations = _Implementations(caller.get_hookimpls())
    collected: list[tuple[str, Any]] = []

    def register(item: Any) -> None:
        impl = implementations.find(_stack(sys._getframe(1)))
        collected.append((impl.plugin_name if impl is not None else UNKNOWN_PLUGIN, item))

    try:
        caller(register=register)
    except Exception as exc:  # a plugin's bug, reported with its name
        who = implementations.blame(exc)
        raise PluginError(f"plugin {who!r}: {hook_name} failed: {exc}") from exc
    return collected


def each_implementation(
    pm: pluggy.PluginManager, hook_name: str
) -> Iterator[tuple[str, Callable[..., Any]]]:
    """A pluggy caller per implementation (wrappers included), in pluggy's call order:
    for hooks where one implementation failing must not stop the others."""
    caller = getattr(pm.hook, hook_name)
    impls = [i for i in reversed(caller.get_hookimpls()) if not (i.wrapper or i.hookwrapper)]
    plugins = [impl.plugin for impl in impls]
    for impl in impls:
        others = [plugin for plugin in plugins if plugin is not impl.plugin]
        yield impl.plugin_name, pm.subset_hook_caller(hook_name, remove_plugins=others)


def plugin_label(impl: Any) -> str:
    """A hook implementation's plugin, as a person recognises it: its registered name,
    or its class for an object registered without one (pluggy names those by id)."""
    name = str(impl.plugin_name)
    return type(impl.plugin).__name__ if name.isdigit() else name


def returned_by(
    pm: pluggy.PluginManager,
    hook_name: str,
    arguments: Mapping[str, Any],
    test: Callable[[Any], bool],
) -> list[str]:
    """Plugins whose implementation, called on its own, returns a value passing ``test``;
    the hook's wrappers are named too when they may have made it. For error messages
    only: it calls implementations again, so use it on hooks documented to be pure."""
    names = []
    wrappers = []
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
        if impl.wrapper or impl.hookwrapper:
            wrappers.append(f"{plugin_label(impl)} (wrapper)")
            continue
        try:
            answer = impl.function(*(arguments[name] for name in impl.argnames))
        except Exception:  # the hook call itself succeeded; this one only finds names
            continue
        if test(answer):
            names.append(plugin_label(impl))
    return names if len(names) >= 2 else names + wrappers


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
