"""Derived facts from ``enrich_case``, validated like the host's facts.

A plugin that returns ``"120"`` for a number would otherwise reach the rules as text
(``base_fee + base_fee`` was ``"120120"``). The industry's ``derived_facts`` model is
the contract: a value it refuses, or a key it does not declare, is the plugin's bug,
reported as a :class:`PluginError` naming the plugin and the field. Validation is
strict (no text-to-number coercion): the plugin hands over Python values, not JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from cscore.errors import PluginError, did_you_mean
from cscore.industry import IndustrySpec


def validate_derived(
    industry: IndustrySpec, derived: Mapping[str, Any], owner: Callable[[str], str]
) -> dict[str, Any]:
    """The validated values of ``derived`` (key -> value); ``owner(key)`` names the
    plugin that returned a key (asked only to report a problem)."""
    if not derived:
        return {}
    model = industry.derived_facts
    if model is None:
        key = next(iter(derived))
        raise PluginError(
            f"plugin {owner(key)} returned derived fact '{key}', but industry "
            f"{industry.key} declares no derived facts (IndustrySpec.derived_facts)"
        )
    declared = model.model_fields
    for key in derived:
        if key not in declared:
            raise PluginError(
                f"plugin {owner(key)} returned derived fact '{key}', which is not declared "
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
            f"plugin {owner(key)} returned derived fact '{field}' = "
            f"{problem.get('input')!r}: {problem['msg']} (declared in {model.__name__})"
        ) from None
    return validated.model_dump(include=set(derived), exclude_none=True)
