"""Facts a host sent that its industry's model does not know, at any depth.

An unknown key is ignored with a warning (and a did-you-mean), whether it stands at the
top of ``facts`` or inside a nested fact such as ``condition`` or an order line: a
typo like ``condition.tag_intact`` must not pass silently, and an extra ``note`` in
``holiday_calendar`` must not make the whole case invalid.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from cscore.boundary import MAX_SUGGESTIONS
from cscore.errors import did_you_mean, escape_controls
from cscore.models.markers import nested_model

# Suggestions cost a fuzzy search each (~1 ms): only the first few unknown keys are named
# (with a suggestion), the rest counted, so a case with many stray keys stays cheap.
LISTED_LIMIT = MAX_SUGGESTIONS


def unknown_fact_warnings(model: type[BaseModel], facts: Mapping[str, Any]) -> list[str]:
    """One warning per unknown fact (path with dots, list items as ``items[0]``)."""
    if _all_known(model, facts):
        return []  # most cases: one quick pass, no paths built
    warnings: list[str] = []
    found = 0
    for path, name, known in _unknown(model, facts, ""):
        found += 1
        if found <= LISTED_LIMIT:
            hint = did_you_mean(name, known) if found <= MAX_SUGGESTIONS else ""
            warnings.append(f"unknown fact '{escape_controls(path)}' ignored{hint}")
    if found > LISTED_LIMIT:
        warnings.append(f"{found - LISTED_LIMIT} more unknown facts ignored")
    return warnings


def _all_known(model: type[BaseModel], values: Mapping[str, Any]) -> bool:
    """Whether every key is a field of the model, at every depth (what _unknown finds,
    without a generator or a path per record: it runs for every case)."""
    if not values.keys() <= model.model_fields.keys():
        return False
    nested = _nested_fields(model)
    if not nested:
        return True
    for name in nested.keys() & values.keys():
        item_model, is_list = nested[name]
        value = values[name]
        if not is_list:
            if isinstance(value, Mapping) and not _all_known(item_model, value):
                return False
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping) and not _all_known(item_model, item):
                    return False
    return True


def _unknown(
    model: type[BaseModel], values: Mapping[str, Any], prefix: str
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    fields = model.model_fields
    nested = _nested_fields(model)
    if values.keys() <= fields.keys():  # every key known (the common case, one C loop):
        names: Any = [name for name in values if name in nested] if nested else ()
    else:
        names = values
    for key in names:
        name = str(key)
        if name not in fields:
            yield prefix + name, name, fields
            continue
        inner = nested.get(name)
        if inner is None:
            continue
        value = values[key]
        item_model, is_list = inner
        if is_list and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _unknown(item_model, item, f"{prefix}{name}[{index}].")
        elif not is_list and isinstance(value, Mapping):
            yield from _unknown(item_model, value, f"{prefix}{name}.")


@functools.cache
def _nested_fields(model: type[BaseModel]) -> dict[str, tuple[type[BaseModel], bool]]:
    """The fields of a model that hold a nested model (or a list of one), worked out
    once per model: this runs for every case."""
    found = {}
    for name in model.model_fields:
        inner = _field_model(model, name)
        if inner is not None:
            found[name] = inner
    return found


@functools.cache
def _field_model(model: type[BaseModel], name: str) -> tuple[type[BaseModel], bool] | None:
    """nested_model of a model's field, worked out once: this runs for every fact of
    every case, and unwrapping an annotation is a dozen typing calls."""
    return nested_model(model.model_fields[name].annotation)
