"""The rule language's value types as JSON Schema, as hosts receive the values
(DESIGN.md §2.2: dates ``YYYY-MM-DD``, timestamps ISO-8601, money a number rounded to
2 decimals, durations in seconds), so a client can validate and generate typed code."""

from __future__ import annotations

from typing import Any

from cscore.language.types import Type


def type_schema(t: Type | None) -> dict[str, Any]:
    """The JSON Schema of a value of type ``t`` (``None`` or ``any``: any value)."""
    if t is None or t.name in ("any", "null"):
        return {}
    if t.name == "string":
        if t.values is not None:
            return {"type": "string", "enum": sorted(t.values)}
        return {"type": "string"}
    if t.name == "list":
        return {"type": "array", "items": type_schema(t.item)}
    if t.name == "record":
        fields = dict(t.fields or ())
        return {"type": "object", "properties": {k: type_schema(v) for k, v in fields.items()}}
    simple: dict[str, dict[str, Any]] = {
        "bool": {"type": "boolean"},
        "integer": {"type": "integer"},
        "number": {"type": "number"},
        # not multipleOf 0.01: validators test it in binary floating point (0.07 fails)
        "money": {"type": "number", "description": "money (CNY), rounded to 2 decimals"},
        "date": {"type": "string", "format": "date"},
        "datetime": {"type": "string", "format": "date-time"},
        "duration": {"type": "number", "description": "a duration in seconds"},
    }
    return dict(simple.get(t.name, {}))


def object_schema(fields: dict[str, Type | None], title: str) -> dict[str, Any]:
    """An object whose keys are all optional and typed (an outcome: a key no rule set
    is absent, never null)."""
    return {
        "title": title,
        "type": "object",
        "properties": {name: type_schema(t) for name, t in sorted(fields.items())},
    }
