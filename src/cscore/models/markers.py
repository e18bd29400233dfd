"""Markers a facts model puts on a field with ``Annotated[...]`` (personal data, the
meaning of an absent fact), found wherever pydantic left them."""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic.fields import FieldInfo

Marker = TypeVar("Marker")


def field_marker(field: FieldInfo, kind: type[Marker]) -> Marker | None:
    """The first ``kind`` marker of a model field: in the metadata pydantic collected,
    or inside its annotation (``Annotated[X, marker] | None``), else None."""
    for item in field.metadata:
        if isinstance(item, kind):
            return item
    return _in_annotation(field.annotation, kind)


def _in_annotation(annotation: Any, kind: type[Marker]) -> Marker | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        value, *extras = typing.get_args(annotation)
        for item in extras:
            if isinstance(item, kind):
                return item
        return _in_annotation(value, kind)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _in_annotation(arg, kind)
            if found is not None:
                return found
    return None
