"""The contract between the kernel and a forward-chaining engine.

The kernel compiles rule files into a ruleset *definition* (durable_rules' JSON rule
shape) and drives each evaluation through :meth:`EngineRuleset.run`: it asserts the
first fact, and for every rule that fires the engine calls ``on_action(rule_name)``,
which may return a new fact to assert into the same session (the next layer of
derived values). The default engine is :mod:`cscore.engine.durable`; a plugin may
provide another through the ``create_engine`` hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

Fact = Mapping[str, Any]  # a plain dict, or a LayerFact for an engine with encoded_facts

# Fields the engine side writes on every fact for itself: the layer/chunk tag the kernel
# adds (``t``), durable's session id (``sid``) and durable's fact identity (``id``). A
# fact or value of the same name would be overwritten (a rule ``t > 60`` then tested the
# tag), so such a name is escaped on its way in: ``t`` reaches the engine as ``@t``.
# Rule names are words (letters, digits, _) and never start with "@", so an escaped
# name cannot collide with another fact, nor with these fields.
RESERVED_FIELDS = frozenset({"t", "sid", "id"})


def engine_field(path: str) -> str:
    """The name a fact or value (``t``, ``order.amount``) has inside the engine."""
    root = path.split(".", 1)[0]
    return "@" + path if root in RESERVED_FIELDS else path


# Called for each rule that fires; may return facts to assert into the same session.
OnAction = Callable[[str], list[Fact] | None]
# Called (by an engine that settles when idle) whenever no rule action is left; returns
# the facts to assert next (the next layer's), or None: the evaluation is complete.
OnIdle = Callable[[], list[Fact] | None]


class RulesetClosed(RuntimeError):
    """The ruleset was replaced (hot reload) between lookup and use; look it up again."""


class EngineRuleset(Protocol):
    """A loaded rule set. Facts reach it as plain dicts, unless it has a true
    ``encoded_facts`` attribute: then a layer's facts are
    :class:`cscore.engine.layerfact.LayerFact` objects, read-only mappings that also
    give their JSON text (``json_with``) without a dict being built for each layer."""

    name: str

    def run(
        self, first_facts: list[Fact], on_action: OnAction, on_idle: OnIdle | None = None
    ) -> int:
        """Evaluate one case in a fresh session; return how many actions ran.
        ``on_idle`` is given only to the rulesets of an engine that settles when idle
        (see :class:`Engine`)."""
        ...

    def close(self) -> None:
        """Free the ruleset once in-flight evaluations have finished."""
        ...


class Engine(Protocol):
    """Loads rule set definitions.

    A layer of derived values is settled once no rule action of it is left. An engine
    with a true ``settles_when_idle`` attribute says so itself: it is given definitions
    without settle rules, and its rulesets' ``run`` calls ``on_idle`` whenever no action
    is pending (then asserts what it returns). Any other engine gets a settle rule per
    layer (``s0``, ``s1``, … at the lowest priority), whose action ``on_action`` settles
    the layer."""

    name: str

    def load(self, name: str, definition: dict[str, Any], *, action_budget: int) -> EngineRuleset:
        """Compile a ruleset definition; raise :class:`cscore.errors.EngineError` if refused."""
        ...

    def close(self) -> None:
        """Release every ruleset this engine loaded."""
        ...
