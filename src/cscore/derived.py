"""Derived facts from ``enrich_case``, validated like the host's facts.

A plugin that returns ``"120"`` for a number would otherwise reach the rules as text
(``base_fee + base_fee`` was ``"120120"``). The industry's ``derived_facts`` model is
the contract: a value it refuses, or a key it does not declare, is the plugin's bug,
reported as a :class:`PluginError` naming the plugin and the field. Validation is
strict (no text-to-number coercion): the plugin hands over Python values, not JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from cscore.errors import PluginError, did_you_mean
from cscore.industry import IndustrySpec


def plugin_label(impl: Any) -> str:
    """A hook implementation's plugin, as a person recognises it: its registered name,
    or its class for an object registered without one (pluggy names those by id)."""
    name = str(impl.plugin_name)
    return type(impl.plugin).__name__ if name.isdigit() else name


def validate_derived(
    industry: IndustrySpec, derived: Mapping[str, Any], owners: Mapping[str, str]
) -> dict[str, Any]:
    """The validated values of ``derived`` (key -> value; ``owners``: key -> plugin)."""
    if not derived:
        return {}
    model = industry.derived_facts
    if model is None:
        key = next(iter(derived))
        raise PluginError(
            f"plugin {owners[key]!r} returned derived fact '{key}', but industry "
            f"{industry.key} declares no derived facts (IndustrySpec.derived_facts)"
        )
    declared = model.model_fields
    for key in derived:
        if key not in declared:
            raise PluginError(
                f"plugin {owners[key]!r} returned derived fact '{key}', which is not declared "
                f"in {model.__name__}{did_you_mean(key, declared)}"
            )
    try:
        validated = model.model_validate(dict(derived), strict=True)
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        location = problem["loc"]
        key = str(location[0]) if location else next(iter(derived))
        field = ".".join(str(part) for part in location) or key
        raise PluginError(
            f"plugin {owners.get(key, '?')!r} returned derived fact '{field}' = "
            f"{problem.get('input')!r}: {problem['msg']} (declared in {model.__name__})"
        ) from None
    return validated.model_dump(include=set(derived), exclude_none=True)
